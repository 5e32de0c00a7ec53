"""Background jobs of the platform (Celery; in-process without a broker)."""

from __future__ import annotations

from celery import shared_task

from kenesh.core.imports import import_job_execute, import_jobs_sweep


@shared_task(name="imports.run")
def import_run(job_id: int) -> str:
    """Run a queued import job of any registered kind; returns its final status."""
    return import_job_execute(job_id)


@shared_task(name="core.import_jobs_sweep")
def import_jobs_sweep_task() -> int:
    """Fail the import jobs whose worker died (run every few minutes by Celery beat)."""
    return import_jobs_sweep()
