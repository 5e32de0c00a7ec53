"""Staff pages of surveys, under /consultations/surveys/ (``consultations:surveys:<name>``)."""

from django.urls import URLPattern, URLResolver, path

from kenesh.consultations.surveys import views

app_name = "surveys"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.survey_list_page, name="list"),
    path("new/", views.survey_create_page, name="create"),
    path("standard/", views.survey_standard_page, name="standard"),
    path("<int:pk>/", views.survey_detail_page, name="detail"),
    path("<int:pk>/edit/", views.survey_edit_page, name="edit"),
    path("<int:pk>/new-round/", views.survey_new_round_page, name="new_round"),
    path("<int:pk>/questions/new/", views.question_add_page, name="question_add"),
    path(
        "<int:pk>/questions/<int:question_pk>/edit/",
        views.question_edit_page,
        name="question_edit",
    ),
    path(
        "<int:pk>/questions/<int:question_pk>/delete/",
        views.question_delete_page,
        name="question_delete",
    ),
    path("<int:pk>/responses/", views.survey_responses_page, name="responses"),
    path("<int:pk>/responses/new/", views.response_add_page, name="response_add"),
]
