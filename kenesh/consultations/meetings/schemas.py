"""Shapes of the meetings API: the meeting with its attendance as one nested object, its
organisers and its attachments (with the address each is downloaded from)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field, create_model, model_validator

from kenesh.consultations.models import (
    ATTENDANCE_BANDS,
    ATTENDANCE_SEXES,
    TEXT_LENGTH,
    Meeting,
    MeetingAttachment,
    MeetingKind,
)
from kenesh.core.api import InputSchema, IsoDate, PatchSchema
from kenesh.core.masking import MaskedSchema

SOATE_CODE = r"^[0-9]{1,14}$"
MAX_ATTENDANCE = 100_000
OrganisationId = Annotated[int, Field(ge=1, le=2**53)]


def _band_field(*, patch: bool) -> Any:
    return Field(None if patch else 0, ge=0, le=MAX_ATTENDANCE)


#: Counts by age band of one sex: {"under_18": 0, "18_29": 3, "30_59": 12, "60_plus": 4}.
BandsOut: type[Schema] = create_model(  # type: ignore[call-overload]
    "AttendanceBandsOut", __base__=Schema, **{band: (int, ...) for band in ATTENDANCE_BANDS}
)
BandsIn: type[InputSchema] = create_model(  # type: ignore[call-overload]
    "AttendanceBandsIn",
    __base__=InputSchema,
    **{band: (int, _band_field(patch=False)) for band in ATTENDANCE_BANDS},
)


class AttendanceOut(Schema):
    female: BandsOut  # type: ignore[valid-type]
    male: BandsOut  # type: ignore[valid-type]
    total: int


class AttendanceIn(InputSchema):
    """Counts by sex, then age band; a band left out is 0. In a change, a sex left out keeps
    its counts and a sex given is given whole (its bands left out are 0)."""

    female: BandsIn | None = None  # type: ignore[valid-type]
    male: BandsIn | None = None  # type: ignore[valid-type]


def attendance_of(meeting: Meeting) -> dict[str, Any]:
    out: dict[str, Any] = {
        sex: {band: int(getattr(meeting, f"attended_{sex}_{band}")) for band in ATTENDANCE_BANDS}
        for sex in ATTENDANCE_SEXES
    }
    out["total"] = meeting.attendance
    return out


def attendance_fields(attendance: AttendanceIn) -> dict[str, int]:
    """The model's count fields of the sexes given."""
    fields: dict[str, int] = {}
    for sex in ATTENDANCE_SEXES:
        bands = getattr(attendance, sex)
        if bands is None:
            continue
        for band in ATTENDANCE_BANDS:
            fields[f"attended_{sex}_{band}"] = int(getattr(bands, band))
    return fields


class OrganiserOut(Schema):
    id: int
    name: str
    unit: str = Field(description="SOATE code of the organisation's unit")

    @staticmethod
    def resolve_unit(obj: Any) -> str:
        return str(obj.unit.code)


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str = Field(description="Found from the file's content when it was attached")
    size: int = Field(description="Bytes")
    uploaded_at: dt.datetime
    download: str = Field(description="The API address the file is downloaded from")

    @staticmethod
    def resolve_download(obj: MeetingAttachment) -> str:
        return reverse(
            "api:meeting_attachment",
            kwargs={"meeting_id": obj.meeting_id, "attachment_id": obj.pk},
        )


class MeetingOut(MaskedSchema):
    id: int
    unit: str = Field(description="SOATE code of the municipality")
    unit_name: str
    settlement: str | None = Field(description="SOATE code of the settlement")
    settlement_name: str | None
    held_on: dt.date
    kind: MeetingKind
    title: str
    organisers: list[OrganiserOut]
    attendance: AttendanceOut
    decisions: str
    minutes: str
    attachments: list[AttachmentOut]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_unit(obj: Meeting) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj: Meeting) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_settlement(obj: Meeting) -> str | None:
        return obj.settlement.code if obj.settlement is not None else None

    @staticmethod
    def resolve_settlement_name(obj: Meeting) -> str | None:
        return obj.settlement.name if obj.settlement is not None else None

    @staticmethod
    def resolve_organisers(obj: Meeting) -> list[Any]:
        return list(obj.organisers.all())

    @staticmethod
    def resolve_attendance(obj: Meeting) -> dict[str, Any]:
        return attendance_of(obj)

    @staticmethod
    def resolve_attachments(obj: Meeting) -> list[Any]:
        return list(obj.attachments.all())


class MeetingIn(InputSchema):
    """A meeting held in a municipality. Attendance counts left out are 0."""

    unit: str = Field(pattern=SOATE_CODE, description="SOATE code of the municipality")
    settlement: str | None = Field(
        None, pattern=SOATE_CODE, description="SOATE code of a settlement of the municipality"
    )
    held_on: IsoDate
    kind: MeetingKind
    title: str = Field("", max_length=200)
    organisers: list[OrganisationId] = Field(
        [],
        max_length=100,
        description="Ids of organisations at the municipality, below it or above it",
    )
    attendance: AttendanceIn = Field(default_factory=AttendanceIn)
    decisions: str = Field("", max_length=TEXT_LENGTH)
    minutes: str = Field("", max_length=50_000)


class MeetingPatch(PatchSchema):
    """A change to a meeting; fields left out stay as they are. ``settlement`` may be set to
    null. The municipality does not change."""

    nullable: ClassVar[frozenset[str]] = frozenset({"settlement"})

    settlement: str | None = Field(None, pattern=SOATE_CODE)
    held_on: IsoDate | None = None
    kind: MeetingKind | None = None
    title: str | None = Field(None, max_length=200)
    organisers: list[OrganisationId] | None = Field(None, max_length=100)
    attendance: AttendanceIn | None = None
    decisions: str | None = Field(None, max_length=TEXT_LENGTH)
    minutes: str | None = Field(None, max_length=50_000)


class MeetingFilters(Schema):
    unit: str | None = Field(
        None, max_length=14, description="Within this unit or below it (SOATE code)"
    )
    kind: MeetingKind | None = None
    date_from: IsoDate | None = Field(None, alias="from", description="Held on or after")
    date_to: IsoDate | None = Field(None, alias="to", description="Held on or before")

    @model_validator(mode="after")
    def _dates_in_order(self) -> MeetingFilters:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(_("The start date lies after the end date."))
        return self
