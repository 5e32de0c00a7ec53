"""Shapes of the concerns API: what goes in, what comes out, which filters apply."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar

from ninja import Schema
from pydantic import Field, StringConstraints

from kenesh.consultations.models import (
    TEXT_LENGTH,
    Concern,
    ConcernChannel,
    ConcernStatus,
    format_reference,
)
from kenesh.core.api import InputSchema, IsoDate, PatchSchema
from kenesh.core.masking import MaskedSchema
from kenesh.core.models import localized_name

SOATE_CODE = r"^[0-9]{1,14}$"
CATEGORY_CODE = r"^[-a-z0-9_]{1,40}$"

Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TEXT_LENGTH)
]


class ConcernOut(MaskedSchema):
    """One concern. The reporter's contact is restricted (``MaskedSchema``): null for everyone
    but the LCPC coordinator and the police of the municipality. The reply address of an SMS or
    Telegram sender is never given."""

    id: int
    reference: str = Field(description="The reporter's reference number, ABCDE-12345")
    unit: str = Field(description="SOATE code of the municipality")
    unit_name: str
    settlement: str | None = Field(description="SOATE code of the settlement")
    settlement_name: str | None
    category: str | None = Field(description="Concern category code")
    category_name: str | None
    suggested_category: str | None = Field(
        description="What the keyword classifier proposed (SMS, Telegram), for staff to confirm"
    )
    text: str
    channel: ConcernChannel
    received_at: dt.datetime
    anonymous: bool
    contact: str | None = Field(description="Restricted: null unless LCPC or police in scope")
    language: str
    public_requested: bool = Field(description="The reporter agrees to publication")
    public: bool = Field(description="The text is shown on the public status page")
    status: ConcernStatus
    status_reason: str
    status_changed_at: dt.datetime
    resolved_at: dt.datetime | None
    merged_into: str | None = Field(description="Reference number of the concern kept")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_reference(obj: Concern) -> str:
        return format_reference(obj.reference)

    @staticmethod
    def resolve_unit(obj: Concern) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj: Concern) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_settlement(obj: Concern) -> str | None:
        return obj.settlement.code if obj.settlement is not None else None

    @staticmethod
    def resolve_settlement_name(obj: Concern) -> str | None:
        return obj.settlement.name if obj.settlement is not None else None

    @staticmethod
    def resolve_category(obj: Concern) -> str | None:
        return obj.category_id

    @staticmethod
    def resolve_category_name(obj: Concern) -> str | None:
        return localized_name(obj.category) if obj.category is not None else None

    @staticmethod
    def resolve_suggested_category(obj: Concern) -> str | None:
        return obj.suggested_category_id

    @staticmethod
    def resolve_merged_into(obj: Concern) -> str | None:
        return format_reference(obj.merged_into.reference) if obj.merged_into else None


class ConcernFilters(Schema):
    unit: str | None = Field(None, pattern=SOATE_CODE, description="SOATE code; units below too")
    category: str | None = Field(None, pattern=CATEGORY_CODE)
    status: ConcernStatus | None = None
    channel: ConcernChannel | None = None
    date_from: IsoDate | None = Field(None, alias="from", description="Received on or after")
    date_to: IsoDate | None = Field(None, alias="to", description="Received on or before")


#: Channels a concern can be entered through the API (the public form, SMS and Telegram have
#: their own addresses).
StaffChannel = Annotated[
    ConcernChannel,
    Field(description="phone, staff, meeting or survey"),
]


class ConcernIn(InputSchema):
    unit: str = Field(pattern=SOATE_CODE, description="SOATE code of the municipality")
    text: Text
    category: str | None = Field(None, pattern=CATEGORY_CODE)
    settlement: str | None = Field(None, pattern=SOATE_CODE)
    channel: StaffChannel = ConcernChannel.STAFF
    received_at: dt.datetime | None = None
    anonymous: bool = False
    contact: str = Field("", max_length=200, description="Not kept when anonymous")
    public_requested: bool = False


class ConcernPatch(PatchSchema):
    """A step of the loop. Linking a concern to a plan's intervention is not here yet: plans do
    not exist (docs/concerns.md)."""

    nullable: ClassVar[frozenset[str]] = frozenset({"category"})

    status: ConcernStatus | None = None
    status_reason: str | None = Field(
        None, max_length=TEXT_LENGTH, description="Needed for not_actionable"
    )
    category: str | None = Field(None, pattern=CATEGORY_CODE, description="null clears it")
    public: bool | None = Field(
        None,
        description="Show the text on the public status page: refused (422) unless the "
        "reporter agreed (public_requested)",
    )
    public_checked: bool | None = Field(
        None,
        description="Required true with public=true: the text names no one and holds no "
        "personal data",
    )
