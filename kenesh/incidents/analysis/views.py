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
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from kenesh.core import periods
from kenesh.core.access import access, requires
from kenesh.core.charts import Panel, Series, bar_chart, small_multiples
from kenesh.core.disclosure import Detail, DisclosureRefused, suppresses, whole_months
from kenesh.core.formats import (
    MISSING,
    format_date,
    format_estimate,
    format_interval,
    format_number,
)
from kenesh.core.pages import query_with_defaults
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import require_anywhere
from kenesh.geo import evaluation as geo_evaluation
from kenesh.geo import population
from kenesh.geo.models import AdministrativeUnit, Level
from kenesh.incidents.analysis import trends
from kenesh.incidents.analysis.forms import CrimeFilterForm, EvaluationForm
from kenesh.incidents.analysis.windows import (
    STALE_MONTHS,
    RecordWindows,
    UpTo,
    area_windows,
    comparison_label,
    record_windows,
    reference_end,
)
from kenesh.incidents.categories import SENSITIVE_CATEGORIES, Category
from kenesh.incidents.disclosure import (
    PublishedTrend,
    check_evaluation,
    full_years,
    incident_detail,
    publish_trend,
    published_rates,
)
from kenesh.orgs.programmes import Area, area_catalogue


@dataclass(frozen=True)
class AreaFigures:
    """One line of the comparison: the municipality, its rayon, oblast or programme."""

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
    #: Counted at the public level of detail (outside the user's scope).
    public: bool = False
    #: Why the 12-month change is missing or leaves municipalities out.
    change_note: str | None = None

    @property
    def ratio_text(self) -> str:
        if self.change_withheld:
            return MISSING
        ratio = self.change.ratio if self.change else None
        if ratio is None or math.isnan(ratio.ratio):
            return MISSING
        return format_number(ratio.ratio, 2)

    @property
    def interval_text(self) -> str:
        ratio = self.change.ratio if self.change and not self.change_withheld else None
        if ratio is None:
            return MISSING
        return format_interval(ratio.lower, ratio.upper, 2)


def _area_figures(
    request: HttpRequest,
    *,
    kind: str,
    name: str,
    area: AdministrativeUnit | None,
    municipalities: list[AdministrativeUnit],
    public: bool,
    date_from: dt.date,
    date_to: dt.date,
    category: str,
    data_start: dt.date | None,
    change_end: dt.date | None,
    compared: list[AdministrativeUnit] | None = None,
    change_note: str | None = None,
) -> AreaFigures:
    """Rates per year over ``municipalities`` and the 12 complete months up to ``change_end``
    against the 12 before over ``compared`` (those whose records cover the windows; all by
    default), published at the user's level over them, or at the public level."""
    chosen = None if area is not None and not public and kind == "unit" else municipalities
    yearly = trends.trend(
        user=request.user,
        area=area,
        date_from=date_from,
        date_to=date_to,
        group="year",
        category=category,
        municipalities=chosen,
        public=public,
    )
    change = None
    if change_end is not None and (compared is None or compared):
        change = trends.rate_change(
            user=request.user,
            area=area,
            end=change_end,
            category=category,
            data_start=data_start,
            municipalities=compared if compared is not None else chosen,
            public=public,
        )
    # Disclosure control: the level over the municipalities counted; suppression is decided
    # on the calendar years around everything shown, the 12-month windows included.
    detail = Detail.PUBLIC if public else incident_detail(request.user, municipalities)
    first = min(date_from, change.before.start) if change is not None else date_from
    last = max(date_to, change.after.end) if change is not None else date_to
    over_years = _over_years(request, area, chosen, public, category, first, last)
    published = publish_trend(
        yearly, detail=detail, category=category, by_month_over_years=over_years
    )
    withheld = change is not None and (
        published.withholds(change.after.start, change.after.end)
        or published.withholds(change.before.start, change.before.end)
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
        public=public,
        change_note=change_note,
    )


def _over_years(
    request: HttpRequest,
    area: AdministrativeUnit | None,
    municipalities: list[AdministrativeUnit] | None,
    public: bool,
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
            user=request.user,
            area=area,
            date_from=start,
            date_to=end,
            category=category,
            municipalities=municipalities,
            public=public,
        )

    return compute


