from django.urls import URLPattern, URLResolver, path

from kenesh.incidents import import_views as views

app_name = "incident_import"
urlpatterns: list[URLPattern | URLResolver] = [
    path("import/", views.upload_page, name="upload"),
    path("import/template.<str:fmt>", views.template_download, name="template"),
    path("import/<int:job_id>/", views.job_page, name="job"),
    path("import/<int:job_id>/rejects.csv", views.rejects_download, name="rejects"),
]
