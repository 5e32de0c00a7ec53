"""The follow-up: four weeks after a concern is marked resolved, the reporter is asked whether
it really is ("reply 1 yes, 2 no"). "No" reopens it (acknowledged again, with a note in its
history); "yes" confirms it. After a "yes", or :data:`ANSWER_WAIT` without an answer, an
anonymous reporter's number is deleted (a reopened concern keeps it: it is open again, and
its next resolution starts a new follow-up).

Only a reporter who left a way to reach them is asked: an SMS or Telegram reply address, or a
phone number in the contact. :func:`concerns_follow_up` runs as a periodic task (Celery beat,
``consultations.concerns_follow_up``; under ``kenesh serve`` its embedded worker runs beat) or
from cron with ``kenesh concerns-follow-up``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kenesh.consultations.intake.outbox import (
    forget_reporter,
    is_opted_out,
    outbox_queue,
    phone_number,
    reply_target,
)
from kenesh.consultations.models import (
    Concern,
    ConcernStatus,
    MessageChannel,
)
from kenesh.consultations.services import concern_set_status
from kenesh.core.audit import audit_update, snapshot

ASK_AFTER = dt.timedelta(days=28)
# A concern resolved longer ago than ASK_AFTER + ASK_WINDOW (the task was not running, or it
# was resolved before the intake existed, as the demo's) is not asked about any more: a
# question about something long past confuses more than it tells. Its number is forgotten.
ASK_WINDOW = dt.timedelta(days=14)
ANSWER_WAIT = dt.timedelta(days=14)
CONFIRMED = "confirmed"
REOPENED = "reopened"

# What counts as "1 yes" and "2 no" (the number, or the word in Kyrgyz, Russian or English).
_YES = frozenset({"1", "ооба", "ова", "да", "yes", "y"})
_NO = frozenset({"2", "жок", "нет", "no", "n"})


def answer_of(text: str) -> str | None:
    """``"confirmed"`` for 1 (yes), ``"reopened"`` for 2 (no), ``None`` for anything else."""
    word = re.sub(r"[^\w]", "", text.strip().casefold().replace("ё", "е"))
    if word in _YES:
        return CONFIRMED
    if word in _NO:
        return REOPENED
    return None


@dataclass(frozen=True)
class FollowUpRun:
    asked: int = 0
    forgotten: int = 0


def _reachable() -> Q:
    return ~Q(reply_address="") | ~Q(contact="")


def concerns_follow_up(*, now: dt.datetime | None = None) -> FollowUpRun:
    """Ask the reporters of concerns resolved :data:`ASK_AFTER` ago (up to
    :data:`ASK_WINDOW` later), then delete the numbers whose time is up
    (:func:`kenesh.consultations.intake.retention.numbers_forget`). Returns how many reporters
    were asked and how many concerns' numbers forgotten."""
    now = now or timezone.now()
    asked = 0
    due = Concern.objects.filter(
        _reachable(),
        status=ConcernStatus.RESOLVED,
        resolved_at__lte=now - ASK_AFTER,
        resolved_at__gte=now - ASK_AFTER - ASK_WINDOW,
        follow_up_sent_at__isnull=True,
        follow_up_answer="",
    )
    for concern in list(due.order_by("resolved_at", "pk")):
        if follow_up_ask(concern=concern, now=now):
            asked += 1
    from kenesh.consultations.intake.retention import numbers_forget

    forgotten = numbers_forget(now=now).concerns
    return FollowUpRun(asked=asked, forgotten=forgotten)


@transaction.atomic
def follow_up_ask(*, concern: Concern, now: dt.datetime) -> bool:
    """Send the follow-up question about ``concern``; whether it was sent. A reporter with no
    reachable address, or one that opted out, is not asked (and an anonymous one's number is
    forgotten now: nothing more will be sent)."""
    target = reply_target(concern)
    before = snapshot(concern)
    concern.follow_up_sent_at = now
    concern.save(update_fields=["follow_up_sent_at", "updated_at"])
    audit_update(None, concern, before)
    if target is None or is_opted_out(*target):
        forget_reporter(concern=concern)
        return False
    channel, address = target
    with translation.override(concern.language or "ky"):
        text = _(
            "Kenesh: your concern %(reference)s was marked resolved four weeks ago. Is it really "
            "resolved? Reply 1 yes, 2 no."
        ) % {"reference": concern.display_reference}
    outbox_queue(channel=channel, address=address, text=text, concern=concern)
    return True


def pending_follow_up(channel: str, address: str) -> Concern | None:
    """The concern whose follow-up question ``address`` was asked last and has not answered."""
    asked = Concern.objects.filter(
        status=ConcernStatus.RESOLVED, follow_up_sent_at__isnull=False, follow_up_answer=""
    ).order_by("-follow_up_sent_at", "-pk")
    direct = asked.filter(reply_channel=channel, reply_address=address).first()
    if direct is not None or channel != MessageChannel.SMS:
        return direct
    # A reporter reached through the phone number in their contact (written as they wrote it).
    for concern in asked.filter(reply_address="").exclude(contact=""):
        if phone_number(concern.contact) == address:
            return concern
    return None


@transaction.atomic
def follow_up_answer(*, concern: Concern, answer: str, now: dt.datetime | None = None) -> None:
    """Record the reporter's answer: ``"confirmed"`` keeps the concern resolved;
    ``"reopened"`` sets it back to acknowledged with a note in its history. Thanks the reporter;
    a confirmed concern's anonymous reporter is then forgotten."""
    if answer not in (CONFIRMED, REOPENED):
        raise ValueError(answer)
    target = reply_target(concern)
    with translation.override(settings.LANGUAGE_CODE):  # the note is for staff
        note = _("The reporter answered the follow-up: it is not resolved.")
    with translation.override(concern.language or "ky"):
        if answer == REOPENED:
            thanks = _(
                "Thank you. Concern %(reference)s is open again and the working group will look "
                "at it."
            )
        else:
            thanks = _("Thank you. We have noted that concern %(reference)s is resolved.")
        thanks %= {"reference": concern.display_reference}
    if answer == REOPENED:
        # Set before the change, so that its reply hook knows the thanks below says it.
        concern.follow_up_answer = REOPENED
        concern_set_status(
            actor=None,
            concern=concern,
            status=ConcernStatus.ACKNOWLEDGED,
            reason=note,
            allow_any=True,
        )
    else:
        before = snapshot(concern)
        concern.follow_up_answer = CONFIRMED
        concern.save(update_fields=["follow_up_answer", "updated_at"])
        audit_update(None, concern, before)
    if target is not None:
        outbox_queue(channel=target[0], address=target[1], text=thanks, concern=concern)
    if answer == CONFIRMED:
        forget_reporter(concern=concern)
