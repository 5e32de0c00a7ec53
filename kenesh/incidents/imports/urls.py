"""The import pages, under /incidents/import/ (names ``incidents:import:<name>``)."""

from django.urls import URLPattern, URLResolver, path

from kenesh.incidents.imports import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.upload_page, name="upload"),
    path("template.<str:fmt>", views.template_download, name="template"),
    path("<int:job_id>/", views.job_page, name="job"),
    path("<int:job_id>/rejects.csv", views.rejects_download, name="rejects"),
]
