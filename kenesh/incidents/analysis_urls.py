from django.urls import URLPattern, URLResolver, path

from kenesh.incidents import analysis_views

app_name = "analysis"
urlpatterns: list[URLPattern | URLResolver] = [
    path("crime/", analysis_views.crime_page, name="crime"),
    path("evaluation/", analysis_views.evaluation_page, name="evaluation"),
]
