"""How long the intake keeps phone numbers and Telegram chat ids (docs/intake.md, "Anonymous by
default"), and the sweep that deletes them when their time is up.

A number is kept while something may still be sent to it, and no longer:

* a concern's reporter: until the concern is closed for good. Found not actionable: deleted
  after that reply (:func:`kenesh.consultations.intake.services.concern_status_reply`);
  resolved: after the follow-up's "yes" (:func:`kenesh.consultations.intake.followup.
  follow_up_answer`), or :data:`~kenesh.consultations.intake.followup.ANSWER_WAIT` without an
  answer, or at once when the follow-up cannot be asked. The concern's reply address, the
  sender of its messages and the address of its replies once they are sent (or given up) go
  together (:func:`kenesh.consultations.intake.outbox.forget_reporter`);
* messages and replies of no concern (STOP, survey answers, messages that never named a
  village): :data:`UNLINKED_KEEP`;
* an SMS survey conversation: while it lasts. A session that ends keeps the number's key
  (:func:`kenesh.consultations.intake.outbox.address_key`) so that a number answers a survey
  once; one abandoned for :data:`UNLINKED_KEEP` is keyed too;
* an opt-out: only the key, from the STOP on (an opt-out stored in clear before is keyed here).

:func:`numbers_forget` runs with the follow-up (Celery beat ``consultations.concerns_follow_up``,
hourly; or ``kenesh concerns-follow-up`` from cron): it deletes what the events above did not
(a concern closed before the intake existed, a reply that was queued when its concern was
forgotten, a message that arrived after).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kenesh.consultations.intake.followup import ANSWER_WAIT, ASK_AFTER, ASK_WINDOW
from kenesh.consultations.intake.outbox import KEY_PREFIX, address_key, forget_reporter
from kenesh.consultations.models import (
    CLOSED_STATUSES,
    Concern,
    ConcernStatus,
    InboundMessage,
    OptOut,
    OutboxMessage,
    OutboxStatus,
    SmsSurveySession,
)

# Messages that became no concern and replies that belong to none keep their number this long;
# an SMS survey conversation abandoned this long keeps its number's key only.
UNLINKED_KEEP = dt.timedelta(days=30)


@dataclass(frozen=True)
class NumbersForgotten:
    concerns: int = 0  # reporters forgotten
    messages: int = 0  # messages and replies whose number was blanked
    keyed: int = 0  # survey sessions and opt-outs now keeping a key only


def _forgotten_concerns() -> Q:
    """Concerns of an anonymous reporter whose number is gone (as ``outbox._forgotten``)."""
    return Q(concern__anonymous=True, concern__reply_address="")


def numbers_forget(*, now: dt.datetime | None = None) -> NumbersForgotten:
    """Delete every number whose time is up (see the module's description)."""
    now = now or timezone.now()
    concerns = 0
    # Reporters nothing more will be sent to: concerns resolved too long ago to ask, any not
    # actionable one whose number is still there (its status reply forgets it; this catches
    # those closed before the intake existed), and follow-ups unanswered for ANSWER_WAIT.
    done = Concern.objects.filter(
        Q(
            status=ConcernStatus.RESOLVED,
            resolved_at__lt=now - ASK_AFTER - ASK_WINDOW,
            follow_up_sent_at__isnull=True,
        )
        | Q(status=ConcernStatus.NOT_ACTIONABLE)
        | Q(
            status__in=CLOSED_STATUSES,
            follow_up_sent_at__lte=now - ANSWER_WAIT,
            follow_up_answer="",
        ),
        anonymous=True,
    ).exclude(reply_address="")
    # Lists, not iterators: SQLite does not isolate a read in progress from writes to its table.
    for concern in list(done):
        forget_reporter(concern=concern)
        concerns += 1
    with transaction.atomic():
        old = now - UNLINKED_KEEP
        messages = (
            InboundMessage.objects.filter(
                Q(concern__isnull=True, received_at__lt=old) | _forgotten_concerns()
            )
            .exclude(sender="")
            .update(sender="")
        )
        # A reply still queued keeps its address until it is sent or given up (the outbox
        # blanks it then, for a forgotten concern).
        messages += (
            OutboxMessage.objects.filter(
                Q(concern__isnull=True, created_at__lt=old) | _forgotten_concerns()
            )
            .exclude(status=OutboxStatus.QUEUED)
            .exclude(address="")
            .update(address="")
        )
    keyed = _key_sessions(now - UNLINKED_KEEP) + _key_opt_outs()
    return NumbersForgotten(concerns=concerns, messages=messages, keyed=keyed)


@transaction.atomic
def _key_sessions(abandoned_before: dt.datetime) -> int:
    """SMS survey sessions that ended, or were abandoned long ago, keep the number's key."""
    sessions = (
        SmsSurveySession.objects.select_for_update(of=("self",))
        .filter(Q(finished=True) | Q(updated_at__lt=abandoned_before))
        .exclude(address__startswith=KEY_PREFIX)
        .exclude(address="")
    )
    keyed = 0
    for session in list(sessions):
        key = address_key(session.address)
        twin = SmsSurveySession.objects.filter(survey_id=session.survey_id, address=key)
        if twin.exists():  # the number's ended session already holds the key: that one counts
            session.delete()
        else:
            # update(), not save(): the session's updated_at stays when it was last used.
            SmsSurveySession.objects.filter(pk=session.pk).update(address=key)
        keyed += 1
    return keyed


@transaction.atomic
def _key_opt_outs() -> int:
    """Opt-outs stored in clear (before opt-outs kept keys) keep the key only."""
    keyed = 0
    for opt_out in list(OptOut.objects.exclude(address__startswith=KEY_PREFIX)):
        key = address_key(opt_out.address)
        if OptOut.objects.filter(channel=opt_out.channel, address=key).exists():
            opt_out.delete()
        else:
            OptOut.objects.filter(pk=opt_out.pk).update(address=key)
        keyed += 1
    return keyed
