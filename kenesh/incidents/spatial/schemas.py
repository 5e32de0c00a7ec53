"""Schemas of the spatial analysis API: hot spots (GeoJSON) and the near-repeat (Knox) table."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, Self

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from kenesh.core.api import IsoDate
from kenesh.core.dates import EARLIEST_DATE
from kenesh.core.disclosure import MIN_AGGREGATE_CELL_M
from kenesh.incidents.categories import Category
from kenesh.incidents.spatial.selectors import (
    CELL_M_DEFAULT,
    CELL_M_MAX,
    CELL_M_MIN,
    PERMUTATIONS_DEFAULT,
    PERMUTATIONS_MAX,
)

DEFAULT_SPACE_EDGES = "0,100,200,400,800,1600"
DEFAULT_TIME_EDGES = "0,7,14,21,28,35"


class _PeriodFilters(Schema):
    unit: str = Field(max_length=14, description="SOATE code of the unit to analyse")
    date_from: IsoDate | None = Field(
        None,
        alias="from",
        description=f"First day of the period (occurred on, inclusive; {EARLIEST_DATE} or later)",
    )
    date_to: IsoDate | None = Field(
        None,
        alias="to",
        description=f"Last day of the period (occurred on, inclusive; {EARLIEST_DATE} or later)",
    )
    category: Category | None = Field(None, description="Prevention category")

    @model_validator(mode="after")
    def _period_in_order(self) -> Self:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise PydanticCustomError(
                "date_order", str(_("The start of the period must not be after its end."))
            )
        return self


class HotspotFilters(_PeriodFilters):
    cell_m: int | None = Field(
        None,
        ge=CELL_M_MIN,
        le=CELL_M_MAX,
        description=f"Side of a grid cell in metres ({CELL_M_MIN} to {CELL_M_MAX}); by default "
        f"{CELL_M_DEFAULT}, or {int(MIN_AGGREGATE_CELL_M)}, the least aggregate-only access "
        "may ask for (docs/privacy.md)",
    )


class NearRepeatFilters(_PeriodFilters):
    space_edges: str = Field(
        DEFAULT_SPACE_EDGES,
        max_length=200,
        description="Distance band edges in metres, comma-separated, increasing from 0 or more",
    )
    time_edges: str = Field(
        DEFAULT_TIME_EDGES,
        max_length=200,
        description=(
            "Time band edges in whole days, comma-separated, increasing from 0 or more; a band "
            "[a, b) holds pairs a to b - 1 days apart"
        ),
    )
    permutations: int = Field(
        PERMUTATIONS_DEFAULT,
        ge=1,
        le=PERMUTATIONS_MAX,
        description="Monte Carlo permutations of the times (seed fixed at 0: reproducible)",
    )


class GeometryOut(Schema):
    type: str = Field(description="Polygon or MultiPolygon")
    coordinates: list[Any] = Field(description="Rings of [longitude, latitude] positions")


class FeatureOut(Schema):
    type: Literal["Feature"]
    geometry: GeometryOut
    properties: dict[str, Any] = Field(
        description=(
            'kind "unit" (code, name) or "cell" (row, col, count, suppressed, gi_z, p, q: the '
            "Benjamini–Hochberg adjusted p, class: -3 to 3 for cold/hot at 99/95/90 %, label: the "
            "class in words, count_text: the count in words, reading: what the class means for "
            "the cell, all in the request's language). "
            "For aggregate-only access a count from 1 to 4 (or one that would give such a count "
            'back) is null with "suppressed": true, and gi_z, p and q are null'
        )
    )


class GridOut(Schema):
    epsg: int = Field(description="EPSG code of the UTM zone of the grid")
    cell_m: float
    x_min_m: float = Field(description="UTM easting of the south-west corner of cell (0, 0)")
    y_min_m: float = Field(description="UTM northing of the south-west corner of cell (0, 0)")
    n_rows: int
    n_cols: int


class HotspotsOut(Schema):
    type: Literal["FeatureCollection"]
    features: list[FeatureOut]
    unit: str
    cell_m: int
    detail: Literal["restricted", "read", "aggregate", "public"] = Field(
        description="Your level of detail over the unit (docs/privacy.md)"
    )
    date_from: dt.date | None = Field(
        description="First day counted: the first of its month for aggregate-only access"
    )
    date_to: dt.date | None = Field(
        description="Last day counted: the last of its month for aggregate-only access"
    )
    mapped: int | None = Field(
        description="Incidents with a location, counted in the cells; null where suppressed"
    )
    mapped_suppressed: bool
    not_mapped: int | None = Field(
        description="Incidents not on the map: without a location, or in a sensitive category "
        "whose point you may not see in cells under 1 km; null where suppressed"
    )
    not_mapped_suppressed: bool
    grid: GridOut | None = Field(description="The study grid; null when nothing is mapped")


class KnoxBandOut(Schema):
    space_from: float = Field(description="Metres, inclusive")
    space_to: float = Field(description="Metres, exclusive")
    time_from: float = Field(description="Whole days apart, inclusive")
    time_to: float = Field(
        description="Whole days apart, exclusive: edges 0 and 7 hold 0 to 6 days"
    )
    space_label: str = Field(description='The distance band in words, e.g. "less than 100 m"')
    time_label: str = Field(
        description='The days the band holds, both inclusive, e.g. "0–6 days" for edges 0 and 7'
    )
    observed: int
    expected: float
    ratio: float | None = Field(description="observed / expected; null where expected is 0")
    p: float
    significant: bool = Field(description="ratio above 1 at p < 0.05")
    reading: str = Field(description="Plain-language reading of a significant band")


class NearRepeatOut(Schema):
    unit: str
    category: str
    events: int = Field(description="Incidents with a location in the test")
    not_mapped: int = Field(description="Incidents without a location, left out")
    permutations: int
    seed: int
    epsg: int | None = Field(description="UTM zone in which distances were measured")
    space_edges_m: list[float]
    time_edges_days: list[float]
    bands: list[KnoxBandOut]
