"""Shapes of the incident register API: what goes in, what comes out, which filters apply."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, ClassVar

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import (
    BeforeValidator,
    Field,
    StringConstraints,
    WithJsonSchema,
    create_model,
    model_validator,
)

from kenesh.core.api import InputSchema, IsoDate, PatchSchema
from kenesh.core.masking import MaskedSchema
from kenesh.incidents.categories import Category
from kenesh.incidents.models import (
    NARRATIVE_LENGTH,
    PEOPLE_FIELDS,
    Context,
    Incident,
    Relationship,
    Status,
)

MAX_COUNT = 32767  # a PositiveSmallIntegerField
ICCS_CODE = r"^[0-9]{2}([0-9]{2}[0-9]{0,2})?$"
SOATE_CODE = r"^[0-9]{1,14}$"


def _count_field(*, patch: bool) -> Any:
    return Field(None if patch else 0, ge=0, le=MAX_COUNT)


# The 36 counts of victims and offenders by sex and age band, as one base class each for the
# output, the new incident and the change (written out 36 times they would hide the rest).
_PeopleOut: type[Schema] = create_model(  # type: ignore[call-overload]
    "PeopleCountsOut", __base__=MaskedSchema, **{name: (int, ...) for name in PEOPLE_FIELDS}
)
_PeopleIn: type[InputSchema] = create_model(  # type: ignore[call-overload]
    "PeopleCountsIn",
    __base__=InputSchema,
    **{name: (int, _count_field(patch=False)) for name in PEOPLE_FIELDS},
)
_PeoplePatch: type[PatchSchema] = create_model(  # type: ignore[call-overload]
    "PeopleCountsPatch",
    __base__=PatchSchema,
    **{name: (int | None, _count_field(patch=True)) for name in PEOPLE_FIELDS},
)


TIME_OF_DAY = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


def _time_of_day(value: Any) -> Any:
    # The register keeps the local time of day: no time zone, no seconds since midnight.
    if isinstance(value, dt.time) or (isinstance(value, str) and re.fullmatch(TIME_OF_DAY, value)):
        return value
    raise ValueError(_("Give the local time of day as HH:MM, without a time zone."))


TimeOfDay = Annotated[
    dt.time,
    BeforeValidator(_time_of_day),
    WithJsonSchema({"type": "string", "pattern": TIME_OF_DAY, "description": "Local, HH:MM"}),
]


EXTERNAL_REF_DESCRIPTION = (
    "The number of the report in the police registration journal. Required and unique within "
    "the municipality (409 when taken): imports recognise incidents by it, so a sheet listing "
    "the same number later reports the incident as already registered instead of adding it twice."
)
# Surrounding spaces are dropped (as in the form and the import), and nothing is left empty.
ExternalRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class IncidentOut(_PeopleOut):  # type: ignore[misc, valid-type]
    """One incident. Masked from the model's declaration (``MaskedSchema``): the restricted
    fields, and the location of an incident in a sensitive category, are null for everyone but
    the police of the municipality."""

    id: int
    unit: str = Field(description="SOATE code of the municipality")
    unit_name: str
    settlement: str | None = Field(description="SOATE code of the settlement")
    settlement_name: str | None
    iccs: str = Field(description="ICCS code (the deepest known)")
    iccs_name: str = Field(description="ICCS category name in the request's language")
    categories: list[Category] = Field(description="Prevention categories derived from the rest")
    occurred_on: dt.date
    occurred_at: str | None = Field(pattern=TIME_OF_DAY, description="Local time, HH:MM:SS")
    reported_on: dt.date
    latitude: float | None = Field(
        description="Null in a sensitive category (domestic violence, ICCS 03) unless police of "
        "the municipality"
    )
    longitude: float | None = Field(description="Null when the latitude is")
    status: Status
    attempted: bool
    context: Context
    alcohol_or_drugs: bool
    relationship: Relationship
    narrative: str | None = Field(description="Restricted: null unless police of the municipality")
    reporter_name: str | None = Field(description="Restricted, like the narrative")
    reporter_contact: str | None = Field(description="Restricted, like the narrative")
    external_ref: str
    victims_total: int
    offenders_total: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_unit(obj: Incident) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj: Incident) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_settlement(obj: Incident) -> str | None:
        return obj.settlement.code if obj.settlement is not None else None

    @staticmethod
    def resolve_settlement_name(obj: Incident) -> str | None:
        return obj.settlement.name if obj.settlement is not None else None

    @staticmethod
    def resolve_occurred_at(obj: Incident) -> str | None:
        return obj.occurred_at.isoformat("seconds") if obj.occurred_at is not None else None

    @staticmethod
    def resolve_iccs(obj: Incident) -> str:
        return str(obj.iccs_id)

    @staticmethod
    def resolve_iccs_name(obj: Incident) -> str:
        return obj.iccs.name

    @staticmethod
    def resolve_categories(obj: Incident) -> list[str]:
        return obj.category_list

    @staticmethod
    def resolve_victims_total(obj: Incident) -> int:
        return obj.people_total("victims")

    @staticmethod
    def resolve_offenders_total(obj: Incident) -> int:
        return obj.people_total("offenders")


class IncidentIn(_PeopleIn):  # type: ignore[misc, valid-type]
    """A new incident. Counts left out are 0; restricted fields are seen only by police."""

    unit: str = Field(pattern=SOATE_CODE, description="SOATE code of the municipality")
    settlement: str | None = Field(
        None, pattern=SOATE_CODE, description="SOATE code of a settlement of the municipality"
    )
    iccs: str = Field(pattern=ICCS_CODE, description="ICCS code, the deepest known")
    occurred_on: IsoDate
    occurred_at: TimeOfDay | None = None
    reported_on: IsoDate
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    status: Status = Status.REGISTERED
    attempted: bool = False
    context: Context = Context.NONE
    alcohol_or_drugs: bool = False
    relationship: Relationship = Relationship.UNKNOWN
    narrative: str = Field("", max_length=NARRATIVE_LENGTH)
    reporter_name: str = Field("", max_length=200)
    reporter_contact: str = Field("", max_length=200)
    external_ref: ExternalRef = Field(description=EXTERNAL_REF_DESCRIPTION)


class IncidentPatch(_PeoplePatch):  # type: ignore[misc, valid-type]
    """A change to an incident; fields left out stay as they are. ``settlement``,
    ``occurred_at``, ``latitude`` and ``longitude`` may be set to null; null elsewhere is
    refused (422). The municipality does not change."""

    nullable: ClassVar[frozenset[str]] = frozenset(
        {"settlement", "occurred_at", "latitude", "longitude"}
    )

    settlement: str | None = Field(None, pattern=SOATE_CODE)
    iccs: str | None = Field(None, pattern=ICCS_CODE)
    occurred_on: IsoDate | None = None
    occurred_at: TimeOfDay | None = None
    reported_on: IsoDate | None = None
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    status: Status | None = None
    attempted: bool | None = None
    context: Context | None = None
    alcohol_or_drugs: bool | None = None
    relationship: Relationship | None = None
    narrative: str | None = Field(None, max_length=NARRATIVE_LENGTH)
    reporter_name: str | None = Field(None, max_length=200)
    reporter_contact: str | None = Field(None, max_length=200)
    external_ref: ExternalRef | None = Field(None, description=EXTERNAL_REF_DESCRIPTION)


class IncidentFilters(Schema):
    unit: str | None = Field(
        None, max_length=14, description="Within this unit or below it (SOATE code)"
    )
    date_from: IsoDate | None = Field(None, alias="from", description="Occurred on or after")
    date_to: IsoDate | None = Field(None, alias="to", description="Occurred on or before")
    iccs: str | None = Field(
        None, pattern=r"^[0-9]{1,6}$", description="ICCS code prefix: 05 for acts against property"
    )
    category: Category | None = Field(None, description="A derived prevention category")
    status: Status | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> IncidentFilters:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(_("The start date lies after the end date."))
        return self
