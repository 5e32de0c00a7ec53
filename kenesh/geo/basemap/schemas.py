"""Schemas of the basemap API."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Schema
from pydantic import Field


class BasemapQuery(Schema):
    # Optional for the schema, required by the operation: permission is checked first.
    bbox: str = Field(
        "",
        max_length=100,
        description="west,south,east,north in degrees (longitude, latitude), at most 3° a side",
    )


class BasemapFeatureOut(Schema):
    type: Literal["Feature"]
    geometry: dict[str, Any] = Field(description="GeoJSON geometry in longitude, latitude")
    properties: dict[str, Any] = Field(
        description="kind (settlement, road, boundary, water, landmark), name (in the request's "
        "language where the layer gives one), layer, synthetic"
    )


class BasemapLayerOut(Schema):
    name: str
    title: str
    source: str
    synthetic: bool = Field(description="Invented places (the demo): not real")


class BasemapOut(Schema):
    type: Literal["FeatureCollection"]
    features: list[BasemapFeatureOut]
    layers: list[BasemapLayerOut]
    truncated: bool = Field(description="More features met the extent than one answer carries")
