from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from kenesh.geo.models import AdministrativeUnit

LevelName = Literal["country", "oblast", "rayon", "municipality", "settlement"]


class UnitOut(Schema):
    code: str = Field(description="SOATE code, 14 digits")
    iso_code: str = Field(description="ISO 3166-2 code (oblasts only)")
    level: LevelName
    kind: str
    name: str = Field(description="Name in the request's language")
    name_ky: str
    name_ru: str
    name_en: str
    parent: str | None = Field(description="SOATE code of the parent unit")
    latitude: float | None
    longitude: float | None
    valid_from: dt.date | None
    valid_to: dt.date | None

    @staticmethod
    def resolve_parent(obj: AdministrativeUnit) -> str | None:
        codes = obj.ancestor_codes
        return codes[-1] if codes else None


class PopulationOut(Schema):
    year: int
    population: int


class LivestockOut(Schema):
    year: int
    species: str
    heads: int


class UnitDetailOut(UnitOut):
    boundary: dict[str, Any] | None = Field(description="GeoJSON Polygon or MultiPolygon")
    population: list[PopulationOut]
    livestock: list[LivestockOut]

    @staticmethod
    def resolve_population(obj: AdministrativeUnit) -> list[Any]:
        return list(obj.population_counts.order_by("year"))

    @staticmethod
    def resolve_livestock(obj: AdministrativeUnit) -> list[Any]:
        return list(obj.livestock_counts.order_by("year", "species"))


class UnitFilters(Schema):
    level: LevelName | None = Field(None, description="Only units at this level")
    parent: str | None = Field(
        None, max_length=14, description="Only the direct children of this SOATE code"
    )
