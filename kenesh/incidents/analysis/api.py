"""API: incident statistics (counts and rates over time) and the evaluation of an intervention.

Statistics need ``Action.AGGREGATE`` on incidents: every role that sees incident aggregates
in its area may call them. A unit outside the caller's area is 404; a unit the caller may see
but not aggregate (the rayon above a municipal user's own municipality) is 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.errors import HttpError, ValidationError

from kenesh.core.access import api_access, requires
from kenesh.core.api import responses
from kenesh.core.disclosure import (
    DisclosureRefused,
    PublishedSeries,
    check_area,
    query_error,
    whole_months,
)
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import require_anywhere, require_at
from kenesh.geo import evaluation as geo_evaluation
from kenesh.geo.models import AdministrativeUnit, Level
from kenesh.geo.selectors import unit_get
from kenesh.incidents.analysis import trends
from kenesh.incidents.analysis.schemas import (
    EvaluationFilters,
    EvaluationOut,
    StatsFilters,
    StatsOut,
)
from kenesh.incidents.disclosure import (
    check_evaluation,
    full_years,
    incident_detail,
    publish_trend,
    published_rates,
)

# Mounted at /incidents (statistics) and /analytics (evaluation): see ../module.py.
stats_router = Router(tags=["analytics"])
router = Router(tags=["analytics"])

POPULATION_RULE = (
    "Population on 1 January (kenesh.geo PopulationCount) of the period's year; else the "
    "nearest earlier year; else the nearest later year. Rates count only the incidents of "
    "municipalities with a known population."
)


def query_errors(exc: DjangoValidationError) -> ValidationError:
    """A selector's field errors as the API's 422 on query parameters."""
    messages = exc.message_dict if hasattr(exc, "error_dict") else {"query": exc.messages}
    return ValidationError(
        [
            {"loc": ["query", name], "msg": message, "type": "invalid"}
            for name, found in messages.items()
            for message in found
        ]
    )


def stats_period(
    user: Any,
    date_from: dt.date | None,
    date_to: dt.date | None,
    area: AdministrativeUnit | None = None,
) -> tuple[dt.date, dt.date]:
    """The dates asked for, checked; without them, from 1 January two years before the last
    complete month of the area's records (:func:`trends.default_period`)."""
    start, end = trends.fill_period(
        date_from, date_to, trends.default_period(user, timezone.localdate(), area)
    )
    if start > end:
        raise query_errors(DjangoValidationError({"to": [_("The end lies before the start.")]}))
    if end.year - start.year >= trends.MAX_YEARS:
        raise query_errors(
            DjangoValidationError(
                {"from": [_("Choose at most %(years)d years.") % {"years": trends.MAX_YEARS}]}
            )
        )
    return start, end


def _unit_ref(unit: AdministrativeUnit) -> dict[str, str]:
    return {"code": unit.code, "name": unit.name}


@stats_router.get(
    "/stats",
    response=responses(StatsOut),
    summary="Incident counts and rates per 10,000 over time",
)
@api_access(requires(Resource.INCIDENTS, Action.AGGREGATE))
def incident_stats(request: HttpRequest, filters: Query[StatsFilters]) -> dict[str, Any]:
    """Counts per month or year by prevention category or ICCS group, every period present
    (0 when empty), with the population and the rate per 10,000 residents of each period."""
    require_anywhere(request.user, Action.AGGREGATE, Resource.INCIDENTS)
    unit = None
    if filters.unit:
        unit = unit_get(user=request.user, code=filters.unit)
        require_at(request.user, Action.AGGREGATE, Resource.INCIDENTS, unit.path)
    date_from, date_to = stats_period(request.user, filters.date_from, filters.date_to, unit)
    # Disclosure control (docs/privacy.md): aggregate-only viewers get whole months, areas of a
    # municipality or more, and sensitive counts from 1 to 4 suppressed.
    detail = incident_detail(request.user, trends.municipalities_in(request.user, unit))
    try:
        check_area(detail, below_municipality=unit is not None and unit.level == Level.SETTLEMENT)
    except DisclosureRefused as exc:
        raise query_error(exc) from exc
    widened = whole_months(detail, date_from, date_to)
    date_from, date_to = widened[0] or date_from, widened[1] or date_to
    category = filters.category or ""

    def trend_of(
        group: trends.Group, start: dt.date = date_from, end: dt.date = date_to
    ) -> trends.Trend:
        return trends.trend(
            user=request.user,
            area=unit,
            date_from=start,
            date_to=end,
            group=group,
            by=filters.by,
            category=category,
            iccs_level=filters.iccs_level,
        )

    found = trend_of(filters.group)
    published = publish_trend(
        found,
        detail=detail,
        category=category,
        by_month_over_years=lambda: trend_of("month", *full_years(date_from, date_to)),
    )

    def series(one: trends.CountSeries, shown: PublishedSeries) -> dict[str, Any]:
        return {
            "key": one.key,
            "label": one.label,
            "counts": shown.values,
            "suppressed": shown.suppressed,
            "rates": published_rates(one.rates, shown),
            "rates_per_year": published_rates(one.rates_per_year, shown),
            "total": shown.total.value,
            "total_suppressed": shown.total.suppressed,
        }

    return {
        "unit": unit.code if unit else None,
        "unit_name": unit.name if unit else _("your whole area"),
        "date_from": date_from,
        "date_to": date_to,
        "group": filters.group,
        "by": filters.by,
        "periods": [
            {
                "key": period.key,
                "start": period.start,
                "end": period.end,
                "partial": period.partial,
                "population": population,
            }
            for period, population in zip(found.periods, found.population, strict=True)
        ],
        "detail": detail.code,
        "suppressed": published.any_suppressed,
        "series": [
            series(one, shown) for one, shown in zip(found.series, published.series, strict=True)
        ],
        "total": series(found.total, published.total),
        "municipalities": [_unit_ref(one) for one in found.municipalities],
        "without_population": [_unit_ref(one) for one in found.without_population],
        "rate_note": found.rate_note,
        "population_rule": POPULATION_RULE,
    }


