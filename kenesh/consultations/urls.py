"""Page addresses of consultations, one nested namespace per feature
(``consultations:surveys:list``): staff pages under /consultations/; public ones under /public/
(concerns, "you said, we did") and /s/ (a survey's public link)."""

from django.urls import include, path

app_name = "consultations"

urlpatterns = [
    path("consultations/surveys/", include("kenesh.consultations.surveys.urls")),
    path("consultations/surveys/", include("kenesh.consultations.results.urls")),
    path("consultations/surveys/xlsform/", include("kenesh.consultations.xlsform.urls")),
    path("consultations/concerns/", include("kenesh.consultations.concerns.urls")),
    path("consultations/meetings/", include("kenesh.consultations.meetings.urls")),
    path("consultations/priorities/", include("kenesh.consultations.priorities.urls")),
    path("public/", include("kenesh.consultations.public.urls")),
    path("public/", include("kenesh.consultations.priorities.public_urls")),
    path("s/", include("kenesh.consultations.surveys.public_urls")),
]
