"""Crime statistics and evaluation, under /analysis/ (names ``incidents:analysis:<name>``)."""

from django.urls import URLPattern, URLResolver, path

from kenesh.incidents.analysis import views as analysis_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("crime/", analysis_views.crime_page, name="crime"),
    path("evaluation/", analysis_views.evaluation_page, name="evaluation"),
]
