"""Pages: a municipality's crime page (trends, rates, comparison) and the evaluation page."""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kenesh.core import periods
from kenesh.core.access import access, requires
from kenesh.core.charts import Series, bar_chart, line_chart
from kenesh.core.disclosure import Detail, DisclosureRefused, whole_months
from kenesh.core.pages import query_with_defaults
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import require_anywhere
from kenesh.geo import evaluation as geo_evaluation
from kenesh.geo import population
from kenesh.geo.models import AdministrativeUnit
from kenesh.incidents.analysis import trends
from kenesh.incidents.analysis.forms import CrimeFilterForm, EvaluationForm
from kenesh.incidents.categories import Category
from kenesh.incidents.disclosure import (
    PublishedTrend,
    check_evaluation,
    full_years,
    incident_detail,
    publish_trend,
    published_rates,
)


@dataclass(frozen=True)
class AreaFigures:
    """One line of the comparison: the municipality, its rayon or the whole programme."""

    kind: str
    name: str
    municipalities: int
    yearly: trends.Trend | None
    change: trends.RateChange | None
    note: str | None
    #: Rates per year as published (None where the year's count is withheld), and whether the
    #: 12-month comparison is withheld (docs/privacy.md).
    rates: list[float | None] = field(default_factory=list)
    change_withheld: bool = False
    published: PublishedTrend | None = None
    detail: Detail = Detail.READ
    over_years: Callable[[], trends.Trend] | None = None

    @property
    def ratio_text(self) -> str:
        if self.change_withheld:
            return "—"
        ratio = self.change.ratio if self.change else None
        if ratio is None or math.isnan(ratio.ratio):
            return "—"
        return "∞" if math.isinf(ratio.ratio) else f"{ratio.ratio:.2f}"

    @property
    def interval_text(self) -> str:
        ratio = self.change.ratio if self.change and not self.change_withheld else None
        if ratio is None:
            return "—"
        upper = "∞" if math.isinf(ratio.upper) else f"{ratio.upper:.2f}"
        return f"{ratio.lower:.2f} – {upper}"


def _area_figures(
    request: HttpRequest,
    *,
    kind: str,
    area: AdministrativeUnit | None,
    name: str,
    unit: AdministrativeUnit,
    date_from: dt.date,
    date_to: dt.date,
    category: str,
    data_start: dt.date | None,
) -> AreaFigures:
    municipalities = trends.municipalities_in(request.user, area)
    if kind != "unit" and [one.pk for one in municipalities] == [unit.pk]:
        return AreaFigures(
            kind,
            name,
            1,
            None,
            None,
            _("Your access covers only this municipality here, so there is nothing to compare."),
        )
    yearly = trends.trend(
        user=request.user,
        area=area,
        date_from=date_from,
        date_to=date_to,
        group="year",
        category=category,
    )
    change = trends.rate_change(
        user=request.user, area=area, end=date_to, category=category, data_start=data_start
    )
    # Disclosure control: the level over the municipalities counted; suppression is decided
    # on the calendar years around everything shown, the 12-month windows included.
    detail = incident_detail(request.user, municipalities)
    over_years = _over_years(request, area, category, min(date_from, change.before.start), date_to)
    published = publish_trend(
        yearly, detail=detail, category=category, by_month_over_years=over_years
    )
    withheld = published.withholds(change.after.start, change.after.end) or published.withholds(
        change.before.start, change.before.end
    )
    return AreaFigures(
        kind,
        name,
        len(municipalities),
        yearly,
        change,
        yearly.rate_note,
        rates=published_rates(yearly.total.rates_per_year, published.total),
        change_withheld=withheld,
        published=published,
        detail=detail,
        over_years=over_years,
    )


def _over_years(
    request: HttpRequest,
    area: AdministrativeUnit | None,
    category: str,
    first: dt.date,
    last: dt.date,
) -> Callable[[], trends.Trend]:
    """The trend per month over the calendar years from ``first`` to ``last``, computed once
    and only if asked for (when something may be suppressed)."""

    @functools.cache
    def compute() -> trends.Trend:
        start, end = full_years(first, last)
        return trends.trend(
            user=request.user, area=area, date_from=start, date_to=end, category=category
        )

    return compute


