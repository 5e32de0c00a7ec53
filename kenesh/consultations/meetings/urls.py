"""Pages of community meetings, under /consultations/meetings/ (``consultations:meetings:*``)."""

from django.urls import URLPattern, URLResolver, path

from kenesh.consultations.meetings import views

app_name = "meetings"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.meeting_list_page, name="list"),
    path("new/", views.meeting_create_page, name="create"),
    path("<int:pk>/", views.meeting_detail_page, name="detail"),
    path("<int:pk>/edit/", views.meeting_edit_page, name="edit"),
    path("<int:pk>/concerns/", views.meeting_concern_add_page, name="concern_add"),
    path("<int:pk>/attachments/", views.meeting_attachment_add_page, name="attachment_add"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.meeting_attachment_page,
        name="attachment",
    ),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/delete/",
        views.meeting_attachment_delete_page,
        name="attachment_delete",
    ),
]