def _trend_panels(
    monthly: trends.Trend,
    published: PublishedTrend,
    category: str,
    area_name: str,
    same_scale: bool,
) -> list[Panel]:
    """One small chart per category with incidents (the chosen category alone), each over the
    same months; on one y scale when asked."""
    shown = [
        (one, counts)
        for one, counts in zip(monthly.series, published.series, strict=True)
        if category or one.total > 0
    ]
    if not shown:
        return []
    labels = [periods.period_label(period) for period in monthly.periods]

    def title(one: Series) -> str:
        return _("%(category)s: incidents per month in %(area)s") % {
            "category": one.label,
            "area": area_name,
        }

    def description(one: Series) -> str:
        drawn = [v for v in one.values if v is not None]
        total = format_number(sum(drawn))
        if len(drawn) < len(one.values):
            sentence = _(
                "Line chart of the number of incidents of %(category)s per month from "
                "%(first)s to %(last)s, %(total)s in the published months; the months "
                "withheld at your level of access are gaps in the line. The table below gives "
                "the figures per year."
            )
        else:
            sentence = _(
                "Line chart of the number of incidents of %(category)s per month from "
                "%(first)s to %(last)s, %(total)s in all. The table below gives the figures "
                "per year."
            )
        return sentence % {
            "category": one.label,
            "first": labels[0],
            "last": labels[-1],
            "total": total,
        }

    return small_multiples(
        chart_id="crime-trend",
        title=title,
        description=description,
        x_labels=labels,
        series=[Series(str(one.label).capitalize(), counts.values) for one, counts in shown],
        y_label=_("incidents per month"),
        same_scale=same_scale,
        integers=True,
    )


def _comparison_chart(areas: list[AreaFigures], name: str) -> Any:
    with_rates = [area for area in areas if area.yearly is not None]
    if len(with_rates) < 2:
        return None
    first = with_rates[0].yearly
    assert first is not None
    years = [periods.period_label(period, mark_partial=True) for period in first.periods]
    series = [Series(area.name, area.rates) for area in with_rates]
    if all(value is None for one in series for value in one.values):
        return None
    return bar_chart(
        chart_id="crime-comparison",
        title=_("Incidents per 10,000 residents per year"),
        description=_(
            "Bar chart comparing the rate per 10,000 residents per year of %(unit)s with its "
            "rayon, oblast and programme, year by year; a year cut short by the chosen dates is "
            "marked with the days it covers and its rate scaled to a whole year. The "
            "comparison table gives the figures."
        )
        % {"unit": name},
        x_labels=years,
        series=series,
        y_label=_("per 10,000 residents per year"),
        x_label=_("year"),
    )


def _latest_text(latest: dt.date | None, detail: Detail) -> str:
    """A latest record as the viewer may see it: the day for staff who read the records, the
    month for aggregate-only and public viewers (no period shorter than a month)."""
    if latest is None:
        return _("no records")
    if detail.aggregate_only:
        return date_format(latest, "M Y")
    return format_date(latest)


def _stale_sentence(member: RecordWindows, name: str, detail: Detail, reference: str) -> str:
    if member.latest is None:
        return _("%(name)s has no records: it is not compared.") % {"name": name}
    return _(
        "The records of %(name)s stop early (latest record: %(latest)s), more than %(n)d "
        "months before %(reference)s: its last 12 months are not compared."
    ) % {
        "name": name,
        "latest": _latest_text(member.latest, detail),
        "n": STALE_MONTHS,
        "reference": reference,
    }


@dataclass(frozen=True)
class MemberRow:
    """A municipality of a wider area in the per-municipality table."""

    unit: AdministrativeUnit
    name: str
    latest: str
    windows: RecordWindows
    change: trends.MemberChange | None
    withheld: bool
    url: str

    @property
    def windows_text(self) -> str:
        return comparison_label(self.windows.after, self.windows.before)

    @property
    def ratio_text(self) -> str:
        if self.withheld or self.change is None or self.change.ratio is None:
            return MISSING
        ratio = self.change.ratio
        return format_estimate(ratio.ratio, ratio.lower, ratio.upper, 2)