def _trend_chart(
    monthly: trends.Trend, published: PublishedTrend, category: str, unit: AdministrativeUnit
) -> Any:
    shown = [
        (one, counts)
        for one, counts in zip(monthly.series, published.series, strict=True)
        if category or one.total > 0
    ]
    if not shown:
        return None
    labels = [periods.period_label(period) for period in monthly.periods]
    what = (
        str(Category(category).label)
        if category
        else _("each prevention category with at least one incident")
    )
    return line_chart(
        chart_id="crime-trend",
        title=_("Incidents per month in %(unit)s") % {"unit": unit.name},
        description=_(
            "Line chart of the number of incidents per month from %(first)s to %(last)s, "
            "one line for %(what)s. The table below gives the figures per year."
        )
        % {"first": labels[0], "last": labels[-1], "what": what}
        + (
            " " + _("Months with fewer than 5 incidents of a sensitive category are left out.")
            if published.any_suppressed
            else ""
        ),
        x_labels=labels,
        series=[Series(str(one.label).capitalize(), counts.values) for one, counts in shown],
        y_label=_("incidents per month"),
        integers=True,
    )


def _comparison_chart(areas: list[AreaFigures], unit: AdministrativeUnit) -> Any:
    with_rates = [area for area in areas if area.yearly is not None]
    if not with_rates:
        return None
    first = with_rates[0].yearly
    assert first is not None
    years = [periods.period_label(period, mark_partial=True) for period in first.periods]
    series = [Series(area.name, area.rates) for area in with_rates if area.yearly is not None]
    if all(value is None for one in series for value in one.values):
        return None
    return bar_chart(
        chart_id="crime-comparison",
        title=_("Incidents per 10,000 residents per year"),
        description=_(
            "Bar chart comparing the rate per 10,000 residents per year of %(unit)s with its "
            "wider area, year by year; a year cut short by the chosen dates is marked with the "
            "days it covers and its rate scaled to a whole year. The comparison table gives "
            "the figures."
        )
        % {"unit": unit.name},
        x_labels=years,
        series=series,
        y_label=_("per 10,000 residents per year"),
    )


@access(requires(Resource.INCIDENTS, Action.AGGREGATE))
@require_safe
@login_required
def crime_page(request: HttpRequest) -> HttpResponse:
    """A municipality's incidents over time by category, rates per 10,000 and how they
    compare with the rayon and the whole programme in the user's area."""
    require_anywhere(request.user, Action.AGGREGATE, Resource.INCIDENTS)
    municipalities = {unit.code: unit for unit in trends.municipalities_for(request.user)}
    code = request.GET.get("unit", "")[:14]
    if code and code not in municipalities:
        raise Http404
    if not municipalities:
        return render(request, "incidents/analysis/crime_page.html", {"form": None})
    today = timezone.localdate()
    default_from, default_to = trends.default_period(request.user, today)
    data = request.GET.copy()
    data.setdefault("unit", code or next(iter(municipalities)))
    data.setdefault("date_from", default_from.isoformat())
    data.setdefault("date_to", default_to.isoformat())
    form = CrimeFilterForm(data, user=request.user, default_period=(default_from, default_to))
    context: dict[str, Any] = {"form": form, "unit": None}
    if not form.is_valid():
        return render(request, "incidents/analysis/crime_page.html", context, status=400)
    unit = municipalities[form.cleaned_data["unit"]]
    date_from, date_to = form.cleaned_data["period"]
    # Aggregate-only access counts whole months (docs/privacy.md).
    widened = whole_months(incident_detail(request.user, [unit]), date_from, date_to)
    date_from, date_to = widened[0] or date_from, widened[1] or date_to
    category = form.cleaned_data.get("category") or ""
    data_start = trends.first_record(request.user)

    monthly = trends.trend(
        user=request.user, area=unit, date_from=date_from, date_to=date_to, category=category
    )
    yearly = trends.trend(
        user=request.user,
        area=unit,
        date_from=date_from,
        date_to=date_to,
        group="year",
        category=category,
    )
    rayon = population.parent_area(unit)
    areas = [
        _area_figures(
            request,
            kind="unit",
            area=unit,
            name=unit.name,
            unit=unit,
            date_from=date_from,
            date_to=date_to,
            category=category,
            data_start=data_start,
        )
    ]
    if rayon is not None:
        areas.append(
            _area_figures(
                request,
                kind="rayon",
                area=rayon,
                name=rayon.name,
                unit=unit,
                date_from=date_from,
                date_to=date_to,
                category=category,
                data_start=data_start,
            )
        )
    areas.append(
        _area_figures(
            request,
            kind="programme",
            area=None,
            name=_("Programme (your whole area)"),
            unit=unit,
            date_from=date_from,
            date_to=date_to,
            category=category,
            data_start=data_start,
        )
    )
    own = areas[0]
    assert own.published is not None and own.over_years is not None
    published_yearly = own.published
    published_monthly = publish_trend(
        monthly, detail=own.detail, category=category, by_month_over_years=own.over_years
    )
    shown = [
        (one, counts)
        for one, counts in zip(yearly.series, published_yearly.series, strict=True)
        if category or one.total > 0
    ]
    shown_series = [one for one, _counts in shown]
    year_rows = [
        {
            "period": period,
            "counts": [counts.counts[index] for _one, counts in shown],
            "total": published_yearly.total.counts[index],
            "label": periods.period_label(period, mark_partial=True),
            "population": yearly.population[index],
            "rate": own.rates[index],
        }
        for index, period in enumerate(yearly.periods)
    ]
    context.update(
        {
            "unit": unit,
            "rayon": rayon,
            "date_from": date_from,
            "date_to": date_to,
            "category": category,
            "category_label": str(Category(category).label) if category else "",
            "monthly": monthly,
            "yearly": yearly,
            "shown_series": shown_series,
            "year_rows": year_rows,
            "detail": own.detail,
            "suppressed": published_yearly.any_suppressed or published_monthly.any_suppressed,
            "areas": areas,
            "change": areas[0].change,
            "year_labels": [
                periods.period_label(period, mark_partial=True) for period in yearly.periods
            ],
            "trend_chart": _trend_chart(monthly, published_monthly, category, unit),
            "comparison_chart": _comparison_chart(areas, unit),
        }
    )
    return render(request, "incidents/analysis/crime_page.html", context)


