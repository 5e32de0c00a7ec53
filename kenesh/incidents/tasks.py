"""Background jobs of the incident register (Celery; in-process without a broker)."""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth.models import AnonymousUser

from kenesh.core.imports import import_job_run
from kenesh.core.models import ImportJob


@shared_task(name="incidents.import")
def incident_import_run(job_id: int) -> str:
    """Run a queued incident import job; returns its final status."""
    from kenesh.incidents.imports.spec import IncidentImport

    job = ImportJob.objects.select_related("created_by").get(pk=job_id, kind="incidents")
    # A web job always runs as its uploader; if that account is gone, as nobody (every row is
    # then outside the territory), never as the console's trusted operator.
    spec = IncidentImport(user=job.created_by or AnonymousUser(), job=job)
    return str(import_job_run(job, spec).status)
