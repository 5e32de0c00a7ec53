"""The public "You said, we did" page of a municipality, at /public/<code>/
(``consultations:outcomes:page``). The code is digits only, so /public/concern/... of the
concerns feature never reaches it; /public/<code>/concern/ is theirs (a longer path)."""

from django.urls import URLPattern, URLResolver, re_path

from kenesh.consultations.priorities import views

app_name = "outcomes"

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^(?P<code>[0-9]{1,14})/$", views.outcomes_page, name="page"),
]
