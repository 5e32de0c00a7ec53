"""The public response form at /s/<public_key>/: plain HTML posts (no JavaScript), the visitor's
language, one response per browser, a rate limit per client address, a honeypot, closed surveys
refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from kenesh.consultations.models import Response, Survey, SurveyStatus
from kenesh.consultations.surveys import public_views
from kenesh.consultations.tests.factories import QuestionFactory, SurveyFactory, choice_question
from kenesh.core.ratelimit import RateLimit
from kenesh.geo.tests.factories import SettlementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def own_cache(settings: Any) -> None:
    """A cache of this test's own: the rate counts of one test do not reach another."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "surveys-public-tests",
        }
    }
    cache.clear()


@pytest.fixture
def survey() -> Survey:
    survey = SurveyFactory.create(
        title_ky="Коопсуздук сурамжылоосу", title_ru="Опрос о безопасности", title_en="Safety"
    )
    victim = choice_question(survey, "victim", ["yes", "no"], order=1, required=True)
    QuestionFactory.create(
        survey=survey,
        code="reported",
        kind="text",
        order=2,
        text_en="Did you report it?",
        shown_if_question=victim,
        shown_if_options=["yes"],
        required=True,
    )
    return survey


def url(survey: Survey) -> str:
    return f"/s/{survey.public_key}/"


def visitor(language: str = "en") -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=language, enforce_csrf_checks=True)


def post(client: Client, survey: Survey, data: dict[str, Any], **extra: Any) -> Any:
    """A plain form post, as a browser without JavaScript sends it (the CSRF token from the
    page first)."""
    client.get(url(survey), **extra)
    token = client.cookies["csrftoken"].value
    return client.post(url(survey), {"csrfmiddlewaretoken": token, **data}, **extra)


ANSWER = {"sex": "female", "age_band": "18_29", "q_victim": "no"}


def test_the_form_is_in_the_visitors_language_and_asks_no_name(survey: Survey) -> None:
    page = visitor("ru").get(url(survey)).content.decode()
    assert "Опрос о безопасности" in page
    kyrgyz = visitor("ky").get(url(survey)).content.decode()
    assert "Коопсуздук сурамжылоосу" in kyrgyz
    assert 'name="name"' not in page and "full_name" not in page


def test_a_conditional_question_says_when_to_answer_it(survey: Survey) -> None:
    page = visitor().get(url(survey)).content.decode()
    assert "Answer only if you answered “Yes” to question 1." in page
    assert "<script" not in page.split("<main", 1)[1]


def test_a_plain_post_stores_one_online_response_and_sets_the_cookie(survey: Survey) -> None:
    village = SettlementFactory.create(parent=survey.unit)
    client = visitor()
    response = post(client, survey, {**ANSWER, "settlement": village.pk})
    assert response.status_code == 302
    assert response["Location"] == f"/s/{survey.public_key}/done/"
    stored = Response.objects.get(survey=survey)
    assert stored.channel == "online" and stored.settlement == village
    assert stored.entered_by is None
    token = client.cookies[public_views.COOKIE].value
    assert len(token) >= 40
    assert stored.browser_key == public_views.browser_key(survey, token) != token
    assert "Thank you" in client.get(response["Location"]).content.decode()


def test_a_hidden_questions_answer_is_ignored_and_a_shown_one_is_required(survey: Survey) -> None:
    post(visitor(), survey, {**ANSWER, "q_reported": "typed although hidden"})
    stored = Response.objects.get(survey=survey)
    assert [a.question.code for a in stored.answers.all()] == ["victim"]
    refused = post(visitor(), survey, {**ANSWER, "q_victim": "yes", "q_reported": ""})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "This question needs an answer." in page
    assert Response.objects.filter(survey=survey).count() == 1


def test_a_second_answer_from_the_same_browser_is_refused(survey: Survey) -> None:
    client = visitor()
    post(client, survey, ANSWER)
    again = client.get(url(survey)).content.decode()
    assert "You have already answered this survey" in again
    client.post(url(survey), {**ANSWER, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert Response.objects.filter(survey=survey).count() == 1
    assert post(visitor(), survey, ANSWER).status_code == 302  # another browser
    assert Response.objects.filter(survey=survey).count() == 2


def test_a_post_without_the_csrf_token_is_refused(survey: Survey) -> None:
    response = visitor().post(url(survey), ANSWER)
    assert response.status_code == 403
    assert not Response.objects.filter(survey=survey).exists()


def test_the_honeypot_stores_nothing_and_looks_like_success(survey: Survey) -> None:
    response = post(visitor(), survey, {**ANSWER, "website": "http://spam.example"})
    assert response.status_code == 302
    assert not Response.objects.filter(survey=survey).exists()


def test_one_address_may_send_thirty_responses_in_ten_minutes(
    survey: Survey, monkeypatch: Any
) -> None:
    monkeypatch.setattr(public_views, "RESPONSES", RateLimit("survey-response-test", 3, 600))
    village = {"REMOTE_ADDR": "203.0.113.7"}
    for _ in range(3):
        assert post(visitor(), survey, ANSWER, **village).status_code == 302
    refused = post(visitor(), survey, {**ANSWER, "age_band": "60_plus"}, **village)
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "try again" in page.lower() or "send again" in page.lower()
    assert 'value="60_plus"' in page and "checked" in page
    assert Response.objects.filter(survey=survey).count() == 3
    other = {"REMOTE_ADDR": "198.51.100.9"}
    assert post(visitor(), survey, ANSWER, **other).status_code == 302


def test_the_limit_is_generous_by_default() -> None:
    assert public_views.RESPONSES.limit >= 30 and public_views.RESPONSES.window_s <= 600


@pytest.mark.parametrize(
    ("status", "opens", "closes"),
    [
        (SurveyStatus.CLOSED, dt.date(2024, 1, 1), None),
        (SurveyStatus.OPEN, dt.date(2024, 1, 1), dt.date(2024, 2, 1)),
        (SurveyStatus.OPEN, dt.date(2099, 1, 1), None),
    ],
)
def test_a_survey_not_open_today_takes_no_answers(
    survey: Survey, status: str, opens: dt.date, closes: dt.date | None
) -> None:
    Survey.objects.filter(pk=survey.pk).update(status=status, opens_on=opens, closes_on=closes)
    page = visitor().get(url(survey))
    assert page.status_code == 410
    assert "not open" in page.content.decode() or "closed" in page.content.decode()
    response = post(visitor(), survey, ANSWER)
    assert response.status_code == 410
    assert not Response.objects.filter(survey=survey).exists()


def test_a_draft_or_unknown_link_is_not_found(survey: Survey) -> None:
    Survey.objects.filter(pk=survey.pk).update(status=SurveyStatus.DRAFT)
    assert visitor().get(url(survey)).status_code == 404
    assert visitor().get("/s/no-such-key/").status_code == 404
