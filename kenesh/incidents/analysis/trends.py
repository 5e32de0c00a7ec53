"""Selectors of the crime statistics: counts and rates over time, comparisons, evaluation.

Every read goes through :func:`kenesh.incidents.filters.incidents_for` with
``Action.AGGREGATE``: these are statistics, open to every role that may see incident
aggregates in its scope, never single records. Counting is done by the database (``GROUP BY``
year, month, municipality and ICCS group, one filtered ``COUNT`` per prevention category); the
small grouped result is placed into numpy arrays and handed to :mod:`kenesh.analytics.rates`
and :mod:`kenesh.analytics.evaluation`.

Population denominators (:class:`PopulationTable`) come from
:class:`kenesh.geo.models.PopulationCount`, the resident population of a municipality on
1 January. For a given year a municipality's population is the count of that year, else of the
nearest earlier year (the latest figure known at the time), else of the nearest later year (the
first figure known). An area's population is the sum over its municipalities. A rate counts only
the incidents of municipalities whose population is known, so numerator and denominator cover
the same people; the municipalities left out are named. When no population is known the rate
is ``None`` with an explanation.

Rates per 10,000 in a series come twice: ``rates`` per period (a month's incidents per 10,000
residents, a year's per 10,000), not annualised, and ``rates_per_year`` per 10,000
person-years, so a month, or a year cut short by the chosen dates (marked ``partial``), reads
like a whole year's rate. Changes between windows (the last 12 months against the previous 12,
before and after an intervention) use person-years too: each calendar year's population times
the share of that year's days the window covers. Windows are cut to the records: months before
the first recorded incident are not months without crime.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, Count, Max, Min, Q, QuerySet, Value, When
from django.db.models.functions import ExtractMonth, ExtractYear, Substr
from django.utils.translation import gettext as _

from kenesh.analytics.rates import RateRatio, rate_per_10k, rate_ratio
from kenesh.core.dates import EARLIEST_DATE, earliest_date_message
from kenesh.core.disclosure import Detail, whole_months
from kenesh.core.formats import format_date
from kenesh.core.models import localized_name
from kenesh.core.periods import Group, Period, add_months, periods_between
from kenesh.core.permissions import Action, Resource, public_allows
from kenesh.geo.evaluation import (
    DidEvaluation,
    Window,
    evaluate_groups,
)
from kenesh.geo.models import AdministrativeUnit, Level
from kenesh.geo.population import (
    PopulationTable,
    no_population_note,
    units_without_population_note,
)
from kenesh.incidents.analysis.windows import RecordWindows, month_end, windows_ending
from kenesh.incidents.categories import Category
from kenesh.incidents.filters import IncidentFilter, incidents_for
from kenesh.incidents.models import IccsCategory, Incident, IncidentQuerySet
from kenesh.incidents.selectors import recorded_span

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User

By = Literal["category", "iccs"]

#: The longest period a series may span: 20 years of months is 240 points.
MAX_YEARS = 20
WINDOW_MONTHS_MAX = 120
#: The first day an incident may have occurred on: nothing earlier is recorded or analysed.
MIN_DATE: dt.date = EARLIEST_DATE
#: The 12 months before, cut to the records, must still cover this many months to compare.
RATE_CHANGE_MIN_MONTHS = 6


# --- Periods --------------------------------------------------------------------------------


def default_period(
    user: User | AnonymousUser, today: dt.date, area: AdministrativeUnit | None = None
) -> tuple[dt.date, dt.date]:
    """1 January two years before the reference end, to that end: the newest of the area's
    municipalities' own last complete months (:func:`windows.reference_end`), so a register
    whose entry lags shows its latest complete data, and one incident dated ahead in one
    municipality does not move the others' period into months without records."""
    from kenesh.incidents.analysis.windows import record_windows, reference_end

    windows = record_windows(user=user, municipalities=municipalities_in(user, area), today=today)
    end = reference_end(windows, today, "records")
    return max(dt.date(end.year - 2, 1, 1), MIN_DATE), end


