"""Imports in the Django admin: mappings kept by administrators (audited), jobs read-only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from kenesh.accounts.models import User
from kenesh.core.models import AuditAction, AuditEntry, ImportJob, ImportMapping

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]


def test_an_administrator_edits_a_saved_mapping_and_the_change_is_audited(
    client_as: ClientAs,
) -> None:
    mapping = ImportMapping.objects.create(
        kind="incidents", name="Kochkor police", mapping={"external_ref": "№ КУСП"}
    )
    admin = client_as("admin")
    assert admin.get("/admin/core/importmapping/").status_code == 200
    response = admin.post(
        f"/admin/core/importmapping/{mapping.pk}/change/",
        {"kind": "incidents", "name": "Kochkor police", "mapping": '{"external_ref": "КУСП"}'},
    )
    assert response.status_code == 302, response.content[:500]
    mapping.refresh_from_db()
    assert mapping.mapping == {"external_ref": "КУСП"}
    entry = AuditEntry.objects.filter(model="importmapping", object_id=str(mapping.pk)).latest("id")
    assert entry.action == AuditAction.UPDATE and entry.actor_username == "admin"


def test_imports_are_listed_read_only_without_their_rejected_rows(client_as: ClientAs) -> None:
    job = ImportJob.objects.create(
        kind="incidents",
        created_by=User.objects.get(username="police.jetioguz"),
        filename="march.csv",
        content=b"external_ref,narrative\nX-1,Secret witness statement\n",
        rejects=b"external_ref,narrative,reason\nX-1,Secret witness statement,bad\n",
        sha256="0" * 64,
    )
    admin = client_as("admin")
    listing = admin.get("/admin/core/importjob/")
    assert listing.status_code == 200 and "march.csv" in listing.content.decode()
    page = admin.get(f"/admin/core/importjob/{job.pk}/change/")
    assert page.status_code == 200
    assert "Secret witness statement" not in page.content.decode()
    assert admin.post(f"/admin/core/importjob/{job.pk}/change/", {}).status_code == 403
    assert admin.get("/admin/core/importjob/add/").status_code == 403
    assert admin.post(f"/admin/core/importjob/{job.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ImportJob.objects.filter(pk=job.pk).exists()


def test_the_import_list_reads_neither_the_files_nor_the_rejects(client_as: ClientAs) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ImportJob.objects.create(
        kind="incidents", filename="big.csv", content=b"x" * 1000, rejects=b"y", report=b"z",
        sha256="0" * 64,
    )  # fmt: skip
    admin = client_as("admin")
    with CaptureQueriesContext(connection) as captured:
        assert admin.get("/admin/core/importjob/").status_code == 200
    listing = [q["sql"] for q in captured.captured_queries if 'FROM "core_importjob"' in q["sql"]]
    assert listing
    for column in ("content", "rejects", "report"):
        assert not [sql for sql in listing if f'"core_importjob"."{column}"' in sql], column
