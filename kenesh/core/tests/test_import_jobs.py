"""Import jobs: what a job keeps for its page and API stays small whatever the file (the first
errors in full, counts per column and reason), every error is in its report file in both modes,
and a job whose worker died is failed by the sweep instead of running forever."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone

from kenesh.core.imports import (
    ImportKind,
    import_job_create,
    import_job_run,
    import_jobs_sweep,
    import_kind,
    import_kinds,
    report_chunks,
)
from kenesh.core.models import ImportJob, ImportMapping, ImportStatus
from kenesh.core.modules import Module, register, unregister
from kenesh.core.tests.hostile_sheets import MAPPINGS, MappingSheet, csv_bytes, garbage_csv

pytestmark = pytest.mark.django_db


def job_for(content: bytes, **options: Any) -> ImportJob:
    options.setdefault("language", "en")
    return import_job_create(
        actor=None, kind="mappings", filename="garbage.csv", content=content, **options
    )


def report_lines(job: ImportJob) -> list[list[str]]:
    stored = ImportJob.objects.values_list("report", flat=True).get(pk=job.pk)
    assert stored is not None
    text = b"".join(report_chunks(bytes(stored))).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("skip_invalid", [False, True])
def test_a_garbage_file_keeps_the_first_errors_and_counts_and_reports_every_one(
    settings: Any, skip_invalid: bool
) -> None:
    settings.IMPORT_REPORT_ERRORS = 50
    lines = 3000
    job = import_job_run(job_for(garbage_csv(lines), skip_invalid=skip_invalid), MappingSheet())
    job.refresh_from_db()
    # Each garbage row fails twice: the kind is too long and the name is missing.
    assert (job.status, job.rejected_count, job.error_count) == (
        ImportStatus.REJECTED,
        lines,
        2 * lines,
    )
    assert len(job.errors) == 50
    assert job.errors[:2] == [
        [2, "kind", "Ensure this value has at most 32 characters (it has 40)."],
        [2, "name", "This value is required."],
    ]
    assert job.error_summary == [
        ["kind", "Ensure this value has at most 32 characters (it has 40).", lines],
        ["name", "This value is required.", lines],
    ]
    report = report_lines(job)
    assert report[0] == ["line", "column", "reason"]
    assert len(report) == 1 + 2 * lines
    assert [int(line) for line, _column, _reason in report[1:]][-2:] == [lines + 1, lines + 1]
    assert (job.rejects is not None) is skip_invalid
    assert ImportMapping.objects.filter(kind__startswith="x").count() == 0


def test_reasons_that_quote_their_value_are_counted_under_other_reasons(settings: Any) -> None:
    settings.IMPORT_REPORT_ERRORS = 5
    rows = [["k" * (33 + n), f"n{n}", ""] for n in range(150)]  # 150 different lengths
    job = import_job_run(job_for(csv_bytes(rows)), MappingSheet())
    job.refresh_from_db()
    assert job.error_count == 150
    assert len(job.error_summary) == 101
    assert job.error_summary[0] == ["kind", "other reasons", 50]  # the most frequent first
    assert sum(count for _column, _reason, count in job.error_summary) == 150


def test_a_clean_job_keeps_no_report() -> None:
    job = import_job_run(job_for(csv_bytes([["bench", "clean", "№"]])), MappingSheet())
    job.refresh_from_db()
    assert (job.status, job.created_count, job.error_count, job.report) == (
        ImportStatus.SUCCEEDED,
        1,
        0,
        None,
    )


def test_a_job_records_a_heartbeat_while_it_runs() -> None:
    job = import_job_run(job_for(csv_bytes([["bench", "beat", ""]])), MappingSheet())
    job.refresh_from_db()
    assert job.heartbeat_at is not None
    assert job.started_at is not None and job.heartbeat_at >= job.started_at


def test_the_sweep_fails_running_jobs_without_a_heartbeat_and_forgotten_queued_ones(
    settings: Any,
) -> None:
    settings.IMPORT_JOB_TIMEOUT = 600
    settings.IMPORT_QUEUE_TIMEOUT = 3600
    now = timezone.now()
    minutes = dt.timedelta(minutes=1)

    def job(status: str, **times: Any) -> ImportJob:
        created = job_for(b"kind,name\n")
        ImportJob.objects.filter(pk=created.pk).update(status=status, **times)
        return created

    dead = job(ImportStatus.RUNNING, started_at=now - 60 * minutes, heartbeat_at=now - 11 * minutes)
    alive = job(ImportStatus.RUNNING, started_at=now - 60 * minutes, heartbeat_at=now - minutes)
    silent = job(ImportStatus.RUNNING, started_at=now - 20 * minutes, heartbeat_at=None)
    forgotten = job(ImportStatus.QUEUED, created_at=now - 2 * 60 * minutes)
    waiting = job(ImportStatus.QUEUED, created_at=now - 10 * minutes)
    done = job(
        ImportStatus.SUCCEEDED, started_at=now - 60 * minutes, heartbeat_at=now - 60 * minutes
    )

    assert import_jobs_sweep(now=now) == 3
    status = dict(ImportJob.objects.values_list("pk", "status"))
    assert [status[j.pk] for j in (dead, alive, silent, forgotten, waiting, done)] == [
        ImportStatus.FAILED,
        ImportStatus.RUNNING,
        ImportStatus.FAILED,
        ImportStatus.FAILED,
        ImportStatus.QUEUED,
        ImportStatus.SUCCEEDED,
    ]
    dead.refresh_from_db()
    assert dead.message.startswith("The import stopped without finishing")
    assert "nothing was written" in dead.message
    assert dead.finished_at == now
    forgotten.refresh_from_db()
    assert forgotten.message.startswith("The import was never started")
    assert import_jobs_sweep(now=now) == 0  # nothing left to mark


def test_a_swept_job_is_not_run_when_its_message_arrives_late() -> None:
    job = job_for(csv_bytes([["bench", "late", ""]]))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.FAILED)
    ran = import_job_run(job, MappingSheet())
    assert ran.status == ImportStatus.FAILED
    assert not ImportMapping.objects.filter(name="late").exists()


def test_the_sweep_runs_as_a_celery_beat_task() -> None:
    from config.celery import app
    from kenesh.core.tasks import import_jobs_sweep_task

    schedule = app.conf.beat_schedule["import-jobs-sweep"]
    assert schedule["task"] == import_jobs_sweep_task.name == "core.import_jobs_sweep"
    assert import_jobs_sweep_task.delay().get() == 0


def test_a_module_declares_its_import_kinds_by_dotted_path() -> None:
    register(
        Module(
            label="example_imports",
            name="Example",
            import_kinds=("kenesh.core.tests.hostile_sheets.MAPPINGS",),
        )
    )
    try:
        assert import_kinds()["mappings"] is MAPPINGS
        assert import_kind("mappings") is MAPPINGS
        spec = MAPPINGS.spec(user=None, job=None)
        assert isinstance(spec, MappingSheet) and spec.allows_updates is True
        assert MAPPINGS.template_filename == "mappings-template"
    finally:
        unregister("example_imports")
    with pytest.raises(LookupError):
        import_kind("mappings")


def test_an_import_kind_path_naming_something_else_is_a_configuration_error() -> None:
    from django.core.exceptions import ImproperlyConfigured

    register(
        Module(
            label="example_imports",
            name="Example",
            import_kinds=("kenesh.core.tests.hostile_sheets.MappingSheet",),
        )
    )
    try:
        with pytest.raises(ImproperlyConfigured):
            import_kinds()
    finally:
        unregister("example_imports")
    assert isinstance(MAPPINGS, ImportKind)


def test_the_import_sweep_command_fails_dead_jobs_for_deployments_without_beat(
    settings: Any,
) -> None:
    from django.core.management import call_command

    job = job_for(b"key,label\n")
    stale = timezone.now() - dt.timedelta(seconds=settings.IMPORT_QUEUE_TIMEOUT + 60)
    ImportJob.objects.filter(pk=job.pk).update(created_at=stale)
    out = io.StringIO()
    call_command("import-sweep", stdout=out)
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.FAILED
    assert out.getvalue().strip().endswith(": 1")
    out = io.StringIO()
    call_command("import-sweep", stdout=out)
    assert out.getvalue().strip().endswith(": 0")
