"""Schemas of the priorities API."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from kenesh.core.api import InputSchema, IsoDate

ComponentStatus = Literal["ok", "missing", "suppressed", "not_applicable"]


class MatrixQuery(Schema):
    model_config = ConfigDict(populate_by_name=True)

    unit: str = Field(..., max_length=14, description="A municipality's SOATE code")
    date_from: IsoDate | None = Field(
        None, alias="from", description="First day (its whole month counts); default 12 months ago"
    )
    date_to: IsoDate | None = Field(
        None,
        alias="to",
        description="Last day (its whole month counts); default the last complete month",
    )
    w_concerns_share: float | None = Field(None, ge=0, le=100)
    w_survey_share: float | None = Field(None, ge=0, le=100)
    w_incident_rate: float | None = Field(None, ge=0, le=100)
    w_rate_change: float | None = Field(None, ge=0, le=100)
    w_severity: float | None = Field(None, ge=0, le=100)


class ComponentOut(Schema):
    value: float | None = Field(
        description="A share (0–1), a rate per 10,000 person-years, the change in that rate, "
        "or the severity weight; null when missing, withheld or not applicable"
    )
    n: int | None = Field(description="The count behind the value; null when withheld")
    status: ComponentStatus


class MatrixUnitOut(Schema):
    code: str
    name: str


class MatrixItemOut(Schema):
    category: str
    name: str
    score: float | None
    rank: int
    components: dict[str, ComponentOut]


class MatrixOut(Schema):
    model_config = ConfigDict(populate_by_name=True)

    unit: MatrixUnitOut
    from_: IsoDate = Field(alias="from")
    to: IsoDate
    weights: dict[str, float]
    items: list[MatrixItemOut]


class AdoptIn(InputSchema):
    unit: str = Field(..., max_length=14)
    categories: list[str] = Field(..., min_length=1, max_length=10, description="In rank order")
    adopted_on: IsoDate
    meeting: int | None = None
    decision: str = Field("", max_length=5000)
    period_start: IsoDate
    period_end: IsoDate


class AdoptedOut(Schema):
    id: int
    category: str
    rank: int
    adopted_on: IsoDate
    meeting: int | None
    decision: str
    period_start: IsoDate
    period_end: IsoDate
    score: float | None
