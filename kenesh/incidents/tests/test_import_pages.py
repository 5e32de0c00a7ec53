"""The incident import pages: upload, the job page polling its progress, report, downloads."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from kenesh.accounts.models import User
from kenesh.core.models import AuditEntry, ImportJob, ImportStatus
from kenesh.incidents.imports.spec import IncidentImport
from kenesh.incidents.models import Incident
from kenesh.incidents.tests.factories import IncidentImportJobFactory
from kenesh.incidents.tests.import_support import KARAKOL, import_bytes, row, sheet, xlsx

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


@pytest.fixture(autouse=True)
def _no_incidents() -> None:
    Incident.objects.all().delete()


def upload(client: Client, content: bytes, name: str = "incidents.csv", **data: Any) -> Any:
    payload = {"file": SimpleUploadedFile(name, content), "mode": "all_or_nothing", **data}
    return client.post("/incidents/import/", payload)


def test_the_upload_page_offers_the_form_and_both_templates(client_as: ClientAs) -> None:
    response = client_as("police.jetioguz").get("/incidents/import/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert "/incidents/import/template.xlsx" in page and "/incidents/import/template.csv" in page


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_template_download_imports_without_errors_and_writes_nothing(
    client_as: ClientAs, fmt: str
) -> None:
    response = client_as("police.jetioguz").get(f"/incidents/import/template.{fmt}")
    assert response.status_code == 200
    assert f"incidents-template.{fmt}" in response["Content-Disposition"]
    result = import_bytes(response.content, user=User.objects.get(username="police.jetioguz"))
    assert (result.errors, result.created, result.example_rows) == ([], 0, 1)


def test_an_unknown_template_format_is_not_found(client_as: ClientAs) -> None:
    assert client_as("police.jetioguz").get("/incidents/import/template.pdf").status_code == 404


@pytest.mark.parametrize("username", ["admin", "coordinator", "lcpc.jetioguz", "civil.jetioguz"])
def test_users_who_may_not_write_incidents_get_403_on_every_import_page(
    client_as: ClientAs, username: str
) -> None:
    # A job of a police officer of Jeti-Oguz, in each of these users' area.
    job = IncidentImportJobFactory.create(created_by=User.objects.get(username="police.jetioguz"))
    client = client_as(username)
    pages = ("/incidents/import/", "/incidents/import/template.csv", f"/incidents/import/{job.pk}/")
    for url in pages:
        assert client.get(url).status_code == 403, url
    assert upload(client, sheet([row()])).status_code == 403
    assert ImportJob.objects.count() == 1


def test_an_anonymous_visitor_is_sent_to_the_login_page() -> None:
    response = Client().get("/incidents/import/")
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_the_upload_runs_the_job_and_the_job_page_shows_the_report(
    client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_as("police.jetioguz")
    audit_before = AuditEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, xlsx([row(external_ref="W-1"), row(external_ref="W-2")]))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/incidents/import/{job.pk}/"
    assert job.status == ImportStatus.SUCCEEDED
    assert job.created_by == User.objects.get(username="police.jetioguz")
    assert (job.created_count, job.total_rows) == (2, 2)
    assert set(Incident.objects.values_list("import_job", flat=True)) == {job.pk}
    assert AuditEntry.objects.count() == audit_before + 1
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry is not None
    assert (entry.model, entry.object_id, entry.changes["created"]) == (
        "importjob",
        str(job.pk),
        [None, 2],
    )
    page = client.get(f"/incidents/import/{job.pk}/").content.decode()
    assert 'data-testid="count-created">2<' in page
    assert "hx-trigger" not in page  # finished: no more polling


def test_a_running_job_polls_every_second_with_a_progress_bar(client_as: ClientAs) -> None:
    user = User.objects.get(username="police.jetioguz")
    job = ImportJob.objects.create(
        kind="incidents",
        created_by=user,
        filename="big.csv",
        content=b"",
        status=ImportStatus.RUNNING,
        processed_rows=300,
        total_rows=1000,
    )
    client = client_as("police.jetioguz")
    fragment = client.get(f"/incidents/import/{job.pk}/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert "<html" not in html
    assert 'hx-trigger="every 1s"' in html
    assert '<progress class="w-100" max="1000" value="300">' in html
    job.status = ImportStatus.SUCCEEDED
    job.save()
    finished = client.get(f"/incidents/import/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in finished and "<progress" not in finished


def test_a_bad_file_is_reported_row_by_row_in_the_users_language_and_nothing_is_written(
    client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_as("police.jetioguz")
    rows = [row(external_ref="B-1"), row(external_ref="B-2", municipality=KARAKOL, settlement="")]
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        client.cookies["django_language"] = "en"
        upload(client, sheet(rows))
    job = ImportJob.objects.get()
    assert job.language == "en"
    assert job.status == ImportStatus.REJECTED
    assert job.errors == [[3, "municipality", "This municipality is not in your territory."]]
    assert Incident.objects.count() == 0
    page = client.get(f"/incidents/import/{job.pk}/").content.decode()
    assert (
        "<td>3</td><td>municipality</td><td>This municipality is not in your territory.</td>"
        in page
    )
    assert 'data-testid="rejects-download"' not in page


def test_the_job_stores_the_language_of_the_page(
    client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_as("police.jetioguz")
    client.cookies["django_language"] = "ru"
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, sheet([row(status="lost")]))
    job = ImportJob.objects.get()
    assert job.language == "ru"
    assert job.errors[0][:2] == [2, "status"]
    assert job.errors[0][2].startswith("Выберите")  # "Choose one of: ..." in Russian


def test_skip_invalid_offers_the_rejected_rows_for_download(
    client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_as("police.jetioguz")
    rows = [row(external_ref="S-1"), row(external_ref="S-2", iccs_code="99")]
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        client.cookies["django_language"] = "en"
        upload(client, sheet(rows), mode="skip_invalid")
    job = ImportJob.objects.get()
    assert (job.status, job.created_count, job.rejected_count) == (ImportStatus.SUCCEEDED, 1, 1)
    assert list(Incident.objects.values_list("external_ref", flat=True)) == ["S-1"]
    page = client.get(f"/incidents/import/{job.pk}/").content.decode()
    assert 'data-testid="rejects-download"' in page
    response = client.get(f"/incidents/import/{job.pk}/rejects.csv")
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0][-1] == "reason"
    assert [line[0] for line in lines[1:]] == ["S-2"]
    assert lines[1][-1] == "iccs_code: No ICCS category has this code."


def test_a_dry_run_from_the_page_writes_nothing(
    client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        upload(client_as("police.jetioguz"), sheet([row()]), dry_run="on")
    job = ImportJob.objects.get()
    assert (job.dry_run, job.status, job.created_count) == (True, ImportStatus.SUCCEEDED, 0)
    assert Incident.objects.count() == 0


def test_a_form_without_a_file_keeps_the_choices_and_answers_422(client_as: ClientAs) -> None:
    response = client_as("police.jetioguz").post(
        "/incidents/import/", {"mode": "skip_invalid", "dry_run": "on"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert re.search(r'id="id_mode_1"[^>]* checked', page)  # skip_invalid
    assert 'id="id_dry_run" checked' in page
    assert ImportJob.objects.count() == 0


def test_an_empty_file_is_refused_on_the_form(client_as: ClientAs) -> None:
    response = upload(client_as("police.jetioguz"), b"")
    assert response.status_code == 422
    assert ImportJob.objects.count() == 0


def test_another_users_job_is_not_found(client_as: ClientAs) -> None:
    owner = User.objects.get(username="police.jetioguz")
    job = ImportJob.objects.create(
        kind="incidents", created_by=owner, filename="x.csv", content=b"", rejects=b"a\n"
    )
    outsider = client_as("police.karakol")
    for url in (f"/incidents/import/{job.pk}/", f"/incidents/import/{job.pk}/rejects.csv"):
        assert outsider.get(url).status_code == 404
    assert client_as("police.jetioguz").get(f"/incidents/import/{job.pk}/").status_code == 200


def test_a_job_of_a_deleted_uploader_runs_as_nobody() -> None:
    from kenesh.incidents.tasks import incident_import_run

    job = ImportJob.objects.create(kind="incidents", filename="x.csv", content=sheet([row()]))
    assert incident_import_run(job.pk) == ImportStatus.REJECTED
    job.refresh_from_db()
    assert job.errors[0][1] == "municipality"
    assert Incident.objects.count() == 0


def test_the_spec_columns_have_examples_for_every_required_column() -> None:
    assert all(column.example for column in IncidentImport().columns if column.required)


def test_the_upload_page_lists_the_users_own_recent_imports(client_as: ClientAs) -> None:
    mine = ImportJob.objects.create(
        kind="incidents",
        created_by=User.objects.get(username="police.jetioguz"),
        filename="june.csv",
        content=b"",
    )
    ImportJob.objects.create(
        kind="incidents",
        created_by=User.objects.get(username="police.karakol"),
        filename="karakol-secret.csv",
        content=b"",
    )
    page = client_as("police.jetioguz").get("/incidents/import/").content.decode()
    assert f'href="/incidents/import/{mine.pk}/">june.csv</a>' in page
    assert "karakol-secret.csv" not in page