def _evaluation_chart(found: trends.Evaluation) -> Any:
    return bar_chart(
        chart_id="evaluation-rates",
        title=_("Rates before and after the start"),
        description=_(
            "Bar chart of the rate per 10,000 person-years before and after %(start)s, for the "
            "treated and the comparison municipalities; the table gives the figures."
        )
        % {"start": found.start.isoformat()},
        x_labels=[_("before"), _("after")],
        series=[
            Series(_("treated"), [found.treated.rate_before, found.treated.rate_after]),
            Series(_("comparison"), [found.comparison.rate_before, found.comparison.rate_after]),
        ],
        y_label=_("per 10,000 person-years"),
    )


@access(requires(Resource.INCIDENTS, Action.AGGREGATE))
@require_safe
@login_required
def evaluation_page(request: HttpRequest) -> HttpResponse:
    """Choose a category, treated and comparison municipalities and a start date; see the
    counts and rates before and after and the difference-in-differences estimate."""
    require_anywhere(request.user, Action.AGGREGATE, Resource.INCIDENTS)
    allowed = {unit.code for unit in trends.municipalities_for(request.user)}
    asked = [
        code.strip()
        for name in ("treated", "comparison")
        for code in request.GET.getlist(name)
        if code.strip()
    ]
    if any(code not in allowed for code in asked):
        raise Http404
    bound = bool(request.GET)
    form = EvaluationForm(
        query_with_defaults(request.GET, EvaluationForm) if bound else None, user=request.user
    )
    context: dict[str, Any] = {"form": form, "found": None}
    if not bound:
        return render(request, "incidents/analysis/evaluation_page.html", context)
    if form.is_valid():
        data = form.cleaned_data
        treated, comparison = list(data["treated"]), list(data["comparison"])
        # Disclosure control (docs/privacy.md), as in the API.
        detail = incident_detail(request.user, [*treated, *comparison])
        try:
            found = trends.evaluation(
                user=request.user,
                category=data.get("category") or "",
                treated=treated,
                comparison=comparison,
                start=data["start"],
                before_months=data["before_months"],
                after_months=data["after_months"],
                detail=detail,
            )
            check_evaluation(found, detail)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
        except DisclosureRefused as exc:
            form.add_error(None, exc.message)
        else:
            context.update(
                {
                    "found": found,
                    "reading": geo_evaluation.evaluation_reading(found),
                    "chart": _evaluation_chart(found),
                    "result": found.result,
                    "groups": [(_("Treated"), found.treated), (_("Comparison"), found.comparison)],
                }
            )
            return render(request, "incidents/analysis/evaluation_page.html", context)
    return render(request, "incidents/analysis/evaluation_page.html", context, status=400)
