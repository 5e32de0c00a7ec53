"""Public pages of consultations, under /public/ (``consultations:public:<name>``), no login."""

from django.urls import URLPattern, URLResolver, path

from kenesh.consultations.public import views

app_name = "public"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<str:code>/concern/", views.concern_form_page, name="concern_form"),
    path("<str:code>/poster.pdf", views.poster_page, name="poster"),
    path("concern/", views.concern_status_page, name="concern_status"),
    path(
        "concern/<str:reference>/", views.concern_status_detail_page, name="concern_status_detail"
    ),
    path("concern/<str:reference>/thanks/", views.concern_thanks_page, name="concern_thanks"),
]