def fill_period(
    date_from: dt.date | None, date_to: dt.date | None, default: tuple[dt.date, dt.date]
) -> tuple[dt.date, dt.date]:
    """The period asked for, its missing ends filled in: without a start, 1 January two years
    before the end (the default start when no end is given either); without an end, the default
    end (or the start, if that lies later). Check the result, not the input: a start alone may
    make a long period."""
    default_from, default_to = default
    end = date_to or (default_to if date_from is None else max(default_to, date_from))
    if date_from is not None:
        return date_from, end
    if date_to is None:
        return default_from, end
    return max(dt.date(max(end.year - 2, 1), 1, 1), MIN_DATE), end


def too_early_message() -> str:
    return earliest_date_message()


# --- Areas and populations ------------------------------------------------------------------


def municipalities_queryset(user: User | AnonymousUser) -> QuerySet[AdministrativeUnit]:
    """The municipalities whose incident statistics the user may see, by code (without their
    outlines, which no statistic draws: a programme has hundreds)."""
    return (
        AdministrativeUnit.objects.where_allowed(user, Action.AGGREGATE, Resource.INCIDENTS)
        .filter(level=Level.MUNICIPALITY)
        .defer("boundary")
        .order_by("code")
    )


def municipalities_for(user: User | AnonymousUser) -> list[AdministrativeUnit]:
    """:func:`municipalities_queryset` as a list."""
    return list(municipalities_queryset(user))


def municipalities_in(
    user: User | AnonymousUser, area: AdministrativeUnit | None
) -> list[AdministrativeUnit]:
    """The municipalities of ``area`` (all of the user's when ``None``) in the user's scope."""
    if area is None:
        return municipalities_for(user)
    return list(municipalities_queryset(user).filter(path__startswith=area.path))


def published_municipalities(area: AdministrativeUnit | None) -> list[AdministrativeUnit]:
    """Every municipality of ``area`` (of the country when ``None``) whose incident aggregates
    the public column publishes: the public level of detail that every signed-in user holds
    for the whole country (docs/privacy.md). None when it publishes no incident aggregates."""
    if not public_allows(Action.AGGREGATE, Resource.INCIDENTS):
        return []
    units = AdministrativeUnit.objects.filter(level=Level.MUNICIPALITY)
    if area is not None:
        units = units.filter(path__startswith=area.path)
    return list(units.defer("boundary").order_by("code"))


def counted_municipalities(
    user: User | AnonymousUser,
    *,
    area: AdministrativeUnit | None = None,
    municipalities: Sequence[AdministrativeUnit] | None = None,
    public: bool = False,
) -> list[AdministrativeUnit]:
    """The municipalities a statistic counts: ``municipalities`` when given (an area of the
    catalogue, a programme), else those of ``area``; in the user's scope, or at the public
    level (``public``) every one of them."""
    if municipalities is not None:
        return list(municipalities)
    return published_municipalities(area) if public else municipalities_in(user, area)


def counted_incidents(
    user: User | AnonymousUser,
    *,
    filters: IncidentFilter,
    municipalities: Sequence[AdministrativeUnit] | None = None,
    public: bool = False,
) -> IncidentQuerySet:
    """The incidents a statistic counts: those the user may aggregate in scope, or at the
    public level (``public``: every incident, for counts under the public level's disclosure
    control), of ``municipalities`` only when given."""
    if public:
        incidents = filters.apply(Incident.objects.published(Action.AGGREGATE))
    else:
        incidents = incidents_for(user=user, action=Action.AGGREGATE, filters=filters)
    if municipalities is not None:
        incidents = incidents.filter(unit_id__in=[unit.pk for unit in municipalities])
    return incidents


