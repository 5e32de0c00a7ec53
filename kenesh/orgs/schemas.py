from __future__ import annotations

import datetime as dt
from typing import ClassVar

from ninja import Schema
from pydantic import Field

from kenesh.core.api import InputSchema, PatchSchema
from kenesh.orgs.models import (
    Membership,
    MemberType,
    Organisation,
    OrganisationKind,
    Person,
    Programme,
    Sex,
    WorkingGroup,
)


class OrganisationOut(Schema):
    id: int
    kind: OrganisationKind
    name: str
    name_ky: str
    name_ru: str
    name_en: str
    unit: str = Field(description="SOATE code of the unit")
    unit_name: str
    address: str
    phone: str
    email: str
    website: str

    @staticmethod
    def resolve_unit(obj: Organisation) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj: Organisation) -> str:
        return obj.unit.name


class OrganisationIn(InputSchema):
    kind: OrganisationKind
    unit: str = Field(max_length=14, description="SOATE code of the unit")
    name_ru: str = Field(min_length=1, max_length=200)
    name_ky: str = Field("", max_length=200)
    name_en: str = Field("", max_length=200)
    address: str = Field("", max_length=300)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    website: str = Field("", max_length=200)


class OrganisationPatch(PatchSchema):
    """A change to an organisation; fields left out stay as they are, none may be null (an
    empty text clears an optional one)."""

    kind: OrganisationKind | None = None
    name_ru: str | None = Field(None, min_length=1, max_length=200)
    name_ky: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    address: str | None = Field(None, max_length=300)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    website: str | None = Field(None, max_length=200)


class WorkingGroupOut(Schema):
    id: int
    unit: str = Field(description="SOATE code of the municipality")
    unit_name: str
    name: str = Field(description="Name in the request's language")
    name_ky: str
    name_ru: str
    name_en: str
    lcpc: int | None = Field(description="Id of the LCPC organisation")
    established_on: dt.date | None
    member_count: int

    @staticmethod
    def resolve_unit(obj: WorkingGroup) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj: WorkingGroup) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_lcpc(obj: WorkingGroup) -> int | None:
        return obj.lcpc_id

    @staticmethod
    def resolve_member_count(obj: WorkingGroup) -> int:
        # The selectors annotate the count; 0 is a count too (not a reason to query per row).
        annotated = getattr(obj, "member_count", None)
        return int(annotated if annotated is not None else obj.memberships.count())


class WorkingGroupIn(InputSchema):
    unit: str = Field(max_length=14, description="SOATE code of the municipality")
    name_ru: str = Field(min_length=1, max_length=200)
    name_ky: str = Field("", max_length=200)
    name_en: str = Field("", max_length=200)
    lcpc: int | None = Field(None, ge=1, le=2**53, description="Id of the LCPC organisation")
    established_on: dt.date | None = None


class WorkingGroupPatch(PatchSchema):
    """A change to a working group; fields left out stay as they are. ``lcpc`` and
    ``established_on`` may be set to null."""

    nullable: ClassVar[frozenset[str]] = frozenset({"lcpc", "established_on"})
    name_ru: str | None = Field(None, min_length=1, max_length=200)
    name_ky: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    lcpc: int | None = Field(None, ge=1, le=2**53)
    established_on: dt.date | None = None


class PersonOut(Schema):
    id: int
    full_name: str
    sex: Sex
    phone: str
    email: str
    position: str
    organisation: int | None

    @staticmethod
    def resolve_organisation(obj: Person) -> int | None:
        return obj.organisation_id


class PersonIn(InputSchema):
    full_name: str = Field(min_length=1, max_length=200)
    sex: Sex = Sex.UNKNOWN
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    position: str = Field("", max_length=200)
    organisation: int | None = Field(None, ge=1, le=2**53)


class MemberOut(Schema):
    id: int
    person: PersonOut
    member_type: MemberType
    role_in_group: str
    valid_from: dt.date | None
    valid_to: dt.date | None

    @staticmethod
    def resolve_person(obj: Membership) -> object:
        return obj.person


class MemberIn(InputSchema):
    person_id: int | None = Field(
        None, ge=1, le=2**53, description="An existing person; or give `person` to create one"
    )
    person: PersonIn | None = None
    member_type: MemberType
    role_in_group: str = Field("", max_length=100)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class MemberPatch(PatchSchema):
    """A change to a membership; fields left out stay as they are. Setting `valid_to` ends
    the membership (the member stays in the group's history)."""

    nullable: ClassVar[frozenset[str]] = frozenset({"valid_from", "valid_to"})

    member_type: MemberType | None = None
    role_in_group: str | None = Field(None, max_length=100)
    valid_from: dt.date | None = Field(None, description="First day; null for an unknown start")
    valid_to: dt.date | None = Field(None, description="Last day; null while it lasts")


class OrganisationFilters(Schema):
    unit: str | None = Field(None, max_length=14, description="Within this unit (SOATE code)")
    kind: OrganisationKind | None = None
    q: str = Field("", max_length=100, description="Name contains")


class WorkingGroupFilters(Schema):
    unit: str | None = Field(None, max_length=14, description="Within this unit (SOATE code)")


class ProgrammeOut(Schema):
    id: int
    name: str = Field(description="Name in the request's language")
    name_ky: str
    name_ru: str
    name_en: str
    donor: int | None = Field(description="Id of the donor organisation")
    partner: int | None = Field(description="Id of the implementing partner organisation")
    start: dt.date
    end: dt.date | None
    municipalities: list[str] = Field(description="SOATE codes of its municipalities")

    @staticmethod
    def resolve_donor(obj: Programme) -> int | None:
        return obj.donor_id

    @staticmethod
    def resolve_partner(obj: Programme) -> int | None:
        return obj.partner_id

    @staticmethod
    def resolve_municipalities(obj: Programme) -> list[str]:
        return sorted(unit.code for unit in obj.municipalities.all())
