"""API: POST /api/v1/incidents/import and GET /api/v1/imports/{id}."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kenesh.accounts.models import User
from kenesh.core.models import ImportJob, ImportMapping
from kenesh.incidents.models import Incident
from kenesh.incidents.tests.factories import IncidentImportJobFactory
from kenesh.incidents.tests.import_support import HEADER, row, sheet

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
URL = "/api/v1/incidents/import"


@pytest.fixture(autouse=True)
def _no_incidents() -> None:
    Incident.objects.all().delete()


def post(client: Client, content: bytes, **data: Any) -> Any:
    return client.post(
        URL,
        {"file": SimpleUploadedFile("incidents.csv", content), **data},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_an_import_answers_202_with_the_job_and_writes_the_rows(
    client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_as("police.jetioguz")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, sheet([row(external_ref="P-1"), row(external_ref="P-2")]))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued"  # run after the response's transaction commits
    assert (body["mode"], body["dry_run"], body["language"]) == ("all_or_nothing", False, "en")
    job = client.get(f"/api/v1/imports/{body['id']}").json()
    assert (job["status"], job["created"], job["total_rows"], job["errors"]) == (
        "succeeded",
        2,
        2,
        [],
    )
    assert Incident.objects.filter(import_job_id=body["id"]).count() == 2


def test_the_report_lists_every_bad_row_and_skip_invalid_offers_the_rejects(
    client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_as("police.jetioguz")
    rows = [row(external_ref="Q-1"), row(external_ref="Q-2", attempted="maybe")]
    with django_capture_on_commit_callbacks(execute=True):
        body = post(client, sheet(rows), skip_invalid="true").json()
    job = client.get(f"/api/v1/imports/{body['id']}").json()
    assert job["errors"] == [{"line": 3, "column": "attempted", "reason": "Enter yes or no."}]
    assert (job["created"], job["rejected"], job["error_count"]) == (1, 1, 1)
    rejects = client.get(job["rejects_url"])
    assert rejects.status_code == 200
    assert rejects.content.decode("utf-8-sig").splitlines()[1].startswith("Q-2,")


def test_a_saved_mapping_is_applied_by_name(
    client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    ImportMapping.objects.create(kind="incidents", name="mvd", mapping={"external_ref": "КУСП"})
    header = ["КУСП" if name == "external_ref" else name for name in HEADER]
    data = row()
    data["КУСП"] = data.pop("external_ref")
    client = client_as("police.jetioguz")
    with django_capture_on_commit_callbacks(execute=True):
        body = post(client, sheet([data], header), mapping="mvd").json()
    assert client.get(f"/api/v1/imports/{body['id']}").json()["created"] == 1
    unknown = post(client, sheet([data], header), mapping="nope")
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["body", "mapping"]


def test_an_empty_file_is_a_422(client_as: ClientAs) -> None:
    response = post(client_as("police.jetioguz"), b"")
    assert response.status_code == 422
    assert ImportJob.objects.count() == 0


def test_a_request_without_a_file_is_a_422(client_as: ClientAs) -> None:
    response = client_as("police.jetioguz").post(URL, {"dry_run": "true"})
    assert response.status_code == 422


@pytest.mark.parametrize("username", ["admin", "coordinator", "lcpc.jetioguz", "localgov.jetioguz"])
def test_users_who_may_not_write_incidents_get_403(client_as: ClientAs, username: str) -> None:
    # A job of a police officer of Jeti-Oguz, in each of these users' area: forbidden, not
    # missing (a job that does not exist is 404 for anyone).
    job = IncidentImportJobFactory.create(created_by=User.objects.get(username="police.jetioguz"))
    client = client_as(username)
    assert post(client, sheet([row()])).status_code == 403
    assert client.get(f"/api/v1/imports/{job.pk}").status_code == 403
    assert client.get(f"/api/v1/imports/{job.pk + 1}").status_code == 404
    assert ImportJob.objects.count() == 1


def test_an_anonymous_request_is_a_401() -> None:
    assert post(Client(), sheet([row()])).status_code == 401


def test_another_users_job_is_not_found(client_as: ClientAs) -> None:
    owner = User.objects.get(username="police.jetioguz")
    job = ImportJob.objects.create(kind="incidents", created_by=owner, filename="x", content=b"")
    outsider = client_as("police.karakol")
    assert outsider.get(f"/api/v1/imports/{job.pk}").status_code == 404
    assert outsider.get(f"/api/v1/imports/{job.pk}/rejects").status_code == 404
    assert client_as("police.jetioguz").get(f"/api/v1/imports/{job.pk}/rejects").status_code == 404
