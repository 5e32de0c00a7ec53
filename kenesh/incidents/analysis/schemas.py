"""Schemas of the statistics and evaluation API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from kenesh.core.api import IsoDate
from kenesh.incidents.categories import Category

UnitCode = Annotated[str, Field(max_length=200)]


class StatsFilters(Schema):
    model_config = ConfigDict(populate_by_name=True)

    unit: str | None = Field(
        None,
        max_length=14,
        description="SOATE code of a unit (its municipalities in your scope); all of your "
        "area when left out",
    )
    date_from: IsoDate | None = Field(
        None,
        alias="from",
        description="First day (occurred on); default 1 January two years before the last "
        "recorded incident",
    )
    date_to: IsoDate | None = Field(
        None, alias="to", description="Last day; default the last recorded incident (or today)"
    )
    group: Literal["month", "year"] = Field("month", description="Count per month or per year")
    by: Literal["category", "iccs"] = Field(
        "category", description="Series per prevention category or per ICCS group"
    )
    iccs_level: int = Field(1, ge=1, le=2, description="ICCS level of the groups when by=iccs")
    category: Category | None = Field(None, description="Only this prevention category")


class UnitRef(Schema):
    code: str
    name: str


class PeriodOut(Schema):
    key: str = Field(description='"2024-03" for a month, "2024" for a year')
    start: dt.date
    end: dt.date
    partial: bool = Field(description="The chosen dates cut this period short")
    population: int | None = Field(
        description="Residents of the municipalities with a known population (denominator)"
    )


class SeriesOut(Schema):
    key: str = Field(description="Prevention category, ICCS code, or 'total'")
    label: str
    counts: list[int | None] = Field(
        description="Incidents per period, one per period; null where suppressed (docs/privacy.md)"
    )
    suppressed: list[bool] = Field(
        description="Per period: the count is withheld (a count from 1 to 4 in a sensitive "
        "category for aggregate-only access, or one that would give such a count back)"
    )
    rates: list[float | None] = Field(
        description="Incidents per 10,000 residents in the period; null without population or "
        "where the count is suppressed"
    )
    rates_per_year: list[float | None] = Field(
        description="Incidents per 10,000 person-years: the period's rate scaled to a whole "
        "year (a month, or a period cut short, by the days it covers); null without population"
    )
    total: int | None = Field(description="Incidents in the whole period; null where suppressed")
    total_suppressed: bool


class StatsOut(Schema):
    unit: str | None = Field(description="SOATE code asked for, null for your whole area")
    unit_name: str
    date_from: dt.date
    date_to: dt.date
    group: Literal["month", "year"]
    by: Literal["category", "iccs"]
    detail: Literal["restricted", "read", "aggregate", "public"] = Field(
        description="Your level of detail over these municipalities: aggregate-only access "
        "gets whole months and suppressed small counts in sensitive categories (docs/privacy.md)"
    )
    suppressed: bool = Field(description="Some count of this answer is withheld")
    periods: list[PeriodOut]
    series: list[SeriesOut] = Field(
        description="One per category or ICCS group; an incident may be in several categories"
    )
    total: SeriesOut = Field(description="Every incident counted once")
    municipalities: list[UnitRef] = Field(description="The municipalities counted")
    without_population: list[UnitRef] = Field(
        description="Municipalities left out of the rates: no population is known"
    )
    rate_note: str | None
    population_rule: str


class EvaluationFilters(Schema):
    category: Category | None = Field(
        None, description="Prevention category; all incidents if left out"
    )
    treated: list[UnitCode] = Field(
        description="SOATE codes of the municipalities with the intervention (repeat the "
        "parameter or separate codes by commas)",
        max_length=200,
    )
    comparison: list[UnitCode] = Field(
        description="SOATE codes of the comparison municipalities", max_length=200
    )
    start: IsoDate = Field(description="The day the intervention started")
    before_months: int = Field(12, ge=1, le=120, description="Length of the before period")
    after_months: int = Field(12, ge=1, le=120, description="Length of the after period")
    end: IsoDate | None = Field(
        None, description="Last day of the after period (instead of after_months)"
    )


class WindowOut(Schema):
    start: dt.date
    end: dt.date


class GroupOut(Schema):
    units: list[UnitRef]
    count_before: int
    count_after: int
    person_years_before: float
    person_years_after: float
    rate_before: float = Field(description="Per 10,000 person-years")
    rate_after: float = Field(description="Per 10,000 person-years")
    rate_ratio: float | None = Field(description="After over before; null when before is 0")


class DidOut(Schema):
    ratio_of_rate_ratios: float = Field(description="Treated (after/before) over comparison")
    ratio_lower: float
    ratio_upper: float
    ratio_p_value: float
    log_ratio_standard_error: float
    rate_change_difference: float = Field(
        description="(Treated after − before) − (comparison after − before), per 10,000"
    )
    difference_lower: float
    difference_upper: float
    difference_p_value: float
    difference_standard_error: float
    confidence: float
    continuity_corrected: bool


class EvaluationOut(Schema):
    category: str | None
    category_label: str
    start: dt.date
    before: WindowOut
    after: WindowOut
    data_start: dt.date = Field(description="First incident recorded in the chosen units")
    data_end: dt.date = Field(description="Last incident recorded in the chosen units")
    treated: GroupOut
    comparison: GroupOut
    difference_in_differences: DidOut
    reading: str
    caveats: list[str]
