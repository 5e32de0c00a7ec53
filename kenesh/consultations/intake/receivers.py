"""The intake's answers to what the concern services announce (kenesh.consultations.signals):
the reference number when a concern is recorded, a short message at each status step.
Connected by ``ConsultationsConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from kenesh.consultations import signals
from kenesh.consultations.intake.services import concern_created_reply, concern_status_reply


@receiver(signals.concern_created, dispatch_uid="intake-concern-created")
def reply_created(sender: Any, *, concern_id: int, **kwargs: Any) -> None:
    concern_created_reply(concern_id=concern_id)


@receiver(signals.concern_status_changed, dispatch_uid="intake-concern-status")
def reply_status(
    sender: Any, *, concern_id: int, status: str, previous: str, **kwargs: Any
) -> None:
    concern_status_reply(concern_id=concern_id, status=status, previous=previous)
