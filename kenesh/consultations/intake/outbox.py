"""The outbox: every reply to a reporter is a row first (:class:`OutboxMessage`), sent after the
transaction that made it commits, by the sender configured for its channel
(:mod:`kenesh.consultations.intake.senders`), and tried again by a periodic task until it goes or
has failed :data:`MAX_ATTEMPTS` times. A number (or Telegram chat) that sent STOP gets nothing:
its messages are kept as "not sent: opted out".
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from kenesh.consultations.models import (
    Concern,
    InboundMessage,
    MessageChannel,
    OptOut,
    OutboxMessage,
    OutboxStatus,
    SmsSurveySession,
)
from kenesh.consultations.services import forget_reply_address

logger = logging.getLogger("kenesh.intake")

# Tries of one message before it is marked failed (the task runs every few minutes).
MAX_ATTEMPTS = 5
ERROR_LENGTH = 500

# A phone number in a reporter's contact: digits with spaces, dashes, dots or brackets.
_PHONE = re.compile(r"\+?\d[\d\s\-().]{7,}\d")
COUNTRY_PREFIX = "996"  # Kyrgyzstan
NATIONAL_DIGITS = 9  # 555 123 456


def phone_number(text: str) -> str:
    """The first phone number in ``text`` in international form (``+996555123456``), or "".

    A Kyrgyz number written nationally (``0555 123 456``) or without its trunk zero gets the
    country code; a number with ``+`` or ``00`` keeps its own."""
    found = _PHONE.search(text or "")
    if found is None:
        return ""
    raw = found.group(0)
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith(COUNTRY_PREFIX) and len(digits) == len(COUNTRY_PREFIX) + NATIONAL_DIGITS:
        return "+" + digits
    if digits.startswith("0") and len(digits) == NATIONAL_DIGITS + 1:
        return "+" + COUNTRY_PREFIX + digits[1:]
    if len(digits) == NATIONAL_DIGITS:
        return "+" + COUNTRY_PREFIX + digits
    return "+" + digits if len(digits) > NATIONAL_DIGITS else ""


def normalise_address(channel: str, address: str) -> str:
    """An address as Kenesh keeps it: a phone number in international form for SMS (when it is
    one; a gateway's short code or alphanumeric sender stays as given), a chat id for
    Telegram."""
    address = (address or "").strip()
    if channel == MessageChannel.SMS:
        return phone_number(address) or address
    return address


def reply_target(concern: Concern) -> tuple[str, str] | None:
    """Where replies about ``concern`` go: its reply address (an SMS or Telegram sender), else a
    phone number in the reporter's contact (by SMS), else nowhere."""
    if concern.reply_channel and concern.reply_address:
        return concern.reply_channel, concern.reply_address
    phone = phone_number(concern.contact) if concern.contact else ""
    if phone:
        return MessageChannel.SMS, phone
    return None


# Keeping an address without keeping the number ----------------------------------------------

KEY_PREFIX = "#"  # no phone number, short code or chat id starts with it


def address_key(address: str) -> str:
    """A keyed fingerprint of an address (an HMAC with the site's secret key): it tells whether
    a number is one seen before (an opt-out, a survey it answered) without keeping the number.
    Changing ``SECRET_KEY`` forgets which numbers those were."""
    digest = salted_hmac("kenesh.intake.address", address, algorithm="sha256").hexdigest()
    return KEY_PREFIX + digest[:40]


def is_key(address: str) -> bool:
    return address.startswith(KEY_PREFIX)


def address_forms(address: str) -> list[str]:
    """What ``address`` may be stored as: itself, or its key."""
    return [address, address_key(address)]


def masked(address: str) -> str:
    """An address as a log or an error may show it: the last three characters."""
    return "…" + address[-3:] if len(address) > 3 else "…"


def scrubbed(text: str, address: str) -> str:
    """``text`` (a provider's error) with ``address`` masked wherever it appears, with or
    without its ``+``."""
    for form in sorted({address, address.lstrip("+")}, key=len, reverse=True):
        if len(form) > 3:
            text = text.replace(form, masked(form))
    return text


# Opting out ----------------------------------------------------------------------------------


def is_opted_out(channel: str, address: str) -> bool:
    return OptOut.objects.filter(channel=channel, address__in=address_forms(address)).exists()


@transaction.atomic
def opt_out(*, channel: str, address: str) -> None:
    """STOP: nothing is sent to ``address`` again; what is queued for it is not sent, and an
    SMS survey it is answering ends. The opt-out keeps the address's key, not the number."""
    OptOut.objects.get_or_create(channel=channel, address=address_key(address))
    OptOut.objects.filter(channel=channel, address=address).delete()  # kept in clear before
    OutboxMessage.objects.filter(
        channel=channel, address=address, status=OutboxStatus.QUEUED
    ).update(status=OutboxStatus.SUPPRESSED)
    if channel == MessageChannel.SMS:
        from kenesh.consultations.intake.sms_survey import session_close

        for session in SmsSurveySession.objects.filter(address=address, finished=False):
            session_close(session=session)


@transaction.atomic
def opt_in(*, channel: str, address: str) -> bool:
    """START (Telegram's /start): messages may go to ``address`` again. Whether it had
    opted out."""
    deleted, _by_model = OptOut.objects.filter(
        channel=channel, address__in=address_forms(address)
    ).delete()
    return bool(deleted)


# Queueing and sending ----------------------------------------------------------------------


def _kick() -> None:
    from kenesh.consultations.intake.tasks import outbox_send_task

    outbox_send_task.delay()


@transaction.atomic
def outbox_queue(
    *, channel: str, address: str, text: str, concern: Concern | None = None
) -> OutboxMessage:
    """Queue ``text`` for ``address``, to be sent once the transaction commits; kept as "not
    sent: opted out" (and never sent) when the address sent STOP."""
    status = OutboxStatus.SUPPRESSED if is_opted_out(channel, address) else OutboxStatus.QUEUED
    message = OutboxMessage.objects.create(
        channel=channel, address=address, text=text, concern=concern, status=status
    )
    if status == OutboxStatus.QUEUED:
        # robust: a broker that cannot be reached does not fail what was stored; the periodic
        # task sends the message later.
        transaction.on_commit(_kick, robust=True)
    return message


@dataclass(frozen=True)
class OutboxRun:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    suppressed: int = 0


def outbox_send(*, limit: int = 200) -> OutboxRun:
    """Send up to ``limit`` queued messages, oldest first, each with its channel's sender.

    A failure is counted in ``attempts`` with its error; after :data:`MAX_ATTEMPTS` the message
    is marked failed. A message to an address that opted out since it was queued is not sent.
    Each message is claimed in its own transaction (locked on PostgreSQL, skipped by a second
    worker), so two workers never send one twice.
    """
    from kenesh.consultations.intake.senders import sender_for

    counts = {"sent": 0, "failed": 0, "retrying": 0, "suppressed": 0}
    queued = OutboxMessage.objects.filter(status=OutboxStatus.QUEUED).order_by("created_at", "id")
    for pk in list(queued.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=pk, status=OutboxStatus.QUEUED)
                .select_related("concern")
                .first()
            )
            if message is None:
                continue
            if is_opted_out(message.channel, message.address):
                message.status = OutboxStatus.SUPPRESSED
                counts["suppressed"] += 1
            else:
                message.attempts += 1
                try:
                    sender_for(message.channel).send(message)
                except Exception as exc:  # any failure of a provider: kept, tried again
                    # A provider's error may quote the number: never logged or kept in clear.
                    error = scrubbed(f"{type(exc).__name__}: {exc}", message.address)
                    logger.warning("Outbox message %s not sent: %s", message.pk, error)
                    message.error = error[:ERROR_LENGTH]
                    if message.attempts >= MAX_ATTEMPTS:
                        message.status = OutboxStatus.FAILED
                        counts["failed"] += 1
                    else:
                        counts["retrying"] += 1
                else:
                    message.status = OutboxStatus.SENT
                    message.sent_at = timezone.now()
                    message.error = ""
                    counts["sent"] += 1
            if message.status != OutboxStatus.QUEUED and _forgotten(message.concern):
                message.address = ""
            message.save()
    return OutboxRun(**counts)


def _forgotten(concern: Concern | None) -> bool:
    """Whether the concern's reply address was deleted: its messages keep no number either."""
    return concern is not None and concern.anonymous and not concern.reply_address


@transaction.atomic
def forget_reporter(*, concern: Concern) -> None:
    """Delete an anonymous reporter's number everywhere but what is still to be sent: the
    concern's reply address (:func:`kenesh.consultations.services.forget_reply_address`), the
    sender of its messages, and the address of its replies already sent."""
    forget_reply_address(concern=concern)
    if not _forgotten(concern):
        return
    InboundMessage.objects.filter(concern=concern).update(sender="")
    OutboxMessage.objects.filter(concern=concern).exclude(status=OutboxStatus.QUEUED).update(
        address=""
    )
