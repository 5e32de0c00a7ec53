"""Staff pages of concerns, under /consultations/concerns/ (``consultations:concerns:<name>``)."""

from django.urls import URLPattern, URLResolver, path

from kenesh.consultations.concerns import views

app_name = "concerns"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.concern_list_page, name="list"),
    path("new/", views.concern_create_page, name="create"),
    path("<int:pk>/", views.concern_detail_page, name="detail"),
    path("<int:pk>/status/", views.concern_status_page, name="status"),
    path("<int:pk>/category/", views.concern_categorise_page, name="categorise"),
    path("<int:pk>/publication/", views.concern_moderate_page, name="moderate"),
    path("<int:pk>/merge/", views.concern_merge_page, name="merge"),
]
