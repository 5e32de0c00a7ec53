"""Background jobs of the incident register (Celery; in-process without a broker)."""

from __future__ import annotations

from celery import shared_task

from kenesh.core.imports import import_job_execute


@shared_task(name="incidents.import")
def incident_import_run(job_id: int) -> str:
    """The task name incident imports were queued under before every kind ran as
    ``imports.run``: kept so jobs queued by an earlier release still run."""
    return import_job_execute(job_id)