def _wider_comparisons(
    request: HttpRequest,
    unit: AdministrativeUnit,
    own: RecordWindows,
    *,
    today: dt.date,
    up_to: UpTo,
    date_from: dt.date,
    date_to: dt.date,
    category: str,
    data_start: dt.date | None,
) -> list[AreaFigures]:
    """The rayon, the oblast and the programmes of ``unit``: in the user's scope when it
    covers all of their municipalities, else at the public level every signed-in user holds.
    Each 12-month change counts the municipalities whose records cover ``own``'s windows."""
    in_scope = {one.pk for one in trends.municipalities_for(request.user)}
    wider: list[tuple[str, str, AdministrativeUnit | None, list[AdministrativeUnit]]] = []
    rayon = population.parent_area(unit)
    ancestors = list(unit.ancestors())
    oblast = next((one for one in ancestors if one.level == Level.OBLAST), None)
    if rayon is not None and rayon.level == Level.RAYON:
        wider.append(("rayon", rayon.name, rayon, trends.published_municipalities(rayon)))
    if oblast is not None:
        wider.append(("oblast", oblast.name, oblast, trends.published_municipalities(oblast)))
    for programme in unit.programmes.all():
        wider.append(
            (
                "programme",
                programme.name,
                None,
                list(programme.municipalities.order_by("code").defer("boundary")),
            )
        )
    found: list[AreaFigures] = []
    for kind, name, area, members in wider:
        if len(members) <= 1:
            continue
        public = not all(one.pk in in_scope for one in members)
        covering: list[AdministrativeUnit] | None = None
        note = None
        change_end = None if own.stale else own.end
        if change_end is not None:
            windows = record_windows(
                user=request.user,
                municipalities=members,
                today=today,
                up_to=up_to,
                public=public,
            )
            covering = [
                one
                for one in members
                if (own_end := windows[one.pk].own_end) is not None and own_end >= change_end
            ]
            left_out = len(members) - len(covering)
            if left_out:
                note = ngettext(
                    "%(n)d municipality whose records stop before %(end)s is left out of the "
                    "12-month comparison.",
                    "%(n)d municipalities whose records stop before %(end)s are left out of the "
                    "12-month comparison.",
                    left_out,
                ) % {"n": left_out, "end": date_format(change_end, "M Y")}
        found.append(
            _area_figures(
                request,
                kind=kind,
                name=name,
                area=area if kind != "programme" else None,
                municipalities=members,
                public=public,
                date_from=date_from,
                date_to=date_to,
                category=category,
                data_start=None if public else data_start,
                change_end=change_end,
                compared=covering,
                change_note=note,
            )
        )
    return found


