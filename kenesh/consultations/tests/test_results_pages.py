"""The results page, choosing what is published, the file downloads, the API and the public
partial."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kenesh.accounts.tests.factories import UserFactory
from kenesh.consultations.models import Question, Survey
from kenesh.consultations.results.selectors import published_results
from kenesh.consultations.tests.factories import SurveyFactory, choice_question
from kenesh.consultations.tests.test_results_compare import answers, round_of
from kenesh.consultations.tests.test_results_selectors import respond
from kenesh.core.models import AuditEntry
from kenesh.core.permissions import Role

pytestmark = pytest.mark.django_db


def client_for(user: Any, **extra: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", **extra)
    client.force_login(user)
    return client


@pytest.fixture
def rounds() -> tuple[Survey, Survey]:
    baseline = round_of(SurveyFactory.create().unit, dt.date(2024, 3, 1))
    follow_up = round_of(baseline.unit, dt.date(2025, 3, 1))
    respond(baseline, answers(unsafe_yes=45, police_good=30))
    respond(follow_up, answers(unsafe_yes=15, police_good=31))
    return baseline, follow_up


def page(survey: Survey) -> str:
    return reverse("consultations:results:results", kwargs={"pk": survey.pk})


def test_the_page_shows_each_question_with_counts_shares_and_intervals(
    rounds: tuple[Survey, Survey],
) -> None:
    _, follow_up = rounds
    user = UserFactory.create(role=Role.POLICE_OFFICER, unit=follow_up.unit)
    response = client_for(user).get(page(follow_up))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="results-unsafe"' in body and 'data-testid="results-police"' in body
    assert "25%" in body and "75%" in body  # 15 and 45 of 60
    assert "How to read these numbers" in body
    assert 'name="published"' not in body  # police read surveys but do not publish


def test_comparing_says_fell_significantly_only_where_it_did(
    rounds: tuple[Survey, Survey],
) -> None:
    baseline, follow_up = rounds
    user = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=follow_up.unit)
    response = client_for(user).get(page(follow_up), {"compare": str(baseline.pk), "by": "sex"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("fell significantly") >= 1
    assert "rose significantly" in body  # "no" rose as "yes" fell
    verdicts = response.context["comparison"].question("police").total.options
    assert not any(change.flagged for change in verdicts)
    assert 'data-testid="change-police-good"' in body


@pytest.mark.parametrize(
    ("query", "field"), [({"by": "income"}, "by"), ({"compare": "abc"}, "compare")]
)
def test_a_bad_choice_is_explained_and_left_out(
    rounds: tuple[Survey, Survey], query: dict[str, str], field: str
) -> None:
    _, follow_up = rounds
    user = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=follow_up.unit)
    response = client_for(user).get(page(follow_up), query)
    assert response.status_code == 400
    assert field in response.context["errors"]
    assert 'data-testid="results-unsafe"' in response.content.decode()


def test_comparing_with_a_survey_outside_the_area_says_so(rounds: tuple[Survey, Survey]) -> None:
    _, follow_up = rounds
    elsewhere = SurveyFactory.create()
    user = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=follow_up.unit)
    response = client_for(user).get(page(follow_up), {"compare": str(elsewhere.pk)})
    assert response.status_code == 400
    with translation.override("en"):
        assert "no such survey in your area" in response.context["errors"]["compare"]


def _publish(client: Client, survey: Survey, *questions: Question) -> Any:
    url = reverse("consultations:results:publish", kwargs={"pk": survey.pk})
    return client.post(url, {"published": [question.pk for question in questions]})


def test_the_lcpc_coordinator_chooses_the_published_questions_audited(
    rounds: tuple[Survey, Survey],
) -> None:
    _, follow_up = rounds
    unsafe = follow_up.questions.get(code="unsafe")
    user = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=follow_up.unit)
    response = _publish(client_for(user), follow_up, unsafe)
    assert response.status_code == 302 and response["Location"] == page(follow_up)
    assert list(follow_up.questions.filter(published=True)) == [unsafe]
    entry = AuditEntry.objects.get(model="question", object_id=str(unsafe.pk))
    assert entry.changes == {"published": [False, True]}
    # Unticking unpublishes.
    _publish(client_for(user), follow_up)
    assert not follow_up.questions.filter(published=True).exists()


def test_a_crafted_choice_is_ignored_not_a_server_error(rounds: tuple[Survey, Survey]) -> None:
    _, follow_up = rounds
    unsafe = follow_up.questions.get(code="unsafe")
    user = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=follow_up.unit)
    url = reverse("consultations:results:publish", kwargs={"pk": follow_up.pk})
    response = client_for(user).post(url, {"published": [str(unsafe.pk), "²", "x"]})
    assert response.status_code == 302
    assert list(follow_up.questions.filter(published=True)) == [unsafe]


def test_a_police_officer_may_not_publish_and_nothing_changes(
    rounds: tuple[Survey, Survey],
) -> None:
    _, follow_up = rounds
    police = UserFactory.create(role=Role.POLICE_OFFICER, unit=follow_up.unit)
    entries = AuditEntry.objects.count()
    response = _publish(client_for(police), follow_up, *follow_up.questions.all())
    assert response.status_code == 403
    assert not follow_up.questions.filter(published=True).exists()
    assert AuditEntry.objects.count() == entries


def test_publishing_needs_the_csrf_token(rounds: tuple[Survey, Survey]) -> None:
    _, follow_up = rounds
    user = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=follow_up.unit)
    response = _publish(
        client_for(user, enforce_csrf_checks=True), follow_up, *follow_up.questions.all()
    )
    assert response.status_code == 403
    assert not follow_up.questions.filter(published=True).exists()


def _export(client: Client, survey: Survey, fmt: str, **query: str) -> Any:
    url = reverse("consultations:results:results_export", kwargs={"pk": survey.pk, "fmt": fmt})
    return client.get(url, query)


def test_the_csv_and_hxl_files_hold_a_row_per_question_option_and_group(
    rounds: tuple[Survey, Survey],
) -> None:
    _, follow_up = rounds
    user = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=follow_up.unit)
    client = client_for(user)
    response = _export(client, follow_up, "csv", by="sex")
    assert response.status_code == 200
    # Reading a streamed answer to its end closes it (the test client's wrapper); closing it
    # again would fire request_finished and close the test's database connection.
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + 2 * 2 * 3  # header; questions × options × (2 sexes + all)
    header = rows[0]
    everyone_yes = next(
        dict(zip(header, row, strict=True))
        for row in rows[1:]
        if row[header.index("question code")] == "unsafe"
        and row[header.index("option code")] == "yes"
        and row[header.index("group code")] == ""
    )
    assert everyone_yes["chose this option"] == "15"
    assert everyone_yes["respondents who answered"] == "60"
    assert float(everyone_yes["share, %"]) == pytest.approx(25.0)
    hxl = _export(client, follow_up, "hxl")
    lines = b"".join(hxl.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[1].startswith("#adm3+code,#adm3+name,#meta+survey+id")
    assert "#respondee+num+chose" in lines[1]
    assert AuditEntry.objects.filter(action="export").count() == 2


def test_the_xlsx_file_has_typed_numbers(rounds: tuple[Survey, Survey]) -> None:
    _, follow_up = rounds
    user = UserFactory.create(role=Role.POLICE_OFFICER, unit=follow_up.unit)
    response = _export(client_for(user), follow_up, "xlsx")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    response.close()
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    book.close()
    header = rows[0]
    assert len(rows) == 1 + 4
    first = dict(zip(header, rows[1], strict=True))
    assert first["chose this option"] == 15 and first["share, %"] == pytest.approx(25.0)


def test_geojson_is_not_offered_for_a_table(rounds: tuple[Survey, Survey]) -> None:
    _, follow_up = rounds
    user = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=follow_up.unit)
    assert _export(client_for(user), follow_up, "geojson").status_code == 404


def test_the_api_gives_the_page_data_with_the_comparison(rounds: tuple[Survey, Survey]) -> None:
    baseline, follow_up = rounds
    user = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=follow_up.unit)
    url = reverse("api:survey_results", kwargs={"survey_id": follow_up.pk})
    data = client_for(user).get(url, {"compare": str(baseline.pk)}).json()
    assert data["detail"] == "read" and data["respondents"] == {"count": 60, "suppressed": False}
    unsafe = next(question for question in data["questions"] if question["code"] == "unsafe")
    yes = unsafe["total"]["options"][0]
    assert yes["option"] == "yes" and yes["chose"]["count"] == 15
    assert yes["share"] == pytest.approx(0.25) and yes["lower"] < 0.25 < yes["upper"]
    changes = data["comparison"]["questions"][0]["changes"]
    assert changes[0]["direction"] == "down" and changes[0]["flagged"] is True
    assert data["comparison"]["before"]["id"] == baseline.pk


def test_the_api_refuses_a_bad_grouping_with_a_422(rounds: tuple[Survey, Survey]) -> None:
    _, follow_up = rounds
    user = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=follow_up.unit)
    url = reverse("api:survey_results", kwargs={"survey_id": follow_up.pk})
    response = client_for(user).get(url, {"by": "income"})
    assert response.status_code == 422


def test_the_public_partial_shows_published_results_without_small_counts() -> None:
    survey = round_of(SurveyFactory.create().unit, dt.date(2024, 1, 1))
    survey.questions.filter(code="unsafe").update(published=True)
    respond(survey, answers(unsafe_yes=3, police_good=30, n=30))
    with translation.override("en"):
        html = render_to_string(
            "consultations/results/_published.html",
            {"results": published_results(unit=survey.unit)},
        )
    assert 'data-testid="results-unsafe"' in html and "results-police" not in html
    assert "&lt;5" in html or "<5" in html
    assert '<td class="text-end" data-testid="count">3</td>' not in html


def test_a_multiple_choice_question_says_its_shares_add_up_to_more() -> None:
    survey = SurveyFactory.create()
    from kenesh.consultations.models import QuestionKind

    choice_question(survey, "worries", ["theft", "drugs"], kind=QuestionKind.MULTIPLE)
    respond(survey, [{"answers": {"worries": ["theft", "drugs"]}}] * 6)
    user = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=survey.unit)
    body = client_for(user).get(page(survey)).content.decode()
    assert "add up to more than 100" in body
