"""Incident import benchmark: 200,000 generated rows (CSV) into PostgreSQL, full validation.

Target: 20,000 rows/s or more, end to end (reading, parsing every cell, the model's rules
through ``Incident.clean()``, the per-batch duplicate lookup, writing), and a peak memory that
does not grow with the file: the same import of 20,000 and of 200,000 rows is run in fresh
processes and their peak resident memory above the starting point is compared.

Database: ``DATABASE_URL``, or postgres://postgres@127.0.0.1:5432/kenesh_bench (created and
migrated when missing). The incidents of earlier runs are removed first.
"""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROWS = 200_000
SMALL_ROWS = 20_000
TARGET_ROWS_PER_S = 20_000
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kenesh_bench"
ICCS_CODES = ["05025", "0501", "0502", "0201", "0101", "0207", "0701", "0601", "04014", "0906"]


def _database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_URL


def _ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    server = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server.replace("postgres://", "postgresql://", 1), autocommit=True) as c:
        if c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _setup_django() -> None:
    os.environ["DATABASE_URL"] = _database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def write_sheet(path: Path, rows: int, seed: int = 3) -> None:
    """A sheet as a police export would give it: every column, valid rows, in random order."""
    from kenesh.geo.models import AdministrativeUnit, Level
    from kenesh.incidents.imports.spec import IncidentImport
    from kenesh.portal.demo import CENTROIDS as MUNICIPALITIES  # the pilots and their centres

    header = [column.header for column in IncidentImport().columns]
    rng = random.Random(seed)  # noqa: S311 - synthetic data
    settlements = {
        code: list(
            AdministrativeUnit.objects.filter(
                level=Level.SETTLEMENT, path__contains=f"/{code}/"
            ).values_list("code", flat=True)
        )
        for code in MUNICIPALITIES
    }
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        for i in range(rows):
            code = rng.choice(list(MUNICIPALITIES))
            lat, lon = MUNICIPALITIES[code]
            day = 1 + rng.randrange(1400)
            occurred = f"2021-{1 + day // 120 % 12:02d}-{1 + day % 28:02d}"
            row = {
                "external_ref": f"B-{i:07d}",
                "municipality": code,
                "settlement": rng.choice(settlements[code])
                if settlements[code] and rng.random() < 0.3
                else "",
                "iccs_code": rng.choice(ICCS_CODES),
                "occurred_on": occurred,
                "occurred_at": f"{rng.randrange(24):02d}:{rng.randrange(60):02d}",
                "reported_on": occurred,
                "latitude": f"{lat + rng.uniform(-0.02, 0.02):.5f}",
                "longitude": f"{lon + rng.uniform(-0.02, 0.02):.5f}",
                "status": rng.choice(["registered", "solved", "closed"]),
                "attempted": rng.choice(["no", "yes"]),
                "context": "none",
                "alcohol_or_drugs": "no",
                "relationship": rng.choice(["stranger", "family", "unknown"]),
                "narrative": "",
                "reporter_name": "",
                "reporter_contact": "",
                "victims_male_30_59": str(rng.randrange(2)),
                "offenders_male_14_17": str(int(rng.random() < 0.1)),
            }
            writer.writerow([row.get(name, "0") for name in header])


def _peak_rss_kib() -> int:
    """The process's peak resident set (VmHWM). Not ``getrusage``: its ``ru_maxrss`` survives
    fork and exec, so a child of a large parent (the hot spot benchmark before this one)
    would report the parent's peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def _rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def child(path: str) -> None:
    """One import in a fresh process: prints JSON with the time and the peak memory."""
    _setup_django()
    from django.db import connection

    from kenesh.core.imports import ImportOptions, run_import
    from kenesh.incidents.imports.spec import IncidentImport
    from kenesh.incidents.models import Incident

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Incident._meta.db_table}")
    from kenesh.core.models import ImportJob

    job = ImportJob.objects.create(kind="incidents", filename=Path(path).name, content=b"")
    spec = IncidentImport(job=job)
    before = _rss_kib()
    start = time.perf_counter()
    with open(path, "rb") as stream:
        result = run_import(spec, stream, ImportOptions(language="en"))
    seconds = time.perf_counter() - start
    peak = _peak_rss_kib()
    assert result.ok, result.errors[:5]
    assert Incident.objects.count() == result.created == result.total_rows
    print(
        json.dumps(
            {"rows": result.created, "seconds": seconds, "peak_above_start_kib": peak - before}
        )
    )


def _run_child(path: Path) -> dict[str, float]:
    output = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", f"from bench.import_incidents import child; child({str(path)!r})"],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": _database_url()},
    )
    result: dict[str, float] = json.loads(output.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    url = _database_url()
    _ensure_database(url)
    _setup_django()
    from django.core.management import call_command

    from kenesh.geo.services import DEMO_GEOGRAPHY, geography_load_file

    call_command("migrate", verbosity=0)
    geography_load_file(path=DEMO_GEOGRAPHY)
    workdir = Path(tempfile.mkdtemp(prefix="kenesh-import-bench-"))
    small, large = workdir / "small.csv", workdir / "large.csv"
    write_sheet(small, SMALL_ROWS)
    write_sheet(large, ROWS)
    size_mib = large.stat().st_size / 2**20
    print(f"import_incidents: {ROWS:,} rows, {size_mib:.1f} MiB CSV, {url.rsplit('@', 1)[-1]}")
    first = _run_child(small)
    second = _run_child(large)
    for label, run in (("20k", first), ("200k", second)):
        rate = run["rows"] / run["seconds"]
        print(
            f"  {label:>4}: {run['rows']:>7,.0f} rows in {run['seconds']:6.2f} s = "
            f"{rate:8,.0f} rows/s   peak memory +{run['peak_above_start_kib'] / 1024:6.1f} MiB"
        )
    rate = second["rows"] / second["seconds"]
    growth = second["peak_above_start_kib"] / max(first["peak_above_start_kib"], 1)
    print(
        f"  target {TARGET_ROWS_PER_S:,} rows/s: {'met' if rate >= TARGET_ROWS_PER_S else 'MISSED'}"
        f"; peak memory 200k / 20k = {growth:.2f} (10× the rows)"
    )
    for path in (small, large):
        path.unlink()
    workdir.rmdir()
