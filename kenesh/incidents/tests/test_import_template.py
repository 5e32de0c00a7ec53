"""The incident template cannot pollute the register: its example row (2024-001, a livestock
theft in Jeti-Oguz) is marked EXAMPLE in its first cell and never imported, whether the official
uploads the template untouched, keeps the example above their own rows, or downloaded it in
another language."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kenesh.core.models import ImportJob, ImportStatus
from kenesh.incidents.models import Incident
from kenesh.incidents.tests.import_support import row

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


@pytest.fixture(autouse=True)
def _no_incidents() -> None:
    Incident.objects.all().delete()


def download(client: Client, fmt: str, language: str = "en") -> bytes:
    response = client.get(f"/incidents/import/template.{fmt}", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return bytes(response.content)


def upload_and_run(client: Client, content: bytes, name: str, capture: Any, **data: Any) -> Any:
    payload = {"file": SimpleUploadedFile(name, content), "mode": "all_or_nothing", **data}
    with capture(execute=True):
        response = client.post("/incidents/import/", payload)
    assert response.status_code == 302
    return ImportJob.objects.order_by("-pk").first()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_untouched_template_creates_no_incident_and_the_job_says_why(
    client_as: ClientAs, django_capture_on_commit_callbacks: Any, fmt: str
) -> None:
    client = client_as("police.jetioguz")
    job = upload_and_run(
        client,
        download(client, fmt),
        f"incidents-template.{fmt}",
        django_capture_on_commit_callbacks,
    )
    assert not Incident.objects.exists()
    assert (job.status, job.total_rows, job.created_count, job.error_count) == (
        ImportStatus.REJECTED,
        0,
        0,
        0,
    )
    assert job.message == (
        "The file holds no rows to import besides the template's example: nothing was written. "
        "Type your rows below the example or in its place. Line 2 is the template's example "
        "(its first cell starts with EXAMPLE) and was not imported."
    )
    page = client.get(f"/incidents/import/{job.pk}/").content.decode()
    assert "Line 2 is the template&#x27;s example" in page


def test_the_example_row_in_the_template_is_marked_and_keeps_its_values(
    client_as: ClientAs,
) -> None:
    content = download(client_as("police.jetioguz"), "csv")
    header, example = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    values = dict(zip(header, example, strict=True))
    assert values["external_ref"] == "EXAMPLE 2024-001"
    assert (values["municipality"], values["iccs_code"]) == ("41702210830000", "05025")


def test_an_official_who_keeps_the_example_and_adds_rows_below_gets_only_their_rows(
    client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_as("police.jetioguz")
    book = openpyxl.load_workbook(io.BytesIO(download(client, "xlsx")))
    sheet = book.active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    mine = row(external_ref="JO-17")
    sheet.append([mine.get(str(name), "0") for name in header])
    buffer = io.BytesIO()
    book.save(buffer)
    job = upload_and_run(
        client, buffer.getvalue(), "filled.xlsx", django_capture_on_commit_callbacks
    )
    assert (job.status, job.created_count, job.error_count) == (ImportStatus.SUCCEEDED, 1, 0)
    assert list(Incident.objects.values_list("external_ref", flat=True)) == ["JO-17"]
    assert job.message.endswith(
        "Line 2 is the template's example (its first cell starts with EXAMPLE) and was not "
        "imported."
    )


@pytest.mark.parametrize("language", ["ky", "ru"])
def test_a_template_downloaded_in_kyrgyz_or_russian_is_recognised(
    client_as: ClientAs, django_capture_on_commit_callbacks: Any, language: str
) -> None:
    client = client_as("police.jetioguz")
    content = download(client, "csv", language)
    job = upload_and_run(client, content, "t.csv", django_capture_on_commit_callbacks)
    assert (job.created_count, job.status) == (0, ImportStatus.REJECTED)
    assert not Incident.objects.exists()


def test_the_upload_page_says_the_example_row_is_never_imported(client_as: ClientAs) -> None:
    page = client_as("police.jetioguz").get("/incidents/import/").content.decode()
    assert "The example's first cell starts with EXAMPLE: that row is never imported" in page
