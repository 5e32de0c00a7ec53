"""Shapes of the public concerns API (no login)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from kenesh.consultations.concerns.schemas import CATEGORY_CODE, SOATE_CODE, Text
from kenesh.consultations.models import ConcernStatus
from kenesh.core.api import InputSchema


class PublicConcernIn(InputSchema):
    unit: str = Field(pattern=SOATE_CODE, description="SOATE code of the municipality")
    text: Text
    category: str | None = Field(None, pattern=CATEGORY_CODE)
    settlement: str | None = Field(None, pattern=SOATE_CODE)
    anonymous: bool = False
    contact: str = Field("", max_length=200, description="Not kept when anonymous")
    public_requested: bool = Field(False, description="The text may be shown publicly")


class ReferenceOut(Schema):
    reference: str = Field(description="The reference number to follow the concern with")
    status_url: str = Field(description="The public status page of the concern")


class PublicStepOut(Schema):
    status: ConcernStatus
    on: dt.date


class PublicKeptOut(Schema):
    """Where the concern a duplicate was merged with stands: status and dates only."""

    status: ConcernStatus
    received_on: dt.date
    history: list[PublicStepOut] = Field(description="Each status and the day it was reached")


class PublicConcernOut(Schema):
    """Where a concern stands: no personal data; the text only once moderation made it
    public."""

    reference: str
    unit: str = Field(description="SOATE code of the municipality")
    unit_name: str
    category_name: str | None
    status: ConcernStatus
    received_on: dt.date
    history: list[PublicStepOut] = Field(description="Each status and the day it was reached")
    text: str | None = Field(description="null unless the text is shown publicly")
    kept: PublicKeptOut | None = Field(
        description="For a duplicate merged with another concern about the same problem: "
        "where that one stands (status and dates; never its reference nor its text); "
        "null otherwise"
    )

    @staticmethod
    def resolve_unit(obj: object) -> str:
        return str(getattr(obj, "unit_code", ""))
