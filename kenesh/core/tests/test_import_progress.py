"""On SQLite an import's transaction holds the only writer, so its progress and heartbeat go to
the cache the web and worker processes share; the job page and API read them back, and the
sweep does not fail a job that reports there."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from kenesh.core.imports import (
    JobProgress,
    import_job_create,
    import_jobs_sweep,
    job_progress_overlay,
)
from kenesh.core.models import ImportJob, ImportStatus

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "sqlite",
        reason="PostgreSQL reports progress on the job's row through a second connection",
    ),
]


def running_job(started_at: dt.datetime, heartbeat_at: dt.datetime) -> ImportJob:
    job = import_job_create(actor=None, kind="mappings", filename="a.csv", content=b"kind,name\n")
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, started_at=started_at, heartbeat_at=heartbeat_at
    )
    return ImportJob.objects.get(pk=job.pk)


def test_progress_reported_to_the_cache_shows_on_the_running_job() -> None:
    now = timezone.now()
    job = running_job(now, now)
    progress = JobProgress(job.pk, started_at=job.started_at)
    progress(5000, 200000)
    try:
        shown = job_progress_overlay(ImportJob.objects.get(pk=job.pk))
        assert (shown.processed_rows, shown.total_rows) == (5000, 200000)
        # The row itself was not written: the import's transaction holds the writer.
        assert ImportJob.objects.values_list("processed_rows", flat=True).get(pk=job.pk) == 0
    finally:
        progress.close()
    assert job_progress_overlay(ImportJob.objects.get(pk=job.pk)).processed_rows == 0


def test_progress_of_an_earlier_run_with_the_same_id_is_not_shown() -> None:
    now = timezone.now()
    job = running_job(now, now)
    earlier = JobProgress(job.pk, started_at=now - dt.timedelta(days=1))
    earlier(700, 900)
    try:
        assert job_progress_overlay(ImportJob.objects.get(pk=job.pk)).processed_rows == 0
    finally:
        earlier.close()


def test_the_sweep_keeps_a_job_whose_heartbeat_is_in_the_cache(settings: Any) -> None:
    settings.IMPORT_JOB_TIMEOUT = 600
    now = timezone.now()
    long_ago = now - dt.timedelta(minutes=30)
    alive = running_job(long_ago, long_ago)
    dead = running_job(long_ago, long_ago)
    progress = JobProgress(alive.pk, started_at=alive.started_at)
    progress(10, 20)  # a heartbeat now
    try:
        assert import_jobs_sweep(now=now + dt.timedelta(seconds=1)) == 1
    finally:
        progress.close()
    status = dict(ImportJob.objects.values_list("pk", "status"))
    assert (status[alive.pk], status[dead.pk]) == (ImportStatus.RUNNING, ImportStatus.FAILED)