# --- Series ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountSeries:
    """Counts of one category (or ICCS group) per period, its rates per 10,000 residents in
    the period and per 10,000 person-years (the period's rate scaled to a whole year)."""

    key: str
    label: str
    counts: list[int]
    rates: list[float | None]
    rates_per_year: list[float | None]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class Trend:
    """Counts per period by category or ICCS group, with populations and rates per 10,000.

    ``total`` counts every incident once (an incident may be in several categories, so the
    series do not add up to it). ``population`` is per period (``None`` where unknown);
    ``rate_note`` explains rates that are missing or leave municipalities out.
    """

    periods: list[Period]
    group: Group
    by: By
    series: list[CountSeries]
    total: CountSeries
    population: list[int | None]
    municipalities: list[AdministrativeUnit]
    without_population: list[AdministrativeUnit]
    rate_note: str | None = None


def _series_keys(
    incidents: IncidentQuerySet, by: By, iccs_level: int, category: str
) -> list[tuple[str, str]]:
    if by == "category":
        chosen = [Category(category)] if category else list(Category)
        return [(value.value, str(value.label)) for value in chosen]
    width = 2 if iccs_level == 1 else 4
    codes = sorted(
        set(
            incidents.order_by()
            .annotate(iccs_group=Substr("iccs_id", 1, width))
            .values_list("iccs_group", flat=True)
            .distinct()
        )
    )
    names = {
        item.code: localized_name(item) for item in IccsCategory.objects.filter(code__in=codes)
    }
    return [(code, f"{code} {names[code]}" if code in names else code) for code in codes]


def _units_counted(incidents: IncidentQuerySet, units: list[AdministrativeUnit]) -> set[int]:
    """Which of ``units`` hold any of ``incidents``."""
    return set(
        incidents.filter(unit_id__in=[unit.pk for unit in units])
        .order_by()
        .values_list("unit_id", flat=True)
        .distinct()
    )


