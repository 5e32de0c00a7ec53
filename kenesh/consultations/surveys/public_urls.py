"""A survey's public link, /s/<public_key>/ (names ``consultations:answer:<name>``)."""

from django.urls import URLPattern, URLResolver, path

from kenesh.consultations.surveys import public_views

app_name = "answer"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<str:public_key>/", public_views.answer_form_page, name="form"),
    path("<str:public_key>/done/", public_views.answer_done_page, name="done"),
]