def _codes(values: list[str]) -> list[str]:
    """Codes from repeated parameters, each possibly a comma-separated list."""
    codes: list[str] = []
    for value in values:
        codes.extend(code.strip() for code in value.split(",") if code.strip())
    return list(dict.fromkeys(codes))


def evaluation_units(user: Any, values: list[str], field: str) -> list[AdministrativeUnit]:
    """The municipalities named: 404 for a code outside the user's area, 422 for a unit that is
    not a municipality."""
    units: list[AdministrativeUnit] = []
    for code in _codes(values):
        if len(code) > 14:
            raise query_errors(DjangoValidationError({field: [_("A SOATE code has 14 digits.")]}))
        try:
            unit = unit_get(user=user, code=code)
        except Http404 as exc:
            raise HttpError(404, _("No unit %(code)s in your area.") % {"code": code}) from exc
        if unit.level != Level.MUNICIPALITY:
            raise query_errors(
                DjangoValidationError(
                    {field: [_("%(name)s is not a municipality.") % {"name": unit.name}]}
                )
            )
        units.append(unit)
    return units


def evaluation_out(found: trends.Evaluation) -> dict[str, Any]:
    def group(one: geo_evaluation.GroupWindows) -> dict[str, Any]:
        return {
            "units": [_unit_ref(unit) for unit in one.units],
            "count_before": one.count_before,
            "count_after": one.count_after,
            "person_years_before": one.person_years_before,
            "person_years_after": one.person_years_after,
            "rate_before": one.rate_before,
            "rate_after": one.rate_after,
            "rate_ratio": one.rate_ratio,
        }

    result = found.result
    return {
        "category": found.category or None,
        "category_label": found.category_label,
        "start": found.start,
        "before": {"start": found.before.start, "end": found.before.end},
        "after": {"start": found.after.start, "end": found.after.end},
        "data_start": found.data_start,
        "data_end": found.data_end,
        "treated": group(found.treated),
        "comparison": group(found.comparison),
        "difference_in_differences": {
            name: getattr(result, name)
            for name in (
                "ratio_of_rate_ratios",
                "ratio_lower",
                "ratio_upper",
                "ratio_p_value",
                "log_ratio_standard_error",
                "rate_change_difference",
                "difference_lower",
                "difference_upper",
                "difference_p_value",
                "difference_standard_error",
                "confidence",
                "continuity_corrected",
            )
        },
        "reading": geo_evaluation.evaluation_reading(found),
        "caveats": found.caveats,
    }


@router.get(
    "/evaluation",
    response=responses(EvaluationOut),
    summary="Difference in differences: treated against comparison municipalities",
)
@api_access(requires(Resource.INCIDENTS, Action.AGGREGATE))
def evaluation(request: HttpRequest, filters: Query[EvaluationFilters]) -> dict[str, Any]:
    """Incidents and rates per 10,000 person-years of the treated and comparison
    municipalities before and after the start, and the difference-in-differences estimate
    (kenesh.analytics.evaluation.did) with its interval, a plain reading and caveats."""
    require_anywhere(request.user, Action.AGGREGATE, Resource.INCIDENTS)
    treated = evaluation_units(request.user, filters.treated, "treated")
    comparison = evaluation_units(request.user, filters.comparison, "comparison")
    # Disclosure control (docs/privacy.md), as for the statistics: aggregate-only viewers are
    # counted over whole months, and refused an evaluation with a count they may not see.
    detail = incident_detail(request.user, [*treated, *comparison])
    try:
        found = trends.evaluation(
            user=request.user,
            category=filters.category or "",
            treated=treated,
            comparison=comparison,
            start=filters.start,
            before_months=filters.before_months,
            after_months=filters.after_months,
            end=filters.end,
            detail=detail,
        )
        check_evaluation(found, detail)
    except DjangoValidationError as exc:
        raise query_errors(exc) from exc
    except DisclosureRefused as exc:
        raise query_error(exc) from exc
    return evaluation_out(found)
