"""Background jobs of the accounts app (Celery; in-process without a broker)."""

from __future__ import annotations

from celery import shared_task

from kenesh.accounts.services import security_log_purge


@shared_task(name="accounts.security_log_purge")
def security_log_purge_task() -> int:
    """Delete security events older than SECURITY_LOG_DAYS (run daily by Celery beat)."""
    return security_log_purge()
