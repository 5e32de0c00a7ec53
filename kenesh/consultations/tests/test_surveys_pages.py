"""Staff pages of surveys: list, create, edit, questions, new round and paper entry."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kenesh.accounts.tests.factories import UserFactory
from kenesh.consultations.models import Question, Response, Survey, SurveyStatus
from kenesh.consultations.tests.factories import ResponseFactory, SurveyFactory, choice_question
from kenesh.core.models import AuditEntry
from kenesh.core.permissions import Role
from kenesh.geo.models import AdministrativeUnit
from kenesh.geo.tests.factories import MunicipalityFactory, SettlementFactory

pytestmark = pytest.mark.django_db

LIST = "/consultations/surveys/"
CREATE = "/consultations/surveys/new/"


def client_for(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def unit() -> AdministrativeUnit:
    return MunicipalityFactory.create()


@pytest.fixture
def lcpc(unit: AdministrativeUnit) -> Client:
    return client_for(UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit))


@pytest.fixture
def draft(unit: AdministrativeUnit) -> Survey:
    survey = SurveyFactory.create(unit=unit, status=SurveyStatus.DRAFT)
    choice_question(survey, "victim", ["yes", "no"], order=1)
    return survey


def survey_data(unit: AdministrativeUnit, **overrides: Any) -> dict[str, Any]:
    return {
        "unit": unit.pk,
        "title_ky": "Коопсуздук",
        "title_ru": "Безопасность",
        "title_en": "",
        "round": "baseline",
        "series": "",
        "opens_on": "2025-04-01",
        "closes_on": "2025-05-31",
        "status": "draft",
        "programme": "",
        **overrides,
    }


def options_data(*rows: tuple[str, str], total: int = 4) -> dict[str, Any]:
    data: dict[str, Any] = {
        "options-TOTAL_FORMS": str(total),
        "options-INITIAL_FORMS": "0",
        "options-MIN_NUM_FORMS": "0",
        "options-MAX_NUM_FORMS": "1000",
    }
    for index, (code, label) in enumerate(rows):
        data[f"options-{index}-code"] = code
        data[f"options-{index}-label_en"] = label
    return data


def question_data(**overrides: Any) -> dict[str, Any]:
    return {
        "code": "problem",
        "kind": "single",
        "text_ky": "",
        "text_ru": "",
        "text_en": "The most serious problem?",
        "max_choices": "",
        "order": "",
        **options_data(("dark", "Darkness"), ("dogs", "Stray dogs")),
        **overrides,
    }


def test_the_list_shows_surveys_in_scope_only_and_filters_by_status(
    lcpc: Client, unit: AdministrativeUnit, draft: Survey
) -> None:
    SurveyFactory.create(unit=unit, status=SurveyStatus.OPEN, title_en="Open one")
    SurveyFactory.create(title_en="Elsewhere")
    page = lcpc.get(LIST).content.decode()
    assert draft.title in page and "Open one" in page and "Elsewhere" not in page
    filtered = lcpc.get(LIST, {"status": "open"}).content.decode()
    assert "Open one" in filtered and draft.title not in filtered


def test_a_coordinator_creates_a_survey_in_their_municipality(
    lcpc: Client, unit: AdministrativeUnit
) -> None:
    response = lcpc.post(CREATE, survey_data(unit))
    survey = Survey.objects.get(title_ky="Коопсуздук")
    assert response.status_code == 302
    assert response["Location"] == f"/consultations/surveys/{survey.pk}/"
    assert survey.unit == unit and survey.created_by is not None
    assert AuditEntry.objects.filter(model="survey", action="create").exists()


def test_the_create_form_keeps_what_was_typed_on_an_error(
    lcpc: Client, unit: AdministrativeUnit
) -> None:
    before = Survey.objects.count()
    response = lcpc.post(CREATE, survey_data(unit, closes_on="2025-03-01"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "The survey closes before it opens." in page
    assert 'value="Безопасность"' in page
    assert Survey.objects.count() == before


def test_a_municipality_outside_the_users_area_cannot_be_chosen(
    lcpc: Client, unit: AdministrativeUnit
) -> None:
    elsewhere = MunicipalityFactory.create()
    response = lcpc.post(CREATE, {**survey_data(unit), "unit": elsewhere.pk})
    assert response.status_code == 400
    assert not Survey.objects.filter(unit=elsewhere).exists()


def test_the_police_read_surveys_but_may_not_create_them(
    unit: AdministrativeUnit, draft: Survey
) -> None:
    police = client_for(UserFactory.create(role=Role.POLICE_OFFICER, unit=unit))
    assert police.get(f"/consultations/surveys/{draft.pk}/").status_code == 200
    assert police.get(CREATE).status_code == 403
    page = police.get(f"/consultations/surveys/{draft.pk}/").content.decode()
    assert "Add a question" not in page


def test_editing_a_survey_saves_and_audits_the_change(lcpc: Client, draft: Survey) -> None:
    data = survey_data(draft.unit, title_en="Renamed", status="open")
    response = lcpc.post(f"/consultations/surveys/{draft.pk}/edit/", data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title_en == "Renamed" and draft.status == "open"
    entry = AuditEntry.objects.get(model="survey", action="update", object_id=str(draft.pk))
    assert entry.changes["status"] == ["draft", "open"]


def test_a_question_is_added_with_its_options_and_a_condition(lcpc: Client, draft: Survey) -> None:
    victim = draft.questions.get(code="victim")
    data = question_data(condition=[f"{victim.pk}:yes"])
    response = lcpc.post(f"/consultations/surveys/{draft.pk}/questions/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    question = draft.questions.get(code="problem")
    assert list(question.options.values_list("code", flat=True)) == ["dark", "dogs"]
    assert question.shown_if_question == victim and question.shown_if_options == ["yes"]
    detail = lcpc.get(f"/consultations/surveys/{draft.pk}/").content.decode()
    assert "Shown only if the answer to question 1 (victim) is “Yes”." in detail


def test_a_rating_question_needs_no_option_rows(lcpc: Client, draft: Survey) -> None:
    data = question_data(code="safe", kind="rating", **options_data())
    response = lcpc.post(f"/consultations/surveys/{draft.pk}/questions/new/", data)
    assert response.status_code == 302
    assert draft.questions.get(code="safe").options.count() == 5


def test_a_question_form_with_errors_keeps_the_typed_options(lcpc: Client, draft: Survey) -> None:
    data = question_data(code="9bad")
    del data["options-1-code"], data["options-1-label_en"]
    response = lcpc.post(f"/consultations/surveys/{draft.pk}/questions/new/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="Darkness"' in page and 'value="9bad"' in page
    assert "A choice question needs at least two options." in page
    assert "Use letters, digits and underscores, starting with a letter." in page
    assert not draft.questions.filter(code="9bad").exists()


def test_a_question_is_edited_and_deleted(lcpc: Client, draft: Survey) -> None:
    victim = draft.questions.get(code="victim")
    edit = f"/consultations/surveys/{draft.pk}/questions/{victim.pk}/edit/"
    form = lcpc.get(edit).content.decode()
    assert 'value="yes"' in form
    data = question_data(code="victim", text_en="Were you a victim?", kind="yes_no")
    assert lcpc.post(edit, data).status_code == 302
    victim.refresh_from_db()
    assert victim.text_en == "Were you a victim?" and victim.kind == "yes_no"
    delete = f"/consultations/surveys/{draft.pk}/questions/{victim.pk}/delete/"
    assert lcpc.post(delete).status_code == 302
    assert not Question.objects.filter(pk=victim.pk).exists()


def test_questions_of_a_survey_with_responses_cannot_be_changed(
    lcpc: Client, draft: Survey
) -> None:
    ResponseFactory.create(survey=draft)
    victim = draft.questions.get(code="victim")
    detail = lcpc.get(f"/consultations/surveys/{draft.pk}/").content.decode()
    assert "can no longer change" in detail
    assert "Add a question" not in detail and "/delete/" not in detail
    response = lcpc.post(
        f"/consultations/surveys/{draft.pk}/questions/{victim.pk}/edit/",
        question_data(code="victim", kind="yes_no"),
        follow=True,
    )
    assert "Start a new round" in response.content.decode()
    victim.refresh_from_db()
    assert victim.kind == "single"


def test_a_new_round_is_created_as_a_draft_copy(lcpc: Client, draft: Survey) -> None:
    ResponseFactory.create(survey=draft)
    response = lcpc.post(
        f"/consultations/surveys/{draft.pk}/new-round/",
        {"round": "follow_up", "opens_on": "2026-04-01", "closes_on": ""},
    )
    copy = Survey.objects.exclude(pk=draft.pk).get(unit=draft.unit)
    assert response["Location"] == f"/consultations/surveys/{copy.pk}/"
    assert copy.round == "follow_up" and copy.questions.get().code == "victim"


def test_paper_entry_saves_one_response_and_offers_an_empty_form(
    lcpc: Client, draft: Survey
) -> None:
    village = SettlementFactory.create(parent=draft.unit)
    url = f"/consultations/surveys/{draft.pk}/responses/new/"
    data = {"sex": "female", "age_band": "30_44", "settlement": village.pk, "q_victim": "no"}
    response = lcpc.post(url, data, follow=True)
    assert response.redirect_chain[-1][0] == url
    page = response.content.decode()
    assert "Saved. 1 paper questionnaire of this survey is entered." in page
    assert 'value="no" checked' not in page.replace("  ", " ")
    stored = Response.objects.get(survey=draft)
    assert stored.channel == "paper" and stored.settlement == village
    assert stored.entered_by is not None
    assert [a.option.code for a in stored.answers.all() if a.option] == ["no"]


def test_paper_entry_refuses_an_unknown_answer_and_keeps_the_rest(
    lcpc: Client, draft: Survey
) -> None:
    question = draft.questions.get(code="victim")
    question.required = True
    question.save()
    url = f"/consultations/surveys/{draft.pk}/responses/new/"
    response = lcpc.post(url, {"sex": "male", "age_band": "60_plus"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This question needs an answer." in page
    assert 'value="60_plus"' in page and "checked" in page
    assert not Response.objects.filter(survey=draft).exists()


def test_the_responses_page_shows_counts_only(lcpc: Client, draft: Survey) -> None:
    ResponseFactory.create_batch(3, survey=draft, sex="female")
    page = lcpc.get(f"/consultations/surveys/{draft.pk}/responses/").content.decode()
    assert "3 responses" in page
    assert f"/consultations/surveys/{draft.pk}/results/" in page


def test_the_standard_survey_is_started_from_the_list(
    lcpc: Client, unit: AdministrativeUnit
) -> None:
    assert "Start the standard survey" in lcpc.get(LIST).content.decode()
    response = lcpc.post(
        "/consultations/surveys/standard/",
        {"unit": unit.pk, "round": "baseline", "opens_on": "", "closes_on": ""},
    )
    survey = Survey.objects.get(unit=unit)
    assert response["Location"] == f"/consultations/surveys/{survey.pk}/"
    assert survey.series == "standard" and survey.questions.exists()


def test_the_survey_page_leads_to_its_xlsform_and_to_the_responses_import(
    lcpc: Client, draft: Survey
) -> None:
    page = lcpc.get(f"/consultations/surveys/{draft.pk}/").content.decode()
    export = reverse("consultations:xlsform:export", kwargs={"pk": draft.pk})
    upload = reverse("consultations:xlsform:responses_import", kwargs={"pk": draft.pk})
    assert f'href="{export}"' in page and f'href="{upload}"' in page
    police = UserFactory.create(role=Role.POLICE_OFFICER, unit=draft.unit)
    client = Client()
    client.force_login(police)
    read_only = client.get(f"/consultations/surveys/{draft.pk}/").content.decode()
    assert f'href="{export}"' in read_only and f'href="{upload}"' not in read_only
