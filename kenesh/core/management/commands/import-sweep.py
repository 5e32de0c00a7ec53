"""``kenesh import-sweep``: fail the import jobs whose worker died, for deployments without
Celery beat (run it from cron every few minutes; beat runs ``core.import_jobs_sweep``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from kenesh.core.imports import import_jobs_sweep


class Command(BaseCommand):
    help = (
        "Mark as failed the import jobs running without a sign of life for "
        "IMPORT_JOB_TIMEOUT seconds or queued for IMPORT_QUEUE_TIMEOUT seconds (their worker "
        "died or never came). For deployments without Celery beat: run it from cron."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        marked = import_jobs_sweep()
        self.stdout.write(_("Import jobs marked as failed: %(count)d") % {"count": marked})
