"""Import limits benchmark: how long each hostile file takes to be read or refused, and how fast
the page and the API of a job answer after a 200,000-line file of garbage.

Hostile files (built by hand as the tests build them, kenesh/core/tests/hostile_sheets.py), each
run through the import pipeline with a small spec over a core model: a sheet declaring the
whole grid (``A1:XFD1048576``) with real rows, and, as the baseline, openpyxl's read-only mode
(the reader before) on the first 200 rows of it; a lone cell under that dimension; a cell on the
sheet's last row; a header of 16,384 columns; a zip bomb of two million shared strings in 84 KB,
honest and with lying headers; entity expansion; a CSV line of commas.

Garbage: 200,000 lines of random text under the incident sheet's header, imported as a police
officer's job; then the job page and ``GET /api/v1/imports/{id}`` are timed (median of 5), next
to the same page for a copy of the job storing every error (as jobs did before the cap).
Target: well under a second each.

Database: ``DATABASE_URL``, or postgres://postgres@127.0.0.1:5432/kenesh_bench_imports (created
and migrated when missing).
"""

from __future__ import annotations

import csv
import io
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

GARBAGE_LINES = 200_000
TARGET_PAGE_S = 1.0
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kenesh_bench_imports"


def _database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_URL


def _setup() -> None:
    from bench.import_incidents import _ensure_database

    url = _database_url()
    if url.startswith("postgres"):
        _ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from kenesh.geo.services import DEMO_GEOGRAPHY, geography_load_file

    call_command("migrate", verbosity=0)
    geography_load_file(path=DEMO_GEOGRAPHY)


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    outcome = action()
    return time.perf_counter() - start, outcome


def _outcome(result: Any) -> str:
    if result.error_count and not result.rejected:
        reason = result.errors[0].reason
        return "refused: " + (reason[:70] + "…" if len(reason) > 70 else reason)
    return f"read {result.total_rows:,} rows, {result.created:,} written"


def hostile_files() -> None:
    from django.db import transaction

    from kenesh.core.imports import ImportOptions, run_import
    from kenesh.core.tests import hostile_sheets as sheets

    files: list[tuple[str, bytes]] = [
        ("whole grid declared, 20,000 real rows", sheets.huge_dimension_xlsx(20_000)),
        ("lone cell under A1:XFD1048576", sheets.lone_cell_xlsx()),
        ("a cell on row 1,048,576", sheets.last_row_xlsx()),
        ("header of 16,384 columns, 2,000 rows", sheets.wide_header_xlsx(16_384, 2_000)),
        ("zip bomb: 2,000,000 shared strings", sheets.shared_strings_bomb()),
        ("the same bomb, headers lying", sheets.lying_bomb()),
        ("entity expansion (billion laughs)", sheets.entity_expansion_xlsx()),
        ("CSV line of 5 MB of commas", b"kind,name,header\n" + b"," * (5 << 20) + b"\n"),
    ]
    print("  hostile files (refused: nothing written)")
    for label, content in files:
        with transaction.atomic():  # what a file wrote is rolled back: each starts clean
            start = time.perf_counter()
            result = run_import(
                sheets.MappingSheet(), io.BytesIO(content), ImportOptions(language="en")
            )
            seconds = time.perf_counter() - start
            transaction.set_rollback(True)
        print(
            f"    {label:<40} {len(content) / 1024:9,.0f} KB {seconds:7.2f} s   {_outcome(result)}"
        )
    # The baseline, the reader before: openpyxl's read-only mode pads every row to the declared
    # 16,384 columns, and each padded cell was turned into text.
    import warnings

    import openpyxl

    from kenesh.core.sheets import cell_text

    content = sheets.huge_dimension_xlsx(20_000)

    def reader_before(count: int) -> int:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Workbook contains no default style"
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        cells = 0
        for n, row in enumerate(book.worksheets[0].iter_rows(values_only=True)):
            cells += len([cell_text(value) for value in row])
            if n == count:
                break
        book.close()
        return cells

    seconds, cells = _timed(lambda: reader_before(200))
    print(
        f"    baseline, the reader before (openpyxl read-only), first 200 rows of the whole-grid "
        f"sheet: {seconds:.2f} s ({cells:,} cells); all 20,000 rows ≈ {seconds * 100:,.0f} s"
    )


