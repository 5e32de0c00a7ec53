"""Survey responses from KoboToolbox and ODK Central exports (the ``survey-responses`` import
kind): group paths, split columns, _uuid, _submission_time, a report of every bad row with its
line, and a second import of the same file that adds nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from kenesh.accounts.tests.factories import UserFactory
from kenesh.consultations.models import Answer, Response, Survey
from kenesh.consultations.tests.xlsform_books import perception_form
from kenesh.consultations.xlsform.services import survey_import_xlsform
from kenesh.consultations.xlsform.submissions import IMPORT_KIND
from kenesh.core.imports import import_job_execute, import_kinds, import_start
from kenesh.core.models import ImportJob
from kenesh.core.permissions import Role
from kenesh.geo.tests.factories import (
    MunicipalityFactory,
    RayonFactory,
    SettlementFactory,
    country,
)

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
KOBO = (DATA / "kobo_submissions.csv").read_bytes()
ODK = (DATA / "odk_central_submissions.csv").read_bytes()


@pytest.fixture
def survey() -> Survey:
    return survey_import_xlsform(
        actor=None, unit=MunicipalityFactory.create(), file=perception_form()
    )


@pytest.fixture
def coordinator(survey: Survey) -> Any:
    return UserFactory.create(role=Role.LCPC_COORDINATOR, unit=survey.unit)


def run(survey: Survey, user: Any, content: bytes, name: str = "kobo.csv", **options: Any) -> Any:
    job = import_start(
        kind=IMPORT_KIND,
        actor=user,
        filename=name,
        content=content,
        language="en",
        enqueue=lambda pk: None,
        target=survey.pk,
        **options,
    )
    import_job_execute(job.pk)
    job.refresh_from_db()
    return job


def as_xlsx(content: bytes) -> bytes:
    """The CSV as KoboToolbox's XLSX export has it: numbers as numbers."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in csv.reader(io.StringIO(content.decode("utf-8"))):
        sheet.append([int(cell) if cell.isdigit() else (cell or None) for cell in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_kind_is_registered_on_surveys() -> None:
    assert import_kinds()["survey-responses"] is IMPORT_KIND
    assert str(IMPORT_KIND.resource) == "surveys"


def test_a_bad_row_stops_an_all_or_nothing_import_and_every_error_has_its_line(
    survey: Survey, coordinator: Any
) -> None:
    job = run(survey, coordinator, KOBO)
    assert (job.status, job.total_rows, job.created_count, job.rejected_count) == (
        "rejected",
        5,
        0,
        2,
    )
    assert job.errors == [
        [4, "safety/unsafe_dark", "“maybe” is not one of the answers to this question."],
        [4, "household", "Enter a number."],
        [5, "safety/unsafe_dark", "This question needs an answer."],
    ]
    assert Response.objects.filter(survey=survey).count() == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_kobo_submissions_import_with_their_uuid_time_groups_and_split_columns(
    survey: Survey, coordinator: Any, fmt: str
) -> None:
    content = KOBO if fmt == "csv" else as_xlsx(KOBO)
    job = run(survey, coordinator, content, name=f"kobo.{fmt}", skip_invalid=True)
    assert (job.status, job.created_count, job.unchanged_count, job.rejected_count) == (
        "succeeded",
        3,
        0,
        2,
    )
    assert [line for line, _column, _reason in job.errors] == [4, 4, 5]
    first = Response.objects.get(survey=survey, external_id="9f1c2a10-0001-4a6e-9d1e-000000000001")
    assert (first.sex, first.age_band, first.channel, first.import_job_id) == (
        "female",
        "18_29",
        "import",
        job.pk,
    )
    assert first.submitted_at == dt.datetime(2025, 4, 12, 3, 30, tzinfo=dt.UTC)
    assert first.entered_by == coordinator
    answers = {
        (a.question.code, a.option.code if a.option else str(a.number or a.text))
        for a in Answer.objects.filter(response=first).select_related("question", "option")
    }
    assert answers == {
        ("unsafe_dark", "yes"),
        ("police_trust", "2"),
        ("problems", "theft"),
        ("problems", "drugs"),
        ("household", "4.00"),
        ("comment", "Көчөдө жарык жок"),
    }
    second = Response.objects.get(external_id="9f1c2a10-0001-4a6e-9d1e-000000000002")
    # Hidden by its condition (unsafe_dark = no): no answer to problems.
    assert not second.answers.filter(question__code="problems").exists()


def test_importing_the_same_file_again_adds_nothing(survey: Survey, coordinator: Any) -> None:
    run(survey, coordinator, KOBO, skip_invalid=True)
    before = (Response.objects.count(), Answer.objects.count())
    job = run(survey, coordinator, as_xlsx(KOBO), name="kobo.xlsx", skip_invalid=True)
    assert (job.created_count, job.unchanged_count, job.rejected_count) == (0, 3, 2)
    assert (Response.objects.count(), Answer.objects.count()) == before


def test_split_columns_are_read_when_the_file_has_no_column_of_the_question(
    survey: Survey, coordinator: Any
) -> None:
    header = "_uuid,safety/unsafe_dark,safety/problems/theft,safety/problems/lighting"
    content = f"{header}\nu-1,yes,1,1\nu-2,yes,0,2\n".encode()
    job = run(survey, coordinator, content, skip_invalid=True)
    assert job.errors == [[3, "safety/problems/lighting", "Enter 1 or 0."]]
    response = Response.objects.get(external_id="u-1")
    codes = set(response.answers.values_list("option__code", flat=True))
    assert codes == {"yes", "theft", "lighting"}


def test_odk_central_submissions_import_with_their_instance_id(
    survey: Survey, coordinator: Any
) -> None:
    job = run(survey, coordinator, ODK, name="odk.csv")
    assert (job.status, job.created_count) == ("succeeded", 2), job.errors
    response = Response.objects.get(external_id="0b6e4a1c-1111-4c1e-8f00-00000000000a")
    assert response.submitted_at == dt.datetime(2025, 5, 2, 4, 1, 2, tzinfo=dt.UTC)
    assert response.age_band == "18_29"
    assert set(response.answers.values_list("question__code", flat=True)) == {
        "unsafe_dark",
        "police_trust",
        "problems",
        "household",
    }


def test_a_settlement_is_found_by_its_code_or_name_in_the_survey_s_municipality(
    survey: Survey, coordinator: Any
) -> None:
    village = SettlementFactory.create(parent=survey.unit, name_ru="Тамга")
    elsewhere = SettlementFactory.create()
    content = (
        "_uuid,settlement,safety/unsafe_dark\n"
        f"s-1,{village.code},no\ns-2,тамга,no\ns-3,{elsewhere.code},no\n"
    ).encode()
    job = run(survey, coordinator, content, skip_invalid=True)
    assert job.errors == [
        [4, "settlement", "No settlement of the survey's municipality has this code or name."]
    ]
    assert set(Response.objects.filter(survey=survey).values_list("settlement_id", flat=True)) == {
        village.pk
    }


def test_a_file_without_the_column_of_a_required_question_is_refused_whole(
    survey: Survey, coordinator: Any
) -> None:
    job = run(survey, coordinator, b"_uuid,household\nx-1,3\n")
    assert job.errors == [[1, "unsafe_dark", "This column is missing."]]
    assert Response.objects.filter(survey=survey).count() == 0


def test_a_submission_twice_in_one_file_is_refused_on_its_later_line(
    survey: Survey, coordinator: Any
) -> None:
    content = b"_uuid,safety/unsafe_dark\nd-1,no\nd-1,yes\n"
    job = run(survey, coordinator, content, skip_invalid=True)
    assert job.errors == [[3, "_uuid", "This submission appears earlier in the file."]]
    assert job.created_count == 1


def test_the_template_s_example_row_is_never_imported(survey: Survey, coordinator: Any) -> None:
    content = b"_uuid,safety/unsafe_dark\nEXAMPLE 6c1a0b3e-0001,yes\ne-1,no\n"
    job = run(survey, coordinator, content)
    assert (job.created_count, job.total_rows) == (1, 1)
    assert "template's example" in job.message


def test_an_upload_names_a_survey_the_uploader_may_write(survey: Survey) -> None:
    outsider = UserFactory.create(role=Role.LCPC_COORDINATOR)
    reader = UserFactory.create(role=Role.POLICE_OFFICER, unit=survey.unit)
    template = survey_import_xlsform(actor=None, unit=RayonFactory.create(), file=perception_form())
    admin = UserFactory.create(role=Role.ADMINISTRATOR, unit=country())
    with translation.override("en"):
        with pytest.raises(Http404):
            run(survey, outsider, KOBO)
        with pytest.raises(PermissionDenied):
            run(survey, reader, KOBO)
        with pytest.raises(ValidationError):
            run(template, admin, KOBO)
        with pytest.raises(ValidationError):
            import_start(
                kind=IMPORT_KIND,
                actor=admin,
                filename="x.csv",
                content=KOBO,
                enqueue=lambda pk: None,
            )
    assert ImportJob.objects.count() == 0
