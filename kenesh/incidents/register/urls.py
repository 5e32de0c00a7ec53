"""Pages of the incident register, under /incidents/ (names ``incidents:<name>``)."""

from django.urls import URLPattern, URLResolver, path

from kenesh.incidents.register import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.incident_list_page, name="list"),
    path("new/", views.incident_create_page, name="create"),
    path("<int:pk>/", views.incident_detail_page, name="detail"),
    path("<int:pk>/edit/", views.incident_edit_page, name="edit"),
]
