"""The webhooks of the SMS gateway and the Telegram bot (docs/intake.md).

``POST /api/v1/intake/sms``: signed with ``KENESH_SMS_SECRET`` (``X-Kenesh-Timestamp``,
``X-Kenesh-Signature``, ADR 0008). ``POST /api/v1/intake/telegram``: Telegram's
``X-Telegram-Bot-Api-Secret-Token`` equal to ``KENESH_TELEGRAM_SECRET``. Without the header 401;
a wrong or expired one 403; a body that is not a message 400; in each case nothing is stored.
A message delivered again (same id) answers 200 and stores nothing new.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, TypeVar

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

from kenesh.consultations.intake.schemas import IntakeOut, SmsIn, TelegramUpdate
from kenesh.consultations.intake.services import message_receive
from kenesh.consultations.models import MessageChannel
from kenesh.core.access import (
    SecretTokenRequest,
    SignedRequest,
    api_access,
    signed,
    signed_by_token,
)
from kenesh.core.api import ErrorOut, error_message

router = Router(tags=["consultations"])
M = TypeVar("M", bound=BaseModel)

TELEGRAM_TOKEN_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# A gateway's clock may be wrong; a time outside these bounds is not a time it received a message.
EARLIEST_MESSAGE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
FUTURE_TOLERANCE = dt.timedelta(days=1)

WEBHOOK_RESPONSES: dict[int, Any] = {
    200: IntakeOut,
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
}


class MalformedBody(ValueError):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("malformed")
        self.errors = errors


def _bad(errors: list[dict[str, Any]]) -> Status[dict[str, Any]]:
    return Status(400, {"detail": _("The message is not valid."), "errors": errors})


def _body_error(message: str, kind: str) -> MalformedBody:
    return MalformedBody([{"loc": ["body"], "msg": message, "type": kind}])


def _raw(request: HttpRequest) -> dict[str, Any]:
    """The body as a dict: JSON, or form fields (``application/x-www-form-urlencoded``)."""
    content_type = request.content_type or ""
    if content_type == "application/x-www-form-urlencoded":
        return {key: request.POST.get(key) for key in request.POST}
    try:
        data = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        raise _body_error(_("Enter a valid JSON."), "json_invalid") from None
    if not isinstance(data, dict):
        raise _body_error(_("Give a JSON object."), "model_type")
    return data


def _parse(request: HttpRequest, model: type[M]) -> M:
    try:
        return model.model_validate(_raw(request))
    except PydanticError as exc:
        raise MalformedBody(
            [
                {
                    "loc": ["body", *(str(part) for part in error["loc"])],
                    "msg": error_message(dict(error)),
                    "type": error["type"],
                }
                for error in exc.errors()
            ]
        ) from None


def _received_at(value: dt.datetime | None, field: str) -> dt.datetime | None:
    if value is None:
        return None
    if not EARLIEST_MESSAGE <= value <= timezone.now() + FUTURE_TOLERANCE:
        raise MalformedBody(
            [
                {
                    "loc": ["body", field],
                    "msg": _("The time is not one at which the message can have come."),
                    "type": "datetime_out_of_range",
                }
            ]
        )
    return value


def _from_timestamp(seconds: int) -> dt.datetime:
    """Telegram's ``date`` (seconds since 1970); one no calendar has is the earliest time,
    which the bounds check refuses as any other impossible time."""
    try:
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return dt.datetime.min.replace(tzinfo=dt.UTC)


# The SMS gateway's webhook (signed): anyone who holds the secret, that is the gateway.
@router.post(
    "/sms",
    auth=SignedRequest("KENESH_SMS_SECRET"),
    response=WEBHOOK_RESPONSES,
    operation_id="intake_sms",
    summary="An SMS the gateway received",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                media: {"schema": SmsIn.model_json_schema(by_alias=True)}
                for media in ("application/json", "application/x-www-form-urlencoded")
            },
        }
    },
)
@api_access(signed("KENESH_SMS_SECRET"))
def intake_sms(request: HttpRequest) -> Any:
    try:
        sms = _parse(request, SmsIn)
        received_at = _received_at(sms.received_at, "received_at")
    except MalformedBody as exc:
        return _bad(exc.errors)
    result = message_receive(
        channel=MessageChannel.SMS,
        message_id=sms.message_id,
        sender=sms.sender,
        text=sms.text,
        received_at=received_at,
    )
    return {"result": result.result}


# Telegram's webhook: Telegram sends the secret token given to setWebhook in a header.
@router.post(
    "/telegram",
    auth=SecretTokenRequest("KENESH_TELEGRAM_SECRET", TELEGRAM_TOKEN_HEADER),
    response=WEBHOOK_RESPONSES,
    operation_id="intake_telegram",
    summary="An update from the Telegram bot",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": TelegramUpdate.model_json_schema()}},
        }
    },
)
@api_access(signed_by_token("KENESH_TELEGRAM_SECRET", TELEGRAM_TOKEN_HEADER))
def intake_telegram(request: HttpRequest) -> Any:
    try:
        update = _parse(request, TelegramUpdate)
    except MalformedBody as exc:
        return _bad(exc.errors)
    message = update.message
    # Edits, button presses, group chats, photos without a caption: nothing to take in (Telegram
    # must still hear 200, or it sends the update again).
    if message is None or message.chat.type != "private" or not (message.text or "").strip():
        return {"result": "ignored"}
    try:
        sent_at = _received_at(_from_timestamp(message.date), "message.date")
    except MalformedBody as exc:
        return _bad(exc.errors)
    result = message_receive(
        channel=MessageChannel.TELEGRAM,
        # Telegram numbers messages per chat.
        message_id=f"{message.chat.id}:{message.message_id}",
        sender=str(message.chat.id),
        text=message.text or "",
        received_at=sent_at,
        language_hint=message.sender.language_code if message.sender else "",
    )
    return {"result": result.result}
