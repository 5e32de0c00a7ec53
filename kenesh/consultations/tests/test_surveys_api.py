"""API: surveys with their questions, frozen questions (409), and staff-entered responses with
errors keyed by question code (422)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kenesh.accounts.tests.factories import UserFactory
from kenesh.consultations.models import Response, Survey, SurveyStatus
from kenesh.consultations.tests.factories import (
    AnswerFactory,
    ResponseFactory,
    SurveyFactory,
    choice_question,
)
from kenesh.core.models import AuditEntry
from kenesh.core.permissions import Role
from kenesh.geo.models import AdministrativeUnit
from kenesh.geo.tests.factories import MunicipalityFactory, SettlementFactory
from kenesh.orgs.tests.api_support import assert_error, ids, send

pytestmark = pytest.mark.django_db

SURVEYS = "/api/v1/surveys"


def client_for(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def unit() -> AdministrativeUnit:
    return MunicipalityFactory.create()


@pytest.fixture
def civil(unit: AdministrativeUnit) -> Client:
    """Civil society members write surveys in their municipality."""
    return client_for(UserFactory.create(role=Role.CIVIL_SOCIETY, unit=unit))


@pytest.fixture
def survey(unit: AdministrativeUnit) -> Survey:
    survey = SurveyFactory.create(unit=unit, status=SurveyStatus.OPEN)
    choice_question(survey, "victim", ["yes", "no"], order=1, required=True)
    choice_question(survey, "problems", ["dark", "dogs", "drink"], order=2, kind="multiple")
    return survey


NEW = {
    "title_ky": "Коопсуздук",
    "round": "baseline",
    "opens_on": "2025-04-01",
    "questions": [
        {"code": "victim", "kind": "yes_no", "text_en": "Were you a victim?", "required": True},
        {
            "code": "reported",
            "kind": "single",
            "text_en": "Did you report it?",
            "options": [
                {"code": "police", "label_en": "Police"},
                {"code": "no", "label_ru": "Нет"},
            ],
            "shown_if": {"question": "victim", "options": ["yes"]},
        },
        {"code": "safe", "kind": "rating", "text_ru": "Насколько безопасно?"},
    ],
}


def test_a_survey_is_created_with_its_questions(civil: Client, unit: AdministrativeUnit) -> None:
    response = send(civil, "post", SURVEYS, {**NEW, "unit": unit.code})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["unit"] == unit.code and body["status"] == "draft"
    assert [q["code"] for q in body["questions"]] == ["victim", "reported", "safe"]
    assert body["questions"][1]["shown_if"] == {"question": "victim", "options": ["yes"]}
    assert [o["code"] for o in body["questions"][2]["options"]] == ["1", "2", "3", "4", "5"]
    assert AuditEntry.objects.filter(model="question", action="create").count() >= 3


def test_a_bad_question_in_a_new_survey_is_422_and_stores_nothing(
    civil: Client, unit: AdministrativeUnit
) -> None:
    before = Survey.objects.count()
    questions = [{"code": "q1", "kind": "single", "text_en": "Only one option?"}]
    body = {**NEW, "unit": unit.code, "questions": questions}
    error = assert_error(send(civil, "post", SURVEYS, body), 422)
    assert ["body", "questions.0.options"] in [e["loc"] for e in error["errors"]]
    assert Survey.objects.count() == before


def test_the_police_may_read_but_not_create(unit: AdministrativeUnit, survey: Survey) -> None:
    police = client_for(UserFactory.create(role=Role.POLICE_OFFICER, unit=unit))
    assert ids(police.get(SURVEYS)) == [survey.pk]
    assert_error(send(police, "post", SURVEYS, {**NEW, "unit": unit.code}), 403)


def test_the_list_filters_by_status_and_unit(civil: Client, survey: Survey) -> None:
    draft = SurveyFactory.create(unit=survey.unit, status=SurveyStatus.DRAFT)
    SurveyFactory.create(status=SurveyStatus.OPEN)  # elsewhere
    assert sorted(ids(civil.get(SURVEYS))) == sorted([survey.pk, draft.pk])
    assert ids(civil.get(SURVEYS, {"status": "draft"})) == [draft.pk]
    assert sorted(ids(civil.get(SURVEYS, {"unit": survey.unit.code}))) == sorted(
        [survey.pk, draft.pk]
    )
    assert_error(civil.get(SURVEYS, {"status": "maybe"}), 422)


def test_a_survey_is_read_and_changed(civil: Client, survey: Survey) -> None:
    detail = civil.get(f"{SURVEYS}/{survey.pk}").json()
    assert [q["code"] for q in detail["questions"]] == ["victim", "problems"]
    changed = send(
        civil, "patch", f"{SURVEYS}/{survey.pk}", {"status": "closed", "closes_on": None}
    )
    assert changed.status_code == 200, changed.content
    survey.refresh_from_db()
    assert survey.status == "closed" and survey.closes_on is None
    assert_error(send(civil, "patch", f"{SURVEYS}/{survey.pk}", {"status": None}), 422)


def test_a_question_is_added_until_the_survey_has_responses(civil: Client, survey: Survey) -> None:
    url = f"{SURVEYS}/{survey.pk}/questions"
    added = send(
        civil,
        "post",
        url,
        {
            "code": "trust",
            "kind": "yes_no",
            "text_ky": "Милицияга ишенесизби?",
            "shown_if": {"question": "victim", "options": ["no"]},
        },
    )
    assert added.status_code == 201, added.content
    assert [o["code"] for o in added.json()["options"]] == ["yes", "no"]
    ResponseFactory.create(survey=survey)
    refused = assert_error(send(civil, "post", url, {"code": "late", "kind": "text"}), 409)
    assert "new round" in refused["detail"]
    assert [q["code"] for q in civil.get(url).json()] == ["victim", "problems", "trust"]


def test_a_response_is_entered_with_answers_by_question_code(civil: Client, survey: Survey) -> None:
    village = SettlementFactory.create(parent=survey.unit)
    body = {
        "sex": "male",
        "age_band": "45_59",
        "settlement": village.code,
        "answers": {"victim": "no", "problems": ["dark", "drink"]},
    }
    response = send(civil, "post", f"{SURVEYS}/{survey.pk}/responses", body)
    assert response.status_code == 201, response.content
    stored = response.json()
    assert stored["channel"] == "paper" and stored["settlement"] == village.code
    assert stored["answers"] == {"victim": "no", "problems": ["dark", "drink"]}
    listed = civil.get(f"{SURVEYS}/{survey.pk}/responses").json()
    assert listed["count"] == 1 and listed["items"][0]["answers"]["problems"] == ["dark", "drink"]


def test_a_wrong_answer_is_422_keyed_by_question_code_and_stores_nothing(
    civil: Client, survey: Survey
) -> None:
    body = {"answers": {"victim": "maybe", "problems": ["dark"], "nosuch": "x"}}
    error = assert_error(send(civil, "post", f"{SURVEYS}/{survey.pk}/responses", body), 422)
    assert {tuple(e["loc"]) for e in error["errors"]} == {("body", "answers", "nosuch")}
    error = assert_error(
        send(civil, "post", f"{SURVEYS}/{survey.pk}/responses", {"answers": {"victim": "maybe"}}),
        422,
    )
    assert [e["loc"] for e in error["errors"]] == [["body", "answers", "victim"]]
    assert "not one of the answers" in error["errors"][0]["msg"]
    missing = assert_error(send(civil, "post", f"{SURVEYS}/{survey.pk}/responses", {}), 422)
    assert [e["loc"] for e in missing["errors"]] == [["body", "answers", "victim"]]
    assert not Response.objects.filter(survey=survey).exists()


def test_responses_are_listed_with_the_answers_of_each(civil: Client, survey: Survey) -> None:
    victim = survey.questions.get(code="victim")
    for response in ResponseFactory.create_batch(3, survey=survey):
        AnswerFactory.create(
            response=response, question=victim, option=victim.options.get(code="yes")
        )
    listed = civil.get(f"{SURVEYS}/{survey.pk}/responses", {"limit": 2}).json()
    assert listed["count"] == 3 and len(listed["items"]) == 2
    assert all(item["answers"] == {"victim": "yes"} for item in listed["items"])
