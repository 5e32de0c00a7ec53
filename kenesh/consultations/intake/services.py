"""Messages from the SMS gateway and the Telegram bot, and the replies to reporters.

:func:`message_receive` takes one delivered message and decides what it is, in this order:

1. a repeated delivery (same provider message id): nothing happens;
2. STOP (СТОП, ТОКТО, /stop): the address is opted out, for good, without a reply (a reply would
   be the very message it asked not to get); START (СТАРТ, /start) opts it in again;
3. an SMS survey's keyword, or an answer in an SMS survey under way (:mod:`.sms_survey`), or an
   answer to a follow-up question (:mod:`.followup`) — whichever the number was asked last;
4. otherwise a concern: the keyword classifier proposes its category and finds its
   municipality (:mod:`.classifier`); the reporter gets the reference number. A message that
   names no municipality is kept unlinked and the sender is asked to name the village; their
   next message within a day is read together with it.

A concern from SMS or Telegram is anonymous: the sender's number or chat is kept only as its
reply address, never shown, and deleted when the concern closes (after the follow-up for a
resolved one). A sender who wants to be contacted says so in the text; staff may then record a
contact from the concern's page.

The replies on creation and on status changes are queued by hooks that
:func:`kenesh.consultations.services.concern_create` and ``concern_set_status`` run after their
transaction commits (:func:`concern_created_reply`, :func:`concern_status_reply`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kenesh.consultations.intake import followup, sms_survey
from kenesh.consultations.intake.classifier import classify, guess_language
from kenesh.consultations.intake.outbox import (
    address_forms,
    forget_reporter,
    normalise_address,
    opt_in,
    opt_out,
    outbox_queue,
    reply_target,
)
from kenesh.consultations.models import (
    TEXT_LENGTH,
    Concern,
    ConcernChannel,
    ConcernStatus,
    InboundMessage,
    MessageChannel,
    SmsSurveySession,
)
from kenesh.consultations.services import concern_create

STOP_WORDS = frozenset({"stop", "стоп", "токто", "/stop", "unsubscribe"})
START_WORDS = frozenset({"start", "старт", "баштоо", "/start"})
# Earlier messages without a place that a message naming one completes.
PLACE_WAIT = dt.timedelta(hours=24)
PLACE_MESSAGES = 5


def command_of(text: str) -> str:
    """``"stop"``, ``"start"`` or ``""``: the whole message, trimmed, in any case, one of the
    words (Telegram's ``/start@BotName`` too)."""
    word = text.strip().casefold()
    word = re.sub(r"@\w+$", "", word).strip(" .!")
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return ""


@dataclass(frozen=True)
class Received:
    """What became of one delivered message."""

    result: str  # duplicate, stopped, started, survey, follow_up, concern, unplaced
    concern: Concern | None = None


def welcome_text() -> str:
    """The welcome of Telegram's /start (and of START), in Kyrgyz and Russian both: the
    sender's language is not known yet."""
    parts = []
    for language in ("ky", "ru"):
        with translation.override(language):
            parts.append(
                _(
                    "Welcome to Kenesh. Write what worries you about safety where you live, and "
                    "name your village. You will get a reference number. Send STOP to receive "
                    "no more messages."
                )
            )
    return "\n\n".join(parts)


@transaction.atomic
def message_receive(
    *,
    channel: str,
    message_id: str,
    sender: str,
    text: str,
    received_at: dt.datetime | None = None,
    language_hint: str = "",
    now: dt.datetime | None = None,
) -> Received:
    """Take one message a gateway delivered (see the module's description). Each delivery is
    stored once (:class:`InboundMessage`, unique by channel and ``message_id``)."""
    now = now or timezone.now()
    received_at = received_at or now
    address = normalise_address(channel, sender)
    try:
        with transaction.atomic():
            inbound = InboundMessage.objects.create(
                channel=channel,
                message_id=message_id,
                sender=address,
                text=text,
                received_at=received_at,
            )
    except IntegrityError:
        return Received("duplicate")

    command = command_of(text)
    if command == "stop":
        opt_out(channel=channel, address=address)
        return Received("stopped")
    if command == "start":
        opt_in(channel=channel, address=address)
        outbox_queue(channel=channel, address=address, text=welcome_text())
        return Received("started")

    if channel == MessageChannel.SMS:
        keyword = sms_survey.survey_by_keyword(text, today=timezone.localdate(now))
        if keyword is not None:
            survey, language = keyword
            sms_survey.survey_start(survey=survey, address=address, language=language)
            return Received("survey")
    session = sms_survey.open_session(address, now=now) if channel == MessageChannel.SMS else None
    asked = followup.pending_follow_up(channel, address)
    answer = followup.answer_of(text) if asked is not None else None
    if session is not None and (
        answer is None
        or asked is None
        or asked.follow_up_sent_at is None
        or session.updated_at >= asked.follow_up_sent_at
    ):
        sms_survey.survey_reply(session=session, text=text)
        return Received("survey")
    if asked is not None and answer is not None:
        inbound.concern = asked  # first: a confirmed concern's number is then forgotten here too
        inbound.save(update_fields=["concern"])
        followup.follow_up_answer(concern=asked, answer=answer, now=now)
        return Received("follow_up", asked)
    return _concern_from(inbound, channel=channel, address=address, language_hint=language_hint)


def _awaiting_place(inbound: InboundMessage) -> list[InboundMessage]:
    """The sender's earlier messages of the last day that named no place and became nothing
    (not a command, not a survey answer), oldest first."""
    earlier = InboundMessage.objects.filter(
        channel=inbound.channel,
        sender=inbound.sender,
        concern__isnull=True,
        received_at__gte=inbound.received_at - PLACE_WAIT,
        received_at__lte=inbound.received_at,
    ).exclude(pk=inbound.pk)
    last_survey = (
        SmsSurveySession.objects.filter(address__in=address_forms(inbound.sender))
        .order_by("-updated_at")
        .values_list("updated_at", flat=True)
        .first()
    )
    if last_survey is not None:
        earlier = earlier.filter(received_at__gt=last_survey)
    kept = [
        message
        for message in earlier.order_by("received_at", "pk")
        if not command_of(message.text) and not message.text.strip().isdigit()
    ]
    return kept[-PLACE_MESSAGES:]


def _concern_from(
    inbound: InboundMessage, *, channel: str, address: str, language_hint: str
) -> Received:
    earlier = _awaiting_place(inbound)
    text = "\n".join([*(message.text for message in earlier), inbound.text])[:TEXT_LENGTH]
    suggestion = classify(text, language_hint=language_hint)
    if suggestion.unit is None:
        language = guess_language(text, hint=language_hint)
        with translation.override(language):
            ask = _(
                "Kenesh: we received your message. Please send the name of your village (and "
                "of your aiyl aimak) so that we can pass it on."
            )
        outbox_queue(channel=channel, address=address, text=ask)
        return Received("unplaced")
    concern = concern_create(
        actor=None,
        data={
            "unit": suggestion.unit,
            "settlement": suggestion.settlement,
            "text": text,
            "channel": ConcernChannel(channel),
            "received_at": earlier[0].received_at if earlier else inbound.received_at,
            "anonymous": True,
            "reply_channel": channel,
            "reply_address": address,
            "language": suggestion.language,
            "suggested_category_id": suggestion.category,
        },
    )
    InboundMessage.objects.filter(pk__in=[inbound.pk, *(m.pk for m in earlier)]).update(
        concern=concern
    )
    return Received("concern", concern)


# Replies to reporters: run after the concern's transaction commits ---------------------------


def _status_text(concern: Concern, status: str) -> str:
    reference = {"reference": concern.display_reference}
    if status == ConcernStatus.ACKNOWLEDGED:
        return _("Kenesh: your concern %(reference)s has been taken up by the working group.") % (
            reference
        )
    if status == ConcernStatus.IN_PLAN:
        return (
            _("Kenesh: your concern %(reference)s is now part of the local crime prevention plan.")
            % reference
        )
    if status == ConcernStatus.RESOLVED:
        return _("Kenesh: your concern %(reference)s has been marked resolved.") % reference
    if status == ConcernStatus.NOT_ACTIONABLE:
        return _(
            "Kenesh: the working group cannot act on your concern %(reference)s: %(reason)s"
        ) % {**reference, "reason": concern.status_reason[:300]}
    return ""


@transaction.atomic
def concern_created_reply(*, concern_id: int) -> None:
    """Send the reporter the reference number of their new concern, where they can be reached
    (an SMS or Telegram reply address, or a phone number in the contact)."""
    concern = Concern.objects.filter(pk=concern_id).first()
    if concern is None:
        return
    target = reply_target(concern)
    if target is None:
        return
    with translation.override(concern.language or "ky"):
        text = _(
            "Kenesh: your concern has been received. Its reference number is %(reference)s. "
            "Send STOP to receive no more messages."
        ) % {"reference": concern.display_reference}
    outbox_queue(channel=target[0], address=target[1], text=text, concern=concern)


@transaction.atomic
def concern_status_reply(*, concern_id: int, status: str, previous: str) -> None:
    """Tell the reporter that their concern moved to ``status`` (acknowledged, in plan, resolved,
    not actionable), in the concern's language. A reopening that the reporter's own follow-up
    answer caused is not announced again (the follow-up's thanks says it). A concern found not
    actionable is closed for good: its anonymous reporter's number is then forgotten."""
    concern = Concern.objects.filter(pk=concern_id).first()
    if concern is None or concern.status != status:
        return  # gone, or changed again since: that change has its own reply
    reopened_by_reporter = (
        previous == ConcernStatus.RESOLVED
        and status == ConcernStatus.ACKNOWLEDGED
        and concern.follow_up_answer == followup.REOPENED
    )
    target = reply_target(concern)
    if target is not None and not reopened_by_reporter:
        with translation.override(concern.language or "ky"):
            text = _status_text(concern, status)
        if text:
            outbox_queue(channel=target[0], address=target[1], text=text, concern=concern)
    if status == ConcernStatus.NOT_ACTIONABLE:
        forget_reporter(concern=concern)
