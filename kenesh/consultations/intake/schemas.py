"""What the SMS gateway and Telegram send, as the intake reads it. The webhooks parse their
bodies themselves (a malformed one is answered 400 with nothing stored, as gateways expect,
rather than the API's 422), so these are plain pydantic models that ignore fields they do not
know (providers add fields over time)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.utils import timezone
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from kenesh.consultations.models import TEXT_LENGTH


def _text(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


Identifier = Annotated[str, BeforeValidator(_text), Field(min_length=1, max_length=100)]


class SmsIn(BaseModel):
    """One SMS the gateway received: form-encoded or JSON."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    message_id: Identifier = Field(description="The gateway's id of the message (deduplication)")
    sender: str = Field(
        alias="from", min_length=1, max_length=40, description="The sender's phone number"
    )
    text: str = Field(min_length=1, max_length=TEXT_LENGTH)
    received_at: dt.datetime | None = Field(
        None, description="When the gateway received it: ISO 8601 or seconds since 1970"
    )

    @field_validator("text", "sender")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip() or "\x00" in value:
            raise ValueError("empty or not text")
        return value

    @field_validator("received_at")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value


class TelegramChat(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    type: str = "private"


class TelegramUser(BaseModel):
    model_config = ConfigDict(extra="ignore")

    language_code: str = ""


class TelegramMessage(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    message_id: int
    chat: TelegramChat
    date: int
    text: str | None = Field(None, max_length=TEXT_LENGTH)
    sender: TelegramUser | None = Field(None, alias="from")


class TelegramUpdate(BaseModel):
    """A Telegram Bot API ``Update``; only ``message`` is read, other kinds are ignored."""

    model_config = ConfigDict(extra="ignore")

    update_id: int
    message: TelegramMessage | None = None


class IntakeOut(BaseModel):
    result: str = Field(
        description=(
            "What became of the message: concern, unplaced (asked for the village), survey, "
            "follow_up, stopped, started, duplicate, ignored"
        )
    )
