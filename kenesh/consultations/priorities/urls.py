"""Pages of priorities under /consultations/priorities/ (``consultations:priorities:<name>``)."""

from django.urls import URLPattern, URLResolver, path, re_path

from kenesh.consultations.priorities import views

app_name = "priorities"

# A municipality's SOATE code (digits only).
CODE = r"(?P<code>[0-9]{1,14})"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.matrix_page, name="matrix"),
    re_path(rf"^{CODE}/adopt/$", views.adopt_page, name="adopt"),
    re_path(rf"^{CODE}/adopted/$", views.adopted_page, name="adopted"),
]
