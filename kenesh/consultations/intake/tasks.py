"""Background jobs of the intake (Celery; in-process without a broker). Celery beat runs both
(config/celery.py); without beat, cron runs ``kenesh outbox-send`` and
``kenesh concerns-follow-up``."""

from __future__ import annotations

from celery import shared_task

from kenesh.consultations.intake.followup import concerns_follow_up
from kenesh.consultations.intake.outbox import outbox_send


@shared_task(name="consultations.outbox_send")
def outbox_send_task() -> int:
    """Send the queued replies (after each change that queues one, and every few minutes for
    those that failed before); returns how many went."""
    return outbox_send().sent


@shared_task(name="consultations.concerns_follow_up")
def concerns_follow_up_task() -> int:
    """Ask about concerns resolved four weeks ago, then delete every number whose time is up
    (kenesh.consultations.intake.retention.numbers_forget); returns how many were asked."""
    return concerns_follow_up().asked
