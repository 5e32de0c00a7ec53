"""Pages of survey results, under /consultations/surveys/ (names ``consultations:results:*``)."""

from django.urls import URLPattern, URLResolver, path

from kenesh.consultations.results import views

app_name = "results"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<int:pk>/results/", views.results_page, name="results"),
    path("<int:pk>/results/publish/", views.publish_page, name="publish"),
    path("<int:pk>/results.<str:fmt>", views.results_export, name="results_export"),
]
