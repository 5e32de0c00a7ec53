"""Background jobs of the platform (Celery; in-process without a broker)."""

from __future__ import annotations

from celery import shared_task

from kenesh.core.imports import import_jobs_sweep


@shared_task(name="core.import_jobs_sweep")
def import_jobs_sweep_task() -> int:
    """Fail the import jobs whose worker died (run every few minutes by Celery beat)."""
    return import_jobs_sweep()
