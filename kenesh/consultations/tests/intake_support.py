"""What the intake's tests share: a signed SMS post, a Telegram update, a village to name."""

from __future__ import annotations

import json
import time
from typing import Any

from django.test import Client

from kenesh.consultations.models import InboundMessage, OptOut, OutboxMessage
from kenesh.core.access import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_for
from kenesh.geo.models import AdministrativeUnit
from kenesh.geo.tests.factories import MunicipalityFactory, SettlementFactory

SMS_SECRET = "sms-gateway-secret-for-tests"
TELEGRAM_SECRET = "telegram-secret-token-for-tests"
SMS_URL = "/api/v1/intake/sms"
TELEGRAM_URL = "/api/v1/intake/telegram"
TOKEN_HEADER = "X-Telegram-Bot-Api-Secret-Token"
NUMBER = "+996555123456"


def signed_headers(
    body: bytes, secret: str = SMS_SECRET, at: float | None = None
) -> dict[str, str]:
    timestamp = str(int(time.time() if at is None else at))
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature_for(secret, timestamp, body),
    }


def post_sms(
    fields: dict[str, Any] | None = None,
    *,
    body: bytes | None = None,
    form: bool = False,
    headers: dict[str, str] | None = None,
    **values: Any,
) -> Any:
    """POST an SMS to the webhook, signed with the test secret unless ``headers`` are given."""
    if body is None:
        data = {"message_id": "m-1", "from": NUMBER, "text": "Hello", **(fields or {}), **values}
        if form:
            from urllib.parse import urlencode

            body = urlencode(data).encode()
        else:
            body = json.dumps(data, ensure_ascii=False).encode()
    content_type = "application/x-www-form-urlencoded" if form else "application/json"
    return Client().post(
        SMS_URL,
        body,
        content_type=content_type,
        headers=signed_headers(body) if headers is None else headers,
    )


def telegram_update(
    text: str, *, chat: int = 777001, message_id: int = 1, update_id: int = 5001, **extra: Any
) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "language_code": "ru"},
            "date": int(time.time()),
            "text": text,
            **extra,
        },
    }


def post_telegram(update: Any, *, token: str | None = TELEGRAM_SECRET) -> Any:
    headers = {TOKEN_HEADER: token} if token is not None else {}
    body = update if isinstance(update, bytes) else json.dumps(update, ensure_ascii=False)
    return Client().post(TELEGRAM_URL, body, content_type="application/json", headers=headers)


def village(**names: str) -> AdministrativeUnit:
    """A village Сынак-Булуң (ru Сынак-Булун, en Synak-Bulun) in a municipality of its own
    (invented names: the test database holds the demo's geography, with a real Ак-Булуң)."""
    municipality = MunicipalityFactory.create(
        name_ky="Сынак-Булуң айыл аймагы",
        name_ru="Сынак-Булунский айылный аймак",
        name_en="Synak-Bulun Aiyl Aimak",
    )
    values = {
        "name_ky": "Сынак-Булуң",
        "name_ru": "Сынак-Булун",
        "name_en": "Synak-Bulun",
        **names,
    }
    return SettlementFactory.create(parent=municipality, **values)


def stored() -> tuple[int, int, int, int]:
    """Counts of what a webhook can store: messages, concerns made of messages (the demo's
    concerns are in the test database), replies, opt-outs."""
    from kenesh.consultations.models import Concern

    return (
        InboundMessage.objects.count(),
        Concern.objects.filter(messages__isnull=False).distinct().count(),
        OutboxMessage.objects.count(),
        OptOut.objects.count(),
    )
