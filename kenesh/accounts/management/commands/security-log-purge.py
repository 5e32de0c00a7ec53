"""``kenesh security-log-purge``: delete security events older than ``SECURITY_LOG_DAYS``.

Celery beat runs the same purge daily; this command is for cron on installations without beat.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from kenesh.accounts.services import security_log_purge


class Command(BaseCommand):
    help = "Delete security log events older than KENESH_SECURITY_LOG_DAYS."

    def handle(self, *args: Any, **options: Any) -> None:
        count = security_log_purge()
        self.stdout.write(
            ngettext(
                "%(count)d security event older than %(days)d days deleted.",
                "%(count)d security events older than %(days)d days deleted.",
                count,
            )
            % {"count": count, "days": settings.SECURITY_LOG_DAYS}
        )