def trend(
    *,
    user: User | AnonymousUser,
    area: AdministrativeUnit | None,
    date_from: dt.date,
    date_to: dt.date,
    group: Group = "month",
    by: By = "category",
    category: str = "",
    iccs_level: int = 1,
    municipalities: Sequence[AdministrativeUnit] | None = None,
    public: bool = False,
) -> Trend:
    """Incident counts per month or year in ``area`` (everything in scope when ``None``), by
    prevention category (one filtered COUNT each) or ICCS level-1/2 group, every period of the
    range present (0 when empty), with rates per 10,000 (see the module docstring).

    ``municipalities`` counts those instead of an area (a programme); ``public`` counts at the
    public level (:func:`counted_incidents`), for the caller to publish at that level."""
    periods = periods_between(date_from, date_to, group)
    chosen = municipalities
    municipalities = counted_municipalities(user, area=area, municipalities=chosen, public=public)
    populations = PopulationTable.of(unit.pk for unit in municipalities)
    with_population = set(populations.known(unit.pk for unit in municipalities))
    filters = IncidentFilter(unit=area, date_from=date_from, date_to=date_to, category=category)
    incidents = counted_incidents(user, filters=filters, municipalities=chosen, public=public)
    keys = _series_keys(incidents, by, iccs_level, category)
    key_index = {key: index for index, (key, _label) in enumerate(keys)}

    columns: dict[str, ExtractYear | ExtractMonth | Substr] = {"year": ExtractYear("occurred_on")}
    if group == "month":
        columns["month"] = ExtractMonth("occurred_on")
    if by == "iccs":
        columns["iccs_group"] = Substr("iccs_id", 1, 2 if iccs_level == 1 else 4)
        aggregates = {"n": Count("pk")}
    else:
        aggregates = {
            f"c_{key}": Count("pk", filter=Q(categories__contains=f"|{key}|")) for key, _l in keys
        }
        aggregates["n"] = Count("pk")
    # Counted per period (and group) twice over: every municipality, and those with a known
    # population (the rates' numerators). Not per municipality: a national answer would be
    # tens of thousands of rows to sort in the database and add up here.
    known = (
        Case(
            When(unit_id__in=sorted(with_population), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
        if with_population
        else Value(False, output_field=BooleanField())
    )
    rows = (
        incidents.order_by()
        .annotate(known=known, **columns)
        .values("known", *columns)
        .annotate(**aggregates)
    )

    first = periods[0]
    n_periods, n_series = len(periods), len(keys)
    # [all municipalities, those with a population] × series × period
    counts = np.zeros((2, n_series, n_periods), dtype=np.int64)
    totals = np.zeros((2, n_periods), dtype=np.int64)
    for row in rows:
        if group == "month":
            index = (row["year"] - first.year) * 12 + row["month"] - (first.month or 1)
        else:
            index = row["year"] - first.year
        layers = (0, 1) if row["known"] else (0,)
        for layer in layers:
            totals[layer, index] += row["n"]
            if by == "iccs":
                counts[layer, key_index[row["iccs_group"]], index] += row["n"]
            else:
                for key, series_index in key_index.items():
                    counts[layer, series_index, index] += row[f"c_{key}"]

    population = [populations.total(with_population, period.year) for period in periods]
    denominators = np.array([value or 0 for value in population], dtype=np.float64)
    person_years = np.array(
        [populations.person_years(with_population, one.start, one.end) for one in periods],
        dtype=np.float64,
    )

    def rates_of(values: npt.NDArray[np.int64], by: npt.NDArray[np.float64]) -> list[float | None]:
        if not with_population:
            return [None] * n_periods
        computed = rate_per_10k(values, by)
        return [None if math.isnan(value) else float(value) for value in computed]

    def series_of(
        key: str, label: str, all_counts: npt.NDArray[np.int64], known: npt.NDArray[np.int64]
    ) -> CountSeries:
        return CountSeries(
            key,
            label,
            all_counts.tolist(),
            rates_of(known, denominators),
            rates_of(known, person_years),
        )

    series = [
        series_of(key, label, counts[0, i], counts[1, i]) for i, (key, label) in enumerate(keys)
    ]
    total = series_of("total", _("all incidents"), totals[0], totals[1])
    without = [unit for unit in municipalities if unit.pk not in with_population]
    note = None
    if not with_population:
        note = no_population_note()
    elif without and (counted := _units_counted(incidents, without)):
        note = units_without_population_note([unit.name for unit in without if unit.pk in counted])
    return Trend(
        periods=periods,
        group=group,
        by=by,
        series=series,
        total=total,
        population=population,
        municipalities=municipalities,
        without_population=without,
        rate_note=note,
    )


# --- Change over the last 12 months ---------------------------------------------------------


@dataclass(frozen=True)
class RateChange:
    """Incidents and rates per 10,000 person-years in two windows, and their exact ratio."""

    before: Window
    after: Window
    count_before: int
    count_after: int
    rate_before: float | None
    rate_after: float | None
    ratio: RateRatio | None  # None when no population is known or too few months recorded
    note: str | None
    #: Set when the windows were cut to the first record, or too few months were recorded.
    caveat: str | None = None
    cut: bool = False


def first_record(user: User | AnonymousUser) -> dt.date | None:
    """The day of the first incident recorded in the user's area (any category, any unit)."""
    found, _last = recorded_span(user=user)
    return found if isinstance(found, dt.date) else None


def rate_change(
    *,
    user: User | AnonymousUser,
    area: AdministrativeUnit | None,
    end: dt.date,
    category: str = "",
    months: int = 12,
    data_start: dt.date | None = None,
    municipalities: Sequence[AdministrativeUnit] | None = None,
    public: bool = False,
) -> RateChange:
    """The last ``months`` months up to ``end`` against the ``months`` before them: counts,
    rates per 10,000 person-years and the rate ratio (later over earlier) with the exact
    Poisson interval of :func:`kenesh.analytics.rates.rate_ratio`.

    As in the evaluation, the windows start no earlier than the first incident recorded in the
    user's area (``data_start``, looked up when not given): months before the register began
    are not months without crime. When the earlier window, so cut, covers less than
    :data:`RATE_CHANGE_MIN_MONTHS` months there is no rate before and no ratio; either way
    ``caveat`` says so.

    An ``end`` on a month's last day gives windows of whole months
    (:func:`kenesh.incidents.analysis.windows.windows_ending`: each municipality's own, from
    :func:`~kenesh.incidents.analysis.windows.record_windows`). ``municipalities`` and
    ``public`` choose what is counted as in :func:`trend`."""
    if end == month_end(end):
        after, before = windows_ending(end, months)
    else:
        after = Window(add_months(end, -months) + dt.timedelta(days=1), end)
        before = Window(
            add_months(end, -2 * months) + dt.timedelta(days=1),
            after.start - dt.timedelta(days=1),
        )
    if data_start is None and not public:
        data_start = first_record(user)
    caveat, enough = None, True
    if data_start is not None and data_start > before.start:
        first = format_date(data_start)
        if data_start > add_months(after.start, -RATE_CHANGE_MIN_MONTHS):
            enough = False
            caveat = _(
                "The records begin on %(first)s: fewer than %(n)d months before the last "
                "%(months)d, not enough data to compare."
            ) % {"first": first, "n": RATE_CHANGE_MIN_MONTHS, "months": months}
        else:
            caveat = _(
                "The records begin on %(first)s, so the period before is shorter than "
                "%(months)d months (from %(first)s)."
            ) % {"first": first, "months": months}
        before = Window(min(data_start, before.end), before.end)
        if data_start > after.start:
            after = Window(min(data_start, after.end), after.end)
    chosen = municipalities
    municipalities = counted_municipalities(user, area=area, municipalities=chosen, public=public)
    populations = PopulationTable.of(unit.pk for unit in municipalities)
    with_population = populations.known(unit.pk for unit in municipalities)
    filters = IncidentFilter(unit=area, date_from=before.start, date_to=end, category=category)
    everywhere = counted_incidents(user, filters=filters, municipalities=chosen, public=public)
    incidents = everywhere.filter(unit_id__in=with_population) if with_population else everywhere
    found = incidents.aggregate(
        before=Count("pk", filter=Q(occurred_on__lte=before.end)),
        after=Count("pk", filter=Q(occurred_on__gte=after.start)),
    )
    count_before, count_after = int(found["before"]), int(found["after"])
    cut = caveat is not None
    if not with_population:
        return RateChange(
            before,
            after,
            count_before,
            count_after,
            None,
            None,
            None,
            no_population_note(),
            caveat,
            cut,
        )
    unknown = [unit for unit in municipalities if unit.pk not in with_population]
    counted = _units_counted(everywhere, unknown) if unknown else set()
    without = [unit.name for unit in unknown if unit.pk in counted]
    note = units_without_population_note(without) if without else None
    exposure_after = populations.person_years(with_population, after.start, after.end)
    if not enough:
        rate_after = 10_000 * count_after / exposure_after if exposure_after > 0 else None
        return RateChange(
            before, after, count_before, count_after, None, rate_after, None, note, caveat, cut
        )
    exposure_before = populations.person_years(with_population, before.start, before.end)
    ratio = rate_ratio(count_before, exposure_before, count_after, exposure_after)
    return RateChange(
        before=before,
        after=after,
        count_before=count_before,
        count_after=count_after,
        rate_before=10_000 * ratio.rate_a,
        rate_after=10_000 * ratio.rate_b,
        ratio=ratio,
        note=note,
        caveat=caveat,
        cut=cut,
    )


@dataclass(frozen=True)
class MemberChange:
    """One municipality of a wider area in its own windows: incidents before and after, its
    rate after per 10,000 person-years and the rate ratio (None without population, or when
    its records begin too late to compare)."""

    windows: RecordWindows
    count_before: int
    count_after: int
    rate_after: float | None
    ratio: RateRatio | None
    note: str | None = None


def member_changes(
    *,
    user: User | AnonymousUser,
    windows: Mapping[int, RecordWindows],
    category: str = "",
    data_start: dt.date | None = None,
) -> dict[int, MemberChange]:
    """:func:`rate_change` for every comparable municipality of ``windows`` in its own windows,
    with one grouped count (per municipality and month) instead of one query per municipality.
    Stale municipalities are not compared and get no entry.

    The windows are whole months, cut (as in :func:`rate_change`) to ``data_start``, the first
    incident in the user's area (looked up when not given): no incident lies before it, so
    month sums stay exact."""
    compared = [one for one in windows.values() if not one.stale]
    if not compared:
        return {}
    if data_start is None:
        data_start = first_record(user)
    start = min(one.before.start for one in compared)
    end = max(one.after.end for one in compared)
    rows = (
        counted_incidents(
            user,
            filters=IncidentFilter(date_from=start, date_to=end, category=category),
            municipalities=[one.unit for one in compared],
        )
        .order_by()
        .annotate(year=ExtractYear("occurred_on"), month=ExtractMonth("occurred_on"))
        .values("unit_id", "year", "month")
        .annotate(n=Count("pk"))
    )
    per_month: dict[tuple[int, int, int], int] = {
        (row["unit_id"], row["year"], row["month"]): int(row["n"]) for row in rows
    }
    populations = PopulationTable.of(one.unit.pk for one in compared)

    def count(unit_id: int, window: Window) -> int:
        return sum(
            per_month.get((unit_id, period.year, period.month or 1), 0)
            for period in periods_between(window.start, window.end, "month")
        )

    found: dict[int, MemberChange] = {}
    for one in compared:
        pk = one.unit.pk
        before, after = one.before, one.after
        note, enough = None, True
        if data_start is not None and data_start > before.start:
            if data_start > add_months(after.start, -RATE_CHANGE_MIN_MONTHS):
                enough = False
                note = _("Records begin on %(first)s: too few months before to compare.") % {
                    "first": format_date(data_start)
                }
            before = Window(min(data_start, before.end), before.end)
        count_before, count_after = count(pk, before), count(pk, after)
        if not populations.counts.get(pk):
            found[pk] = MemberChange(one, count_before, count_after, None, None, _("no population"))
            continue
        exposure_after = populations.person_years([pk], after.start, after.end)
        rate_after = 10_000 * count_after / exposure_after if exposure_after > 0 else None
        ratio = None
        if enough:
            exposure_before = populations.person_years([pk], before.start, before.end)
            if exposure_before > 0 and exposure_after > 0:
                ratio = rate_ratio(count_before, exposure_before, count_after, exposure_after)
        found[pk] = MemberChange(one, count_before, count_after, rate_after, ratio, note)
    return found


# --- Evaluation: difference in differences --------------------------------------------------


@dataclass(frozen=True)
class Evaluation(DidEvaluation):
    """An evaluation of incidents of one prevention category (all when empty)."""

    category: str = ""

    @property
    def category_label(self) -> str:
        return str(Category(self.category).label) if self.category else _("all incidents")


def _published_span(units: Sequence[AdministrativeUnit]) -> tuple[dt.date | None, dt.date | None]:
    """The first and last incident of ``units`` at the public level (whole months are the
    caller's to widen)."""
    found = (
        Incident.objects.published(Action.AGGREGATE)
        .filter(unit_id__in=[unit.pk for unit in units])
        .aggregate(first=Min("occurred_on"), last=Max("occurred_on"))
    )
    return found["first"], found["last"]


def _names(units: Sequence[AdministrativeUnit]) -> str:
    return ", ".join(unit.name for unit in units)


def evaluation(
    *,
    user: User | AnonymousUser,
    category: str,
    treated: Sequence[AdministrativeUnit],
    comparison: Sequence[AdministrativeUnit],
    start: dt.date,
    before_months: int = 12,
    after_months: int = 12,
    end: dt.date | None = None,
    detail: Detail = Detail.RESTRICTED,
    public_comparison: bool = False,
) -> Evaluation:
    """Counts and person-years of the treated and comparison municipalities in a window
    before ``start`` and one from it, handed to :func:`kenesh.analytics.evaluation.did`.

    For an aggregate-only ``detail`` (docs/privacy.md) ``start``, ``end`` and the data range
    are widened to whole months, as the statistics' dates are, so no window is shorter than a
    month or ends within one; the caller then checks the counts
    (:func:`kenesh.incidents.disclosure.check_evaluation`).

    The before window is the ``before_months`` months up to the day before ``start``; the after
    window runs from ``start`` for ``after_months`` months, or to ``end`` when given. Both are
    cut to the data range: from the first to the last incident recorded (any category) in the
    chosen municipalities, so months not yet entered do not count as months without crime.

    Raises ``ValidationError`` keyed by field for input that cannot be evaluated: empty or
    overlapping groups, units the caller may not aggregate, a start outside the data range,
    municipalities without population. The caller has already limited the units to the
    user's scope; they are checked again here.

    With ``public_comparison`` the comparison municipalities may also lie outside the user's
    scope, at the public level of detail every signed-in user holds (docs/privacy.md): their
    incidents are counted as the public column publishes them, and the caller passes the
    ``detail`` over all the municipalities (the public level, then) to check the counts.
    """
    errors: dict[str, list[str]] = {}
    if not treated:
        errors.setdefault("treated", []).append(_("Choose at least one treated municipality."))
    if not comparison:
        errors.setdefault("comparison", []).append(
            _("Choose at least one comparison municipality.")
        )
    allowed = {unit.pk for unit in municipalities_for(user)}
    published = {unit.pk for unit in published_municipalities(None)} if public_comparison else set()
    for name, units in (("treated", treated), ("comparison", comparison)):
        open_to = allowed | published if name == "comparison" else allowed
        outside = [unit for unit in units if unit.pk not in open_to]
        if outside:
            errors.setdefault(name, []).append(
                _("No municipality %(names)s in your area.") % {"names": _names(outside)}
            )
    overlap = {unit.pk for unit in treated} & {unit.pk for unit in comparison}
    if overlap:
        both = [unit for unit in treated if unit.pk in overlap]
        errors.setdefault("comparison", []).append(
            _("%(names)s cannot be both treated and comparison.") % {"names": _names(both)}
        )
    if category and category not in Category.values:
        errors.setdefault("category", []).append(_("Choose a prevention category."))
    if not 1 <= before_months <= WINDOW_MONTHS_MAX:
        errors.setdefault("before_months", []).append(
            _("Give between 1 and %(max)d months.") % {"max": WINDOW_MONTHS_MAX}
        )
    if not 1 <= after_months <= WINDOW_MONTHS_MAX:
        errors.setdefault("after_months", []).append(
            _("Give between 1 and %(max)d months.") % {"max": WINDOW_MONTHS_MAX}
        )
    if end is not None and end < start:
        errors.setdefault("end", []).append(_("The end must not lie before the start."))
    if errors:
        raise ValidationError(errors)

    outside_scope = [unit for unit in comparison if unit.pk not in allowed]
    if outside_scope:
        data_start, data_end = _published_span([*treated, *comparison])
    else:
        data_start, data_end = recorded_span(user=user, units=[*treated, *comparison])
    if data_start is None or data_end is None:
        raise ValidationError(
            {"treated": [_("No incidents are recorded in these municipalities.")]}
        )
    widened = whole_months(detail, start, end)
    start, end = widened[0] or start, widened[1]
    first, last = whole_months(detail, data_start, data_end)
    data_start, data_end = first or data_start, last or data_end
    if not data_start < start <= data_end:
        raise ValidationError(
            {
                "start": [
                    _(
                        "The start must lie after the first and not after the last recorded "
                        "incident in these municipalities (%(first)s to %(last)s)."
                    )
                    % {"first": format_date(data_start), "last": format_date(data_end)}
                ]
            }
        )
    filtered = counted_incidents(
        user, filters=IncidentFilter(category=category), public=bool(outside_scope)
    )

    def count(unit_ids: Sequence[int], window: Window) -> int:
        return filtered.filter(
            unit_id__in=list(unit_ids),
            occurred_on__gte=window.start,
            occurred_on__lte=window.end,
        ).count()

    found = evaluate_groups(
        treated=treated,
        comparison=comparison,
        start=start,
        data_start=data_start,
        data_end=data_end,
        count=count,
        before_months=before_months,
        after_months=after_months,
        end=end,
    )
    return Evaluation(
        **{name: getattr(found, name) for name in found.__dataclass_fields__}, category=category
    )
