"""Page addresses of consultations: staff pages under /consultations/, public ones under
/public/ and /s/ (a survey's public link); one nested namespace per feature
(``consultations:surveys:list``)."""

from django.urls import include, path

app_name = "consultations"

urlpatterns = [
    path("consultations/surveys/", include("kenesh.consultations.surveys.urls")),
    path("consultations/surveys/xlsform/", include("kenesh.consultations.xlsform.urls")),
    path("consultations/concerns/", include("kenesh.consultations.concerns.urls")),
    path("consultations/meetings/", include("kenesh.consultations.meetings.urls")),
    path("consultations/priorities/", include("kenesh.consultations.priorities.urls")),
    path("", include("kenesh.consultations.public.urls")),
]