@access(requires(Resource.INCIDENTS, Action.AGGREGATE))
@require_safe
@login_required
def crime_page(request: HttpRequest) -> HttpResponse:
    """Incidents over time by category, rates per 10,000, the last 12 complete months against
    the 12 before (each municipality in its own windows, :mod:`.windows`), for a municipality,
    a programme, an oblast or everything in the user's area; a municipality beside its rayon,
    oblast and programme, a wider area municipality by municipality."""
    require_anywhere(request.user, Action.AGGREGATE, Resource.INCIDENTS)
    municipalities = trends.municipalities_for(request.user)
    if not municipalities:
        return render(request, "incidents/analysis/crime_page.html", {"form": None})
    catalogue = area_catalogue(municipalities)
    data = request.GET.copy()
    asked_value = str(data.get("area") or "")[:40]
    if not asked_value:
        # Addresses from before the area field (dashboards, bookmarks): ?unit=<code>.
        asked_value = str(data.get("unit") or "")[:14]
    data.pop("unit", None)
    if asked_value:
        asked = catalogue.resolve(asked_value)
        if asked is None:
            raise Http404
        data["area"] = asked_value
    else:
        asked = catalogue.default()
        assert asked is not None
        data["area"] = asked.value
    assert asked is not None
    today = timezone.localdate()
    up_to: UpTo = "today" if data.get("up_to") == "today" else "records"
    windows = record_windows(
        user=request.user, municipalities=asked.municipalities, today=today, up_to=up_to
    )
    period_end = reference_end(windows, today, up_to)
    default_period = (max(dt.date(period_end.year - 2, 1, 1), trends.MIN_DATE), period_end)
    data.setdefault("date_from", default_period[0].isoformat())
    data.setdefault("date_to", default_period[1].isoformat())
    data.setdefault("up_to", up_to)
    form = CrimeFilterForm(data, catalogue=catalogue, default_period=default_period)
    context: dict[str, Any] = {"form": form, "area": None, "unit": None}
    if not form.is_valid():
        return render(request, "incidents/analysis/crime_page.html", context, status=400)
    area: Area = form.cleaned_data["area"]
    date_from, date_to = form.cleaned_data["period"]
    if date_to < today and date_to != default_period[1]:
        # An end chosen in the past ends the 12-month windows too.
        windows = record_windows(
            user=request.user, municipalities=area.municipalities, today=date_to, up_to=up_to
        )
    detail = incident_detail(request.user, area.municipalities)
    # Aggregate-only access counts whole months (docs/privacy.md).
    widened = whole_months(detail, date_from, date_to)
    date_from, date_to = widened[0] or date_from, widened[1] or date_to
    category = form.cleaned_data.get("category") or ""
    same_scale = bool(form.cleaned_data.get("same_scale"))
    data_start = trends.first_record(request.user)
    unit = area.unit if area.is_municipality else None
    by_area: dict[str, Any] = (
        {"area": unit}
        if unit is not None
        else {"area": None, "municipalities": area.municipalities}
    )
    monthly = trends.trend(
        user=request.user, date_from=date_from, date_to=date_to, category=category, **by_area
    )

    stale_notes: list[str] = []
    members: list[MemberRow] = []
    if unit is not None:
        own = windows[unit.pk]
        change_windows = None if own.stale else (own.after, own.before)
        own_reference = (
            date_format(own.end, "M Y") if up_to == "today" else _("the newest records compared")
        )
        if own.stale:
            stale_notes.append(_stale_sentence(own, area.name, detail, own_reference))
        figures = _area_figures(
            request,
            kind="unit",
            name=area.name,
            area=unit,
            municipalities=[unit],
            public=False,
            date_from=date_from,
            date_to=date_to,
            category=category,
            data_start=data_start,
            change_end=None if own.stale else own.end,
        )
        areas = [
            figures,
            *_wider_comparisons(
                request,
                unit,
                own,
                today=min(today, date_to),
                up_to=up_to,
                date_from=date_from,
                date_to=date_to,
                category=category,
                data_start=data_start,
            ),
        ]
    else:
        shared = area_windows(windows)
        change_windows = (shared.after, shared.before) if shared is not None else None
        figures = _area_figures(
            request,
            kind="area",
            name=area.name,
            area=None,
            municipalities=area.municipalities,
            public=False,
            date_from=date_from,
            date_to=date_to,
            category=category,
            data_start=data_start,
            change_end=shared.end if shared is not None else None,
            compared=[one.unit for one in shared.compared] if shared is not None else None,
        )
        areas = [figures]
        changes = trends.member_changes(
            user=request.user, windows=windows, category=category, data_start=data_start
        )
        sensitive = category in SENSITIVE_CATEGORIES
        for member in area.municipalities:
            own = windows[member.pk]
            member_detail = incident_detail(request.user, [member])
            members.append(
                MemberRow(
                    unit=member,
                    name=catalogue.municipality_label(member),
                    latest=_latest_text(own.latest, member_detail),
                    windows=own,
                    change=changes.get(member.pk),
                    withheld=suppresses(member_detail, sensitive=sensitive),
                    url=reverse("incidents:analysis:crime") + f"?area={member.code}",
                )
            )
        stale = [row for row in members if row.windows.stale]
        if stale:
            stale_notes.append(
                ngettext(
                    "%(n)d municipality's records stop early (more than %(months)d months before "
                    "the newest): it is flagged below and left out of the sum.",
                    "%(n)d municipalities' records stop early (more than %(months)d months "
                    "before the newest): they are flagged below and left out of the sum.",
                    len(stale),
                )
                % {"n": len(stale), "months": STALE_MONTHS}
            )
    own_figures = areas[0]
    assert own_figures.published is not None and own_figures.over_years is not None
    yearly = own_figures.yearly
    assert yearly is not None
    published_yearly = own_figures.published
    published_monthly = publish_trend(
        monthly,
        detail=own_figures.detail,
        category=category,
        by_month_over_years=own_figures.over_years,
    )
    shown = [
        (one, counts)
        for one, counts in zip(yearly.series, published_yearly.series, strict=True)
        if category or one.total > 0
    ]
    year_rows = [
        {
            "period": period,
            "counts": [counts.counts[index] for _one, counts in shown],
            "total": published_yearly.total.counts[index],
            "label": periods.period_label(period, mark_partial=True),
            "population": yearly.population[index],
            "rate": own_figures.rates[index],
        }
        for index, period in enumerate(yearly.periods)
    ]
    context.update(
        {
            "area": area,
            "unit": unit,
            "date_from": date_from,
            "date_to": date_to,
            "category": category,
            "category_label": str(Category(category).label) if category else "",
            "monthly": monthly,
            "yearly": yearly,
            "shown_series": [one for one, _counts in shown],
            "category_rows": [(one, counts.counts) for one, counts in shown],
            "year_rows": year_rows,
            "detail": own_figures.detail,
            "public_detail": own_figures.detail is Detail.PUBLIC,
            "suppressed": published_yearly.any_suppressed or published_monthly.any_suppressed,
            "year_marks": {
                "small" if count.small else "complementary"
                for line in [*(counts for _one, counts in shown), published_yearly.total]
                for count in line.counts
                if count.suppressed
            },
            "areas": areas,
            "change": own_figures.change,
            "change_windows": (
                comparison_label(*change_windows) if change_windows is not None else None
            ),
            "stale_notes": stale_notes,
            "members": members,
            "stale_months": STALE_MONTHS,
            "up_to": up_to,
            "same_scale": same_scale,
            "year_labels": [
                periods.period_label(period, mark_partial=True) for period in yearly.periods
            ],
            "trend_panels": _trend_panels(
                monthly, published_monthly, category, area.name, same_scale
            ),
            "comparison_chart": _comparison_chart(areas, area.name) if unit else None,
            "any_public": any(one.public for one in areas),
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
        % {"start": format_date(found.start)},
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
    own = trends.municipalities_for(request.user)
    allowed = {unit.code for unit in own}
    published = {unit.code for unit in trends.published_municipalities(None)}
    treated_codes = [code.strip() for code in request.GET.getlist("treated") if code.strip()]
    comparison_codes = [code.strip() for code in request.GET.getlist("comparison") if code.strip()]
    if any(code not in allowed for code in treated_codes) or any(
        code not in allowed | published for code in comparison_codes
    ):
        raise Http404
    bound = bool(request.GET)
    form = EvaluationForm(
        query_with_defaults(request.GET, EvaluationForm) if bound else None, user=request.user
    )
    groups = []
    for label, codes in form.comparison_groups:
        wanted = set(codes)
        options = [one for one in form["comparison"] if str(one.data["value"]) in wanted]
        if options:
            groups.append((label, options))
    chosen = {
        name: [
            str(one.choice_label)
            for one in form[name]
            if str(one.data["value"])
            in set(treated_codes if name == "treated" else comparison_codes)
        ]
        for name in ("treated", "comparison")
    }
    context: dict[str, Any] = {
        "form": form,
        "found": None,
        "comparison_groups": groups,
        "chosen": chosen,
        # A difference in differences needs comparison municipalities: one municipality in
        # scope alone cannot be evaluated without the public level (and says so).
        "only_own": len(own) <= 1,
        "public_comparison": form.public_comparison,
        "own_codes": allowed,
    }
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
                public_comparison=True,
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
