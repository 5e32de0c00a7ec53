"""Senders of the outbox: what delivers a reply by SMS or Telegram.

A sender has one method, ``send(message)``, which delivers the message or raises. The outbox
(:func:`kenesh.consultations.intake.services.outbox_send`) keeps the attempts and the error and
tries again later. Which sender serves a channel is a setting (a dotted path):
``KENESH_SMS_SENDER`` and ``KENESH_TELEGRAM_SENDER``; the default, :class:`ConsoleSender`, prints
the message (the demo's, and a way to see replies in development).
"""

from __future__ import annotations

import json
import logging
import sys
import time
import urllib.request
from functools import cache
from typing import IO, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from kenesh.consultations.intake.outbox import masked
from kenesh.consultations.models import MessageChannel, OutboxMessage
from kenesh.core.access import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_for

logger = logging.getLogger("kenesh.intake")

# How long a provider's HTTP answer may take, in seconds.
HTTP_TIMEOUT_S = 15


class Sender(Protocol):
    def send(self, message: OutboxMessage) -> None:
        """Deliver ``message`` or raise: the error is kept and the send tried again."""


class ConsoleSender:
    """Prints each message (the number masked) instead of sending it: the demo's sender."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream

    def send(self, message: OutboxMessage) -> None:
        stream = self.stream or sys.stdout
        stream.write(f"[{message.channel} to {masked(message.address)}] {message.text}\n")
        stream.flush()


def _post_json(url: str, body: bytes, headers: dict[str, str]) -> bytes:
    """POST a JSON ``body``; the answer's body (an HTTP error status raises)."""
    if not url.startswith(("https://", "http://")):
        raise ImproperlyConfigured(f"Not an HTTP address: {url[:40]}")
    headers = {"Content-Type": "application/json", **headers}
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as answer:  # noqa: S310
        data: bytes = answer.read()
        return data


class HttpSmsSender:
    """Posts ``{"id", "to", "text"}`` as JSON to ``KENESH_SMS_SEND_URL``, signed as the gateway
    signs what it sends us (``X-Kenesh-Timestamp``, ``X-Kenesh-Signature`` with
    ``KENESH_SMS_SECRET``). A 2xx answer is delivery; anything else raises."""

    def send(self, message: OutboxMessage) -> None:
        url = settings.KENESH_SMS_SEND_URL
        secret = settings.KENESH_SMS_SECRET
        if not url or not secret:
            raise ImproperlyConfigured("KENESH_SMS_SEND_URL and KENESH_SMS_SECRET are needed.")
        payload = {"id": message.pk, "to": message.address, "text": message.text}
        body = json.dumps(payload, ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        signature = signature_for(secret, timestamp, body)
        _post_json(url, body, {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature})


class TelegramSender:
    """Sends through the Telegram Bot API's ``sendMessage`` with ``KENESH_TELEGRAM_BOT_TOKEN``."""

    api = "https://api.telegram.org"

    def send(self, message: OutboxMessage) -> None:
        token = settings.KENESH_TELEGRAM_BOT_TOKEN
        if not token:
            raise ImproperlyConfigured("KENESH_TELEGRAM_BOT_TOKEN is needed.")
        answer = json.loads(
            _post_json(
                f"{self.api}/bot{token}/sendMessage",
                json.dumps({"chat_id": message.address, "text": message.text}).encode(),
                {},
            )
        )
        if not answer.get("ok"):
            raise RuntimeError(str(answer.get("description", "Telegram refused the message")))


SENDER_SETTINGS = {
    MessageChannel.SMS: "KENESH_SMS_SENDER",
    MessageChannel.TELEGRAM: "KENESH_TELEGRAM_SENDER",
}


@cache
def _sender(path: str) -> Sender:
    sender: Sender = import_string(path)()
    return sender


def sender_for(channel: str) -> Sender:
    """The sender configured for ``channel`` (the console for the console channel)."""
    setting = SENDER_SETTINGS.get(MessageChannel(channel))
    path = getattr(settings, setting, "") if setting else ""
    if not path:
        return ConsoleSender()
    return _sender(path)