def _garbage_sheet(lines: int, seed: int = 11) -> bytes:
    from kenesh.incidents.imports.spec import IncidentImport

    header = [column.header for column in IncidentImport().columns]
    rng = random.Random(seed)  # noqa: S311 - synthetic data
    letters = "abcdefghijklmnopqrstuvwxyz0123456789 ;.-"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for _ in range(lines):
        writer.writerow(
            [
                "".join(rng.choices(letters, k=rng.randrange(1, 12)))
                for _ in range(rng.randrange(1, 6))
            ]
        )
    return buffer.getvalue().encode()


def _police() -> Any:
    from kenesh.accounts.models import RoleAssignment, User
    from kenesh.core.permissions import Role
    from kenesh.geo.models import AdministrativeUnit
    from kenesh.portal.demo import JETI_OGUZ

    user, _created = User.objects.get_or_create(username="bench.police")
    RoleAssignment.objects.get_or_create(
        user=user, role=Role.POLICE_OFFICER, unit=AdministrativeUnit.objects.get(code=JETI_OGUZ)
    )
    return user


def _median_get(client: Any, url: str, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        seconds, response = _timed(lambda: client.get(url))
        assert response.status_code == 200, (url, response.status_code)
        times.append(seconds)
    return statistics.median(times)


def garbage_job() -> None:
    from django.test import Client
    from django.urls import reverse

    from kenesh.core.imports import import_job_create, import_job_run, report_chunks
    from kenesh.core.models import ImportJob
    from kenesh.incidents.imports.spec import IncidentImport

    content = _garbage_sheet(GARBAGE_LINES)
    user = _police()
    job = import_job_create(
        actor=user, kind="incidents", filename="garbage.csv", content=content, language="en"
    )
    seconds, job = _timed(lambda: import_job_run(job, IncidentImport(user=user, job=job)))
    job.refresh_from_db()
    report = bytes(job.report or b"")
    print(
        f"  garbage: {GARBAGE_LINES:,} lines ({len(content) / 2**20:.1f} MiB), job run in "
        f"{seconds:.1f} s: {job.status}, {job.error_count:,} errors, {len(job.errors)} kept, "
        f"{len(job.error_summary)} counts; report {len(report) / 1024:,.0f} KB gzipped"
    )
    # The same job storing every error, as jobs did before the cap.
    everything = list(csv.reader(io.StringIO(b"".join(report_chunks(report)).decode("utf-8-sig"))))[
        1:
    ]
    uncapped = ImportJob.objects.create(
        kind=job.kind,
        created_by=user,
        filename=job.filename,
        content=b"",
        sha256=job.sha256,
        status=job.status,
        language="en",
        total_rows=job.total_rows,
        rejected_count=job.rejected_count,
        errors=[[int(line), column, reason] for line, column, reason in everything],
        error_count=job.error_count,
        finished_at=job.finished_at,
    )
    client = Client()
    client.force_login(user)
    for label, target in (("capped", job), ("every error stored (before)", uncapped)):
        page = _median_get(client, reverse("incidents:import:job", kwargs={"job_id": target.pk}))
        api = _median_get(client, f"/api/v1/imports/{target.pk}")
        print(f"    {label:<28} job page {page:6.3f} s   API {api:6.3f} s   (median of 5)")
        if label == "capped":
            verdict = "met" if max(page, api) < TARGET_PAGE_S else "MISSED"
            print(f"    target under {TARGET_PAGE_S:.0f} s: {verdict}")
    ImportJob.objects.filter(pk__in=[job.pk, uncapped.pk]).delete()


def main() -> None:
    _setup()
    print(f"imports: {_database_url().rsplit('@', 1)[-1]}")
    hostile_files()
    garbage_job()
