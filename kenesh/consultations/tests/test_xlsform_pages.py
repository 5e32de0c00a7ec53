"""Pages and API of the XLSForm feature: a form uploaded (or refused with every problem), a
survey downloaded as an XLSForm, and a survey's responses uploaded as a job."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kenesh.accounts.tests.factories import UserFactory
from kenesh.consultations.models import Question, Response, Survey
from kenesh.consultations.tests.test_submissions_import import KOBO
from kenesh.consultations.tests.xlsform_books import perception_form
from kenesh.consultations.xlsform.services import survey_import_xlsform
from kenesh.core.models import ImportJob
from kenesh.core.permissions import Role
from kenesh.geo.tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

BAD_FORM_ROWS = [["geopoint", "where", "Кайда?", "Где?", "Where?"], ["calculate", "score"]]


def client_for(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def coordinator() -> Any:
    return UserFactory.create(role=Role.LCPC_COORDINATOR, unit=MunicipalityFactory.create())


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_the_import_page_makes_a_survey_and_leads_to_it(coordinator: Any) -> None:
    client = client_for(coordinator)
    unit = coordinator.role_assignments.get().unit
    page = client.get(reverse("consultations:xlsform:import"))
    assert page.status_code == 200
    response = client.post(
        reverse("consultations:xlsform:import"),
        {"unit": unit.pk, "round": "baseline", "file": upload("form.xlsx", perception_form())},
    )
    assert response.status_code == 302
    survey = Survey.objects.get(unit=unit)
    assert survey.questions.count() == 5
    assert survey.created_by == coordinator


def test_a_refused_form_shows_every_problem_and_keeps_the_choices(coordinator: Any) -> None:
    client = client_for(coordinator)
    unit = coordinator.role_assignments.get().unit
    before = (Survey.objects.count(), Question.objects.count())
    response = client.post(
        reverse("consultations:xlsform:import"),
        {
            "unit": unit.pk,
            "round": "midline",
            "file": upload("form.xlsx", perception_form(extra_survey=BAD_FORM_ROWS)),
        },
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "survey, row 16: Type “geopoint” is not supported." in body
    assert "survey, row 17: Type “calculate” is not supported." in body
    assert '<option value="midline" selected>' in body
    assert (Survey.objects.count(), Question.objects.count()) == before


def test_the_export_is_an_xlsx_with_the_survey_s_questions(coordinator: Any) -> None:
    unit = coordinator.role_assignments.get().unit
    survey = survey_import_xlsform(actor=None, unit=unit, file=perception_form())
    response = client_for(coordinator).get(
        reverse("consultations:xlsform:export", args=[survey.pk])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="perception_2025.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["survey", "choices", "settings"]
    book.close()
    response.close()


def test_responses_are_uploaded_from_the_survey_s_page_and_followed_on_the_job_page(
    coordinator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    unit = coordinator.role_assignments.get().unit
    survey = survey_import_xlsform(actor=None, unit=unit, file=perception_form())
    client = client_for(coordinator)
    url = reverse("consultations:xlsform:responses_import", args=[survey.pk])
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"file": upload("kobo.csv", KOBO), "mode": "skip_invalid"})
    job = ImportJob.objects.get(kind="survey-responses")
    assert response["Location"] == reverse("consultations:xlsform:responses:job", args=[job.pk])
    assert job.target == survey.pk
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "3 created, 0 already registered, 2 rejected." in page.content.decode()
    assert Response.objects.filter(survey=survey).count() == 3
    template = client.get(
        reverse("consultations:xlsform:responses_template", args=[survey.pk, "csv"])
    )
    header = template.content.decode("utf-8-sig").splitlines()[0]
    assert header == (
        "_uuid,_submission_time,sex,age_band,settlement,unsafe_dark,police_trust,problems,"
        "household,comment"
    )
    chooser = client.get(reverse("consultations:xlsform:responses:upload"))
    assert url in chooser.content.decode()


def test_the_api_makes_a_survey_or_answers_422_with_every_problem(coordinator: Any) -> None:
    client = client_for(coordinator)
    unit = coordinator.role_assignments.get().unit
    url = reverse("api:survey_import_xlsform")
    response = client.post(url, {"unit": unit.code, "file": upload("form.xlsx", perception_form())})
    assert response.status_code == 201, response.content
    body = response.json()
    assert [q["code"] for q in body["questions"]] == [
        "unsafe_dark",
        "police_trust",
        "problems",
        "household",
        "comment",
    ]
    assert body["questions"][2]["shown_if"] == "unsafe_dark"
    before = Survey.objects.count()
    refused = client.post(
        url,
        {"unit": unit.code, "file": upload("f.xlsx", perception_form(extra_survey=BAD_FORM_ROWS))},
    )
    assert refused.status_code == 422
    assert [(e["sheet"], e["row"]) for e in refused.json()["errors"]] == [
        ("survey", 16),
        ("survey", 17),
    ]
    assert Survey.objects.count() == before
    exported = client.get(reverse("api:survey_export_xlsform", args=[body["id"]]))
    assert exported.status_code == 200
    assert exported.content[:2] == b"PK"
    exported.close()


def test_responses_import_through_the_platform_api_with_a_target(
    coordinator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    unit = coordinator.role_assignments.get().unit
    survey = survey_import_xlsform(actor=None, unit=unit, file=perception_form())
    client = client_for(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/imports",
            {
                "kind": "survey-responses",
                "target": survey.pk,
                "file": upload("kobo.csv", KOBO),
                "skip_invalid": "true",
            },
        )
    assert response.status_code == 202, response.content
    job = client.get(f"/api/v1/imports/{response.json()['id']}").json()
    assert (job["created"], job["rejected"]) == (3, 2)
    missing = client.post(
        "/api/v1/imports", {"kind": "survey-responses", "file": upload("kobo.csv", KOBO)}
    )
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["msg"] == "Name the survey the responses are for."
