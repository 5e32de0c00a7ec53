"""The incident sheet as the first registered import kind: the generic API, command and pages,
who sees a job's report and rejects, the full report download, and error messages that do not
tell which codes exist outside the user's territory."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from kenesh.accounts.models import User
from kenesh.accounts.services import role_assign
from kenesh.accounts.tests.factories import UserFactory
from kenesh.core.imports import import_jobs_visible_to, import_kind, import_kinds
from kenesh.core.models import ImportJob, ImportStatus
from kenesh.core.permissions import Action, Resource, Role
from kenesh.core.scope import covers, scope_path_of
from kenesh.geo.models import AdministrativeUnit
from kenesh.incidents.imports.spec import IMPORT_KIND
from kenesh.incidents.models import Incident
from kenesh.incidents.tests.factories import IncidentImportJobFactory
from kenesh.incidents.tests.import_support import (
    JETI_OGUZ,
    KARAKOL,
    errors_of,
    import_bytes,
    row,
    sheet,
)

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


@pytest.fixture(autouse=True)
def _no_incidents() -> None:
    Incident.objects.all().delete()


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_imports(client: Client, content: bytes, **data: Any) -> Any:
    return client.post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile("incidents.csv", content), **data},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_incidents_is_the_registered_kind_of_the_incident_module() -> None:
    assert import_kinds()["incidents"] is IMPORT_KIND
    assert import_kind("incidents").allows_updates is False
    assert str(IMPORT_KIND.resource) == "incidents"


def test_post_imports_with_a_kind_runs_the_job(
    client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_as("police.jetioguz")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_imports(client, sheet([row(external_ref="G-1")]), kind="incidents")
    assert response.status_code == 202, response.content
    job = client.get(f"/api/v1/imports/{response.json()['id']}").json()
    assert (job["kind"], job["status"], job["created"], job["updated"]) == (
        "incidents",
        "succeeded",
        1,
        0,
    )
    assert Incident.objects.get().external_ref == "G-1"
    stored = ImportJob.objects.get(pk=job["id"])
    assert stored.unit_path == AdministrativeUnit.objects.get(code=JETI_OGUZ).path


def test_an_unknown_kind_is_a_422_and_a_kind_one_may_not_write_a_403(client_as: ClientAs) -> None:
    unknown = post_imports(client_as("police.jetioguz"), sheet([row()]), kind="weather")
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["body", "kind"]
    forbidden = post_imports(client_as("lcpc.jetioguz"), sheet([row()]), kind="incidents")
    assert forbidden.status_code == 403
    assert post_imports(Client(), sheet([row()]), kind="incidents").status_code == 401
    assert ImportJob.objects.count() == 0


def test_a_job_is_seen_by_its_uploader_and_restricted_users_of_its_unit_only(
    client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    jeti_oguz = AdministrativeUnit.objects.get(code=JETI_OGUZ)
    rows = [row(external_ref="V-1"), row(external_ref="V-2", status="lost")]
    with django_capture_on_commit_callbacks(execute=True):
        body = post_imports(
            client_as("police.jetioguz"), sheet(rows), kind="incidents", skip_invalid="true"
        ).json()
    colleague = client_of(UserFactory.create(role=Role.POLICE_OFFICER, unit=jeti_oguz))
    rayon_police = client_of(UserFactory.create(role=Role.POLICE_OFFICER, unit=jeti_oguz.parent))
    for client in (client_as("police.jetioguz"), colleague, rayon_police):
        assert client.get(f"/api/v1/imports/{body['id']}").status_code == 200
        assert client.get(f"/api/v1/imports/{body['id']}/rejects").status_code == 200
        assert client.get(f"/incidents/import/{body['id']}/").status_code == 200
    # Another municipality's police: not found; roles without restricted access: forbidden.
    outsider = client_as("police.karakol")
    for url in (f"/api/v1/imports/{body['id']}", f"/api/v1/imports/{body['id']}/report"):
        assert outsider.get(url).status_code == 404
    assert outsider.get(f"/incidents/import/{body['id']}/").status_code == 404
    for username in ("lcpc.jetioguz", "admin"):
        assert client_as(username).get(f"/api/v1/imports/{body['id']}").status_code == 403
        assert client_as(username).get(f"/incidents/import/{body['id']}/").status_code == 403


def test_the_report_download_lists_every_error_beyond_what_the_job_keeps(
    client_as: ClientAs, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.IMPORT_REPORT_ERRORS = 3
    rows = [row(external_ref=f"E-{n}", status="lost") for n in range(8)]
    client = client_as("police.jetioguz")
    with django_capture_on_commit_callbacks(execute=True):
        body = post_imports(client, sheet(rows), kind="incidents").json()
    job = client.get(f"/api/v1/imports/{body['id']}").json()
    assert (job["status"], job["error_count"], len(job["errors"])) == ("rejected", 8, 3)
    assert job["error_summary"] == [
        {"column": "status", "reason": job["errors"][0]["reason"], "count": 8}
    ]
    assert job["rejects_url"] is None  # all-or-nothing: no rejects file, but a report
    for url in (job["report_url"], f"/incidents/import/{body['id']}/report.csv"):
        response = client.get(url)
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
        report = list(csv.reader(io.StringIO(text)))
        assert report[0] == ["line", "column", "reason"]
        assert [line for line, _column, _reason in report[1:]] == [str(n) for n in range(2, 10)]
    page = client.get(f"/incidents/import/{body['id']}/").content.decode()
    assert 'data-testid="report-download"' in page
    assert 'data-testid="import-error-summary"' in page
    assert "and 5 more errors" in page


def test_codes_outside_the_territory_and_codes_of_no_unit_get_the_same_message() -> None:
    police = User.objects.get(username="police.jetioguz")
    karakol_village = (
        AdministrativeUnit.objects.filter(level="settlement", path__contains=f"/{KARAKOL}/")
        .values_list("code", flat=True)
        .first()
    )
    rows = [
        row(external_ref="O-1", municipality=KARAKOL, settlement=""),
        row(external_ref="O-2", municipality="41799999999999", settlement=""),
        row(external_ref="O-3", settlement="41799999999999"),
    ]
    if karakol_village:
        rows.append(row(external_ref="O-4", settlement=karakol_village))
    result = import_bytes(sheet(rows), user=police, skip_invalid=True)
    territory = "This municipality is not in your territory."
    settlement = "The settlement must lie in the municipality."
    assert errors_of(result) == [
        (2, "municipality", territory),
        (3, "municipality", territory),
        (4, "settlement", settlement),
        *([(5, "settlement", settlement)] if karakol_village else []),
    ]


def test_the_command_writes_every_error_to_its_report_file(tmp_path: Path, settings: Any) -> None:
    settings.IMPORT_REPORT_ERRORS = 2
    path, report = tmp_path / "in.csv", tmp_path / "report.csv"
    path.write_bytes(sheet([row(external_ref=f"C-{n}", status="lost") for n in range(5)]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import",
            "incidents",
            str(path),
            "--report",
            str(report),
            "--language",
            "en",
            stderr=err,
        )
    lines = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert len(lines) == 1 + 5
    assert "and 3 more errors: every one is in" in err.getvalue()
    assert Incident.objects.count() == 0


def test_an_unknown_kind_is_refused_by_the_command(tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        call_command("import", "weather", str(tmp_path / "x.csv"))


def test_a_job_queued_under_the_old_task_name_still_runs() -> None:
    from kenesh.incidents.tasks import incident_import_run

    police = User.objects.get(username="police.jetioguz")
    job = ImportJob.objects.create(
        kind="incidents", created_by=police, filename="old.csv", content=sheet([row()])
    )
    assert incident_import_run.name == "incidents.import"
    assert incident_import_run.delay(job.pk).get() == ImportStatus.SUCCEEDED
    assert Incident.objects.filter(import_job=job).count() == 1


def test_a_job_of_an_uploader_with_several_municipalities_belongs_to_the_unit_above_them() -> None:
    from kenesh.accounts.tests.factories import RoleAssignmentFactory
    from kenesh.core.imports import uploader_unit_path

    jeti_oguz = AdministrativeUnit.objects.get(code=JETI_OGUZ)
    karakol = AdministrativeUnit.objects.get(code=KARAKOL)
    police = UserFactory.create(role=Role.POLICE_OFFICER, unit=jeti_oguz)
    assert uploader_unit_path(police, IMPORT_KIND.resource) == jeti_oguz.path
    RoleAssignmentFactory.create(user=police, role=Role.POLICE_OFFICER, unit=karakol)
    police = User.objects.get(pk=police.pk)  # the grants are cached on the object
    common = uploader_unit_path(police, IMPORT_KIND.resource)
    assert jeti_oguz.path.startswith(common) and karakol.path.startswith(common)
    assert AdministrativeUnit.objects.get(path=common).level == "oblast"  # both in Issyk-Kul
    # A role that may not write incidents gives its unit no say.
    reader = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=karakol)
    assert uploader_unit_path(reader, IMPORT_KIND.resource) == ""


def test_the_uploader_sees_their_job_after_losing_the_role_that_made_it() -> None:
    jeti_oguz = AdministrativeUnit.objects.get(code=JETI_OGUZ)
    uploader = UserFactory.create(role=Role.POLICE_OFFICER, unit=jeti_oguz)
    job = IncidentImportJobFactory.create(created_by=uploader)
    uploader.role_assignments.all().delete()
    client = client_of(uploader)
    for url in (f"/api/v1/imports/{job.pk}", f"/incidents/import/{job.pk}/"):
        assert client.get(url).status_code == 200, url
    # With another role in another municipality, still theirs.
    karakol = AdministrativeUnit.objects.get(code=KARAKOL)
    role_assign(actor=None, user=uploader, role=Role.LCPC_COORDINATOR, unit=karakol)
    assert client_of(uploader).get(f"/api/v1/imports/{job.pk}").status_code == 200


def test_a_job_of_no_unit_is_seen_by_its_uploader_only(client_as: ClientAs) -> None:
    uploader = UserFactory.create(role=None)
    job = IncidentImportJobFactory.create(created_by=uploader)
    assert job.unit_path == ""
    assert client_of(uploader).get(f"/api/v1/imports/{job.pk}").status_code == 200
    for username in ("police.jetioguz", "admin"):
        assert client_as(username).get(f"/api/v1/imports/{job.pk}").status_code == 404


def test_the_jobs_a_user_may_see_are_found_through_the_scope_of_the_jobs_unit() -> None:
    jeti_oguz = AdministrativeUnit.objects.get(code=JETI_OGUZ)
    karakol = AdministrativeUnit.objects.get(code=KARAKOL)
    here = IncidentImportJobFactory.create(
        created_by=UserFactory.create(role=Role.POLICE_OFFICER, unit=jeti_oguz)
    )
    there = IncidentImportJobFactory.create(
        created_by=UserFactory.create(role=Role.POLICE_OFFICER, unit=karakol)
    )
    assert scope_path_of(here) == jeti_oguz.path
    # A unit is covered by the assignments at it and above it, not by those below it.
    assert covers(User.objects.get(username="police.jetioguz"), jeti_oguz.path)
    assert not covers(User.objects.get(username="police.jetioguz"), karakol.path)
    rayon = jeti_oguz.parent
    assert rayon is not None and not covers(User.objects.get(username="lcpc.jetioguz"), rayon.path)
    police = User.objects.get(username="police.jetioguz")
    lcpc = User.objects.get(username="lcpc.jetioguz")
    restricted = ImportJob.objects.where_allowed(police, Action.RESTRICTED, Resource.INCIDENTS)
    assert set(restricted.filter(pk__in=[here.pk, there.pk])) == {here}
    assert not ImportJob.objects.where_allowed(lcpc, Action.RESTRICTED, Resource.INCIDENTS).exists()
    assert set(ImportJob.objects.in_scope(lcpc).filter(pk__in=[here.pk, there.pk])) == {here}
    # Who may see a job's report: its uploader, and restricted access where it was uploaded.
    both = [here.pk, there.pk]
    assert set(import_jobs_visible_to(police, IMPORT_KIND).filter(pk__in=both)) == {here}
    assert not import_jobs_visible_to(lcpc, IMPORT_KIND).filter(pk__in=both).exists()
    assert set(import_jobs_visible_to(there.created_by, IMPORT_KIND)) == {there}
