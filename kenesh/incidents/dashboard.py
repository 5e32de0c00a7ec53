"""The incident module's panels of the home dashboard, and the programme table as an export.

What each role sees first (docs/user-guide.md, "What each role sees first"):

- **whoever registers incidents** (police): a button to register one, today's and this week's
  incidents with the newest of them, the open cases by status, the latest import;
- **one municipality** (LCPC, local government, and anyone whose dashboard shows one
  municipality): its crime at a glance, the last 12 complete months against the 12 before by
  prevention category, with the date of the latest record and links to the analyses;
- **several municipalities** (programme coordinator): the programme's municipalities side by
  side, with the whole programme on top, sortable (``?sort=``) and exportable (the
  ``programme-municipalities`` export kind).

The windows come from :mod:`kenesh.incidents.analysis.windows` (the one home of "12 complete
months up to each municipality's own latest record"); rates and rate ratios from
:func:`kenesh.incidents.analysis.trends.rate_change` and :mod:`kenesh.analytics.rates`; what a
viewer may see of the counts from :mod:`kenesh.incidents.disclosure`, as on the crime page.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.db.models.functions import ExtractMonth, ExtractYear
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kenesh.analytics.rates import RateRatio, rate_ratio
from kenesh.core.disclosure import Detail, Published, suppresses
from kenesh.core.exports import (
    ExportColumn,
    ExportKind,
    ExportSelection,
    ExportSpec,
    ValueType,
)
from kenesh.core.models import ImportJob
from kenesh.core.permissions import Action, Resource
from kenesh.geo.evaluation import Window
from kenesh.geo.models import AdministrativeUnit
from kenesh.geo.population import PopulationTable
from kenesh.incidents.analysis import trends
from kenesh.incidents.analysis.windows import (
    AreaWindows,
    RecordWindows,
    area_windows,
    comparison_label,
    record_windows,
    windows_ending,
)
from kenesh.incidents.categories import Category
from kenesh.incidents.disclosure import (
    TOTAL,
    full_years,
    incident_detail,
    publish_trend,
)
from kenesh.incidents.filters import incidents_for
from kenesh.incidents.imports.spec import IMPORT_KIND
from kenesh.incidents.models import Status
from kenesh.orgs.programmes import area_catalogue

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User
    from kenesh.orgs.models import Programme

    AnyUser = User | AnonymousUser

#: Cases still being worked on: solved, closed and referred ones are done at the station.
OPEN_STATUSES = (Status.REGISTERED, Status.UNDER_INVESTIGATION)
#: How many of this week's incidents the police panel lists.
RECENT_INCIDENTS = 5
#: Months the programme table's completeness looks at: the two 12-month windows.
COMPLETENESS_MONTHS = 24


def _list_url(**params: Any) -> str:
    query = urlencode({name: value for name, value in params.items() if value})
    return reverse("incidents:list") + (f"?{query}" if query else "")


# --- Police: register, today, this week, open cases, the latest import ----------------------


@dataclass(frozen=True)
class OpenCases:
    status: str
    label: str
    count: int
    url: str


def police_panel(user: AnyUser, units: list[AdministrativeUnit]) -> dict[str, Any] | None:
    """The first screen of whoever registers incidents (police): counts of today's and this
    week's incidents (occurred on; the week from Monday), this week's newest, the open cases
    by status and the latest incident import the user may open, all over the municipalities
    where they may register incidents."""
    today = timezone.localdate()
    week_start = today - dt.timedelta(days=today.weekday())
    incidents = incidents_for(user=user, action=Action.WRITE)
    counts = incidents.order_by().aggregate(
        today=Count("pk", filter=Q(occurred_on=today)),
        week=Count("pk", filter=Q(occurred_on__gte=week_start, occurred_on__lte=today)),
        **{
            f"status_{status.value}": Count("pk", filter=Q(status=status.value))
            for status in OPEN_STATUSES
        },
    )
    recent = list(
        incidents.filter(occurred_on__gte=week_start, occurred_on__lte=today)
        .select_related("iccs", "unit", "settlement")
        .order_by("-occurred_on", "-pk")[:RECENT_INCIDENTS]
    )
    open_cases = [
        OpenCases(
            status.value,
            str(status.label),
            counts[f"status_{status.value}"],
            _list_url(status=status.value),
        )
        for status in OPEN_STATUSES
    ]
    return {
        "today": today,
        "week_start": week_start,
        "today_count": counts["today"],
        "week_count": counts["week"],
        "recent": recent,
        "today_url": _list_url(**{"from": today.isoformat(), "to": today.isoformat()}),
        "week_url": _list_url(**{"from": week_start.isoformat(), "to": today.isoformat()}),
        "open_cases": open_cases,
        "open_total": sum(one.count for one in open_cases),
        "latest_import": latest_import(user),
        "single_unit": units[0] if len(units) == 1 else None,
    }


def latest_import(user: AnyUser) -> ImportJob | None:
    """The newest incident import the user may open: their own, or any uploaded where they may
    see restricted incident data (as the job's page decides, :func:`import_job_for`)."""
    jobs = ImportJob.objects.filter(kind=IMPORT_KIND.key).only(
        "pk", "kind", "filename", "status", "total_rows", "created_count", "updated_count",
        "unchanged_count", "rejected_count", "dry_run", "created_at", "finished_at",
        "unit_path", "created_by",
    )  # fmt: skip
    reachable = jobs.where_allowed(user, Action.RESTRICTED, IMPORT_KIND.resource)
    if user.is_authenticated:
        reachable = reachable | jobs.filter(created_by_id=user.pk)
    return reachable.order_by("-created_at", "-pk").first()


# --- One municipality at a glance -----------------------------------------------------------


@dataclass(frozen=True)
class CategoryCounts:
    """One line of the glance: incidents of a category in the 12 months before and the last
    12, as published at the viewer's level (withheld ones marked, docs/privacy.md)."""

    key: str
    label: str
    before: Published
    after: Published

    @property
    def withheld(self) -> bool:
        return self.before.suppressed or self.after.suppressed

    @property
    def difference(self) -> int | None:
        if self.before.value is None or self.after.value is None:
            return None
        return self.after.value - self.before.value


def analysis_links(
    unit: AdministrativeUnit | None, *, area: str = ""
) -> list[tuple[str, str, str]]:
    """(label, address, test id) of the analysis pages, opened on ``unit`` where they take one
    (the crime page on ``area``, a choice of :mod:`kenesh.orgs.programmes`, when given)."""
    query = f"?unit={unit.code}" if unit is not None else ""
    crime = area or (unit.code if unit is not None else "")
    return [
        (_("Crime and rates"), crime_url(crime), "crime"),
        (_("Hot spots"), reverse("incidents:spatial:hotspots") + query, "hotspots"),
        (_("Near repeats"), reverse("incidents:spatial:near_repeat") + query, "near-repeat"),
        (_("Did it work?"), reverse("incidents:analysis:evaluation"), "evaluation"),
    ]


def crime_url(area: str) -> str:
    """The crime page on ``area`` (a municipality's code, ``programme:<id>``, ...)."""
    address = reverse("incidents:analysis:crime")
    return f"{address}?{urlencode({'area': area})}" if area else address


def _window_sums(periods: Sequence[Any], counts: Sequence[int], window: Window) -> int:
    return sum(
        count
        for period, count in zip(periods, counts, strict=True)
        if window.start <= period.start and period.end <= window.end
    )


def municipality_glance(
    *, user: AnyUser, unit: AdministrativeUnit, today: dt.date | None = None
) -> dict[str, Any]:
    """One municipality's crime at a glance: the last 12 complete months up to its own latest
    record against the 12 before (:func:`record_windows`), per prevention category and in
    all, published as the crime page publishes them (counts of sensitive categories from 1 to
    4 withheld for aggregate-only viewers, with complementary suppression decided per calendar
    year), and the rate ratio of all incidents with its 95 % interval."""
    today = today or timezone.localdate()
    windows = record_windows(user=user, municipalities=[unit], today=today)[unit.pk]
    # Stale against today: the municipality's records stop well before today's last complete
    # month (the same rule the programme applies between municipalities).
    behind = record_windows(user=user, municipalities=[unit], today=today, up_to="today")
    context: dict[str, Any] = {
        "unit": unit,
        "windows": windows,
        "latest": windows.latest,
        "stops_early": windows.latest is not None and behind[unit.pk].stale,
        "links": analysis_links(unit),
        "rows": [],
        "total": None,
        "change": None,
    }
    if windows.latest is None:
        return context
    after, before = windows.after, windows.before
    monthly = trends.trend(user=user, area=unit, date_from=before.start, date_to=after.end)
    detail = incident_detail(user, [unit])

    @functools.cache
    def over_years() -> trends.Trend:
        start, end = full_years(before.start, after.end)
        return trends.trend(user=user, area=unit, date_from=start, date_to=end)

    published = publish_trend(monthly, detail=detail, category="", by_month_over_years=over_years)

    def counts(key: str | None, values: Sequence[int]) -> CategoryCounts:
        label = str(Category(key).label) if key else _("all incidents")
        return CategoryCounts(
            key or "total",
            label,
            published.count(
                key, before.start, before.end, _window_sums(monthly.periods, values, before)
            ),
            published.count(
                key, after.start, after.end, _window_sums(monthly.periods, values, after)
            ),
        )

    rows = [counts(one.key, one.counts) for one in monthly.series]
    shown = [row for row in rows if row.before.value != 0 or row.after.value != 0]
    total = counts(TOTAL, monthly.total.counts)
    change = None
    if not total.withheld:
        change = trends.rate_change(
            user=user, area=unit, end=windows.end, data_start=trends.first_record(user)
        )
    context.update(
        {
            # Categories without any incident in either window say nothing; withheld ones stay.
            "rows": shown,
            "total": total,
            "change": change,
            "withheld": any(row.withheld for row in [*shown, total]),
            # Every count withheld: one sentence says so, not a grid of marks.
            "all_withheld": all(
                row.before.suppressed and row.after.suppressed for row in [*shown, total]
            ),
            "marks": {
                "small" if one.small else "complementary"
                for row in [*shown, total]
                for one in (row.before, row.after)
                if one.suppressed
            },
            "public_detail": detail is Detail.PUBLIC,
            "years_url": crime_url(unit.code) + "#years-heading",
            "comparison": comparison_label(after, before),
        }
    )
    return context


def municipality_panel(user: AnyUser, units: list[AdministrativeUnit]) -> dict[str, Any] | None:
    """The glance, on a dashboard of one municipality whose incident figures the user may see."""
    if len(units) != 1:
        return None
    unit = units[0]
    if not trends.municipalities_queryset(user).filter(pk=unit.pk).exists():
        return None
    return municipality_glance(user=user, unit=unit)


# --- The programme's municipalities side by side --------------------------------------------


@dataclass(frozen=True)
class ProgrammeRow:
    """One municipality of the programme table. Incidents, rate and change cover its own
    windows and are ``None`` when it is stale (its records stop early: flagged, not compared)
    or nothing is recorded."""

    unit: AdministrativeUnit
    name: str
    windows: RecordWindows
    incidents: int | None
    rate: float | None
    ratio: RateRatio | None
    months_with_records: int
    crime_url: str
    note: str | None = None

    @property
    def latest(self) -> dt.date | None:
        return self.windows.latest

    @property
    def stale(self) -> bool:
        return self.windows.stale

    @property
    def change(self) -> float | None:
        if self.ratio is None or math.isnan(self.ratio.ratio):
            return None
        return self.ratio.ratio


@dataclass(frozen=True)
class ProgrammeTotals:
    """The whole programme over the municipalities compared (the stale ones left out), in
    one pair of windows that no member's records run short of (:func:`area_windows`)."""

    windows: AreaWindows | None
    incidents: int | None
    rate: float | None
    ratio: RateRatio | None
    compared: int
    stale: int


@dataclass
class ProgrammeTable:
    programme: Programme | None
    name: str
    rows: list[ProgrammeRow]
    totals: ProgrammeTotals
    sort: str
    #: The 24 complete months completeness counts: up to the newest end in the programme.
    completeness: Window | None


#: Sort keys of the table (``?sort=key``, ``?sort=-key`` for descending).
SORT_KEYS = ("name", "incidents", "rate", "change", "latest", "completeness")
DEFAULT_SORT = "name"


def _sort_value(row: ProgrammeRow, key: str) -> Any:
    return {
        "name": row.name.casefold(),
        "incidents": row.incidents,
        "rate": row.rate,
        "change": row.change,
        "latest": row.latest,
        "completeness": row.months_with_records,
    }[key]


def sort_rows(rows: list[ProgrammeRow], sort: str) -> list[ProgrammeRow]:
    """The rows in the order ``sort`` names; rows without the value (stale, nothing recorded)
    last in either direction, then by name."""
    key = sort.removeprefix("-")
    descending = sort.startswith("-")
    by_name = sorted(rows, key=lambda row: (row.name.casefold(), row.unit.code))
    valued = [row for row in by_name if _sort_value(row, key) is not None]
    missing = [row for row in by_name if _sort_value(row, key) is None]
    return sorted(valued, key=lambda row: _sort_value(row, key), reverse=descending) + missing


def parse_sort(text: str | None) -> str:
    """A valid sort (``name``, ``-rate``, ...) from a query parameter, else the default."""
    text = (text or "").strip()
    return text if text.removeprefix("-") in SORT_KEYS else DEFAULT_SORT


def _months_with_records(
    user: AnyUser, units: Sequence[AdministrativeUnit], window: Window
) -> dict[int, int]:
    """How many calendar months of ``window`` hold at least one incident, per municipality:
    one grouped query over the distinct (unit, year, month)."""
    rows = (
        incidents_for(user=user, action=Action.AGGREGATE)
        .filter(
            unit_id__in=[unit.pk for unit in units],
            occurred_on__gte=window.start,
            occurred_on__lte=window.end,
        )
        .order_by()
        .annotate(year=ExtractYear("occurred_on"), month=ExtractMonth("occurred_on"))
        .values_list("unit_id", "year", "month")
        .distinct()
    )
    found: dict[int, int] = {}
    for unit_id, _year, _month in rows:
        found[unit_id] = found.get(unit_id, 0) + 1
    return found


def _programme_totals(
    user: AnyUser, windows: dict[int, RecordWindows], *, withheld: bool
) -> ProgrammeTotals:
    """Incidents, rate per 10,000 person-years and rate ratio of the compared municipalities
    summed, in the windows of :func:`area_windows`. As in :func:`trends.rate_change`, the rates
    count only municipalities with a known population (numerator and denominator cover the
    same people); the ratio is :func:`kenesh.analytics.rates.rate_ratio`'s exact one."""
    shared = area_windows(windows)
    stale = sum(1 for one in windows.values() if one.stale)
    if shared is None:
        return ProgrammeTotals(None, None, None, None, 0, stale)
    compared = [member.unit for member in shared.compared]
    ids = [unit.pk for unit in compared]
    found = (
        incidents_for(user=user, action=Action.AGGREGATE)
        .filter(
            unit_id__in=ids,
            occurred_on__gte=shared.before.start,
            occurred_on__lte=shared.after.end,
        )
        .order_by()
        .values("unit_id")
        .annotate(
            before=Count("pk", filter=Q(occurred_on__lte=shared.before.end)),
            after=Count("pk", filter=Q(occurred_on__gte=shared.after.start)),
        )
    )
    per_unit = {row["unit_id"]: (row["before"], row["after"]) for row in found}
    incidents = sum(after for _before, after in per_unit.values())
    populations = PopulationTable.of(ids)
    known = populations.known(ids)
    ratio, rate = None, None
    if known and not withheld:
        before = sum(per_unit.get(pk, (0, 0))[0] for pk in known)
        after = sum(per_unit.get(pk, (0, 0))[1] for pk in known)
        exposure_before = populations.person_years(known, shared.before.start, shared.before.end)
        exposure_after = populations.person_years(known, shared.after.start, shared.after.end)
        if exposure_before > 0 and exposure_after > 0:
            ratio = rate_ratio(before, exposure_before, after, exposure_after)
            rate = 10_000 * ratio.rate_b
    return ProgrammeTotals(
        shared, None if withheld else incidents, rate, ratio, len(compared), stale
    )


def programme_area(
    user: AnyUser,
) -> tuple[Programme | None, str, list[AdministrativeUnit], dict[int, str]] | None:
    """The programme the coordinator's table shows: the default programme of the user's areas
    (:func:`kenesh.orgs.programmes.area_catalogue`), its municipalities in the user's scope;
    None when the user sees incident figures of at most one municipality or of no programme."""
    municipalities = trends.municipalities_for(user)
    if len(municipalities) <= 1:
        return None
    catalogue = area_catalogue(municipalities)
    area = catalogue.default()
    if area is None or area.kind != "programme":
        return None
    labels = {unit.pk: catalogue.municipality_label(unit) for unit in area.municipalities}
    return area.programme, area.name, area.municipalities, labels


def programme_table(
    *, user: AnyUser, sort: str = DEFAULT_SORT, today: dt.date | None = None
) -> ProgrammeTable | None:
    """The programme's municipalities side by side (module docstring): per municipality the
    incidents of its last 12 complete months, their rate per 10,000 person-years, the rate
    ratio against the 12 months before with its 95 % interval (:func:`trends.rate_change`),
    its latest record, and how many of the programme's last 24 complete months hold records;
    the whole programme on top."""
    found = programme_area(user)
    if found is None:
        return None
    programme, name, units, labels = found
    today = today or timezone.localdate()
    windows = record_windows(user=user, municipalities=units, today=today)
    # Counts of all incidents: withheld only where even they are (the public level; a viewer
    # with aggregates in scope sees them, docs/privacy.md).
    withheld = suppresses(incident_detail(user, units), sensitive=False)
    reference = max((one.end for one in windows.values()), default=None)
    completeness, months = None, {}
    if reference is not None:
        after, before = windows_ending(reference, COMPLETENESS_MONTHS // 2)
        completeness = Window(before.start, after.end)
        months = _months_with_records(user, units, completeness)
    data_start = trends.first_record(user)
    rows = []
    for unit in units:
        own = windows[unit.pk]
        change = None
        if not own.stale and not withheld:
            change = trends.rate_change(user=user, area=unit, end=own.end, data_start=data_start)
        rows.append(
            ProgrammeRow(
                unit=unit,
                name=labels.get(unit.pk, unit.name),
                windows=own,
                incidents=change.count_after if change is not None else None,
                rate=change.rate_after if change is not None else None,
                ratio=change.ratio if change is not None else None,
                months_with_records=months.get(unit.pk, 0),
                crime_url=crime_url(unit.code),
                note=(change.caveat or change.note) if change is not None else None,
            )
        )
    sort = parse_sort(sort)
    return ProgrammeTable(
        programme=programme,
        name=name,
        rows=sort_rows(rows, sort),
        totals=_programme_totals(user, windows, withheld=withheld),
        sort=sort,
        completeness=completeness,
    )


def programme_panel(
    user: AnyUser, units: list[AdministrativeUnit], *, query: Mapping[str, str]
) -> dict[str, Any] | None:
    """The coordinator's table, sorted by ``?sort=``; absent for one municipality."""
    table = programme_table(user=user, sort=query.get("sort", ""))
    if table is None:
        return None
    key, descending = table.sort.removeprefix("-"), table.sort.startswith("-")
    headers = {
        one: (
            # A second click on the sorted column turns the order round.
            f"-{one}" if one == key and not descending else one,
            "descending" if one == key and descending else "ascending" if one == key else "",
        )
        for one in SORT_KEYS
    }
    return {
        "table": table,
        "headers": headers,
        "exports": [
            (fmt, reverse("dashboard-programme-export", args=[fmt]) + f"?sort={table.sort}")
            for fmt in ("csv", "xlsx")
        ],
        "links": analysis_links(
            None, area=f"programme:{table.programme.pk}" if table.programme is not None else ""
        ),
        "completeness_months": COMPLETENESS_MONTHS,
    }


# --- The programme table as an export -------------------------------------------------------

T, INT, FLOAT, DATE, BOOL = (
    ValueType.TEXT,
    ValueType.INT,
    ValueType.FLOAT,
    ValueType.DATE,
    ValueType.BOOL,
)

PROGRAMME_SPEC = ExportSpec(
    kind="programme-municipalities",
    label=gettext_lazy("The programme's municipalities side by side"),
    sheet_title="programme",
    columns=(
        ExportColumn("unit", gettext_lazy("municipality code"), "#adm3+code"),
        ExportColumn("unit_name", gettext_lazy("municipality"), "#adm3+name"),
        ExportColumn("after_start", gettext_lazy("last 12 months from"), "#date+start", DATE),
        ExportColumn("after_end", gettext_lazy("last 12 months to"), "#date+end", DATE),
        ExportColumn("incidents", gettext_lazy("incidents"), "#crime+num", INT),
        ExportColumn(
            "rate", gettext_lazy("per 10,000 residents per year"), "#crime+rate+per10k", FLOAT
        ),
        ExportColumn(
            "rate_ratio",
            gettext_lazy("rate ratio, last 12 months to the 12 before"),
            "#crime+change+ratio",
            FLOAT,
        ),
        ExportColumn(
            "ratio_lower",
            # A literal percent sign ("% i" would read as a format): xgettext:no-python-format
            gettext_lazy("95 % interval, lower"),
            "#crime+change+lower",
            FLOAT,
        ),
        ExportColumn(
            "ratio_upper",
            # A literal percent sign ("% i" would read as a format): xgettext:no-python-format
            gettext_lazy("95 % interval, upper"),
            "#crime+change+upper",
            FLOAT,
        ),
        ExportColumn("latest", gettext_lazy("latest record"), "#date+latest", DATE),
        ExportColumn(
            "months_with_records",
            gettext_lazy("months with records of the last 24"),
            "#meta+months",
            INT,
        ),
        ExportColumn(
            "stale", gettext_lazy("records stop early, not compared"), "#status+stale", BOOL
        ),
    ),
)

PROGRAMME_EXPORT = ExportKind(
    kind=PROGRAMME_SPEC.kind,
    label=PROGRAMME_SPEC.label,
    resource=Resource.INCIDENTS,
    action=Action.AGGREGATE,
    model="incidents.incident",
    select="kenesh.incidents.dashboard.programme_export",
    filter_help="(programme-municipalities: sort)",
)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def programme_rows(table: ProgrammeTable) -> list[dict[str, Any]]:
    """The table's rows as the export writes them, in the table's order."""
    return [
        {
            "unit": row.unit.code,
            "unit_name": row.name,
            "after_start": None if row.stale else row.windows.after.start,
            "after_end": None if row.stale else row.windows.after.end,
            "incidents": row.incidents,
            "rate": _finite(row.rate),
            "rate_ratio": _finite(row.change),
            "ratio_lower": _finite(row.ratio.lower) if row.ratio is not None else None,
            "ratio_upper": _finite(row.ratio.upper) if row.ratio is not None else None,
            "latest": row.latest,
            "months_with_records": row.months_with_records,
            "stale": row.stale,
        }
        for row in table.rows
    ]


def programme_export(*, user: AnyUser | None, params: Mapping[str, str]) -> ExportSelection:
    """The programme table as export rows for ``user`` (the same selector as the page, so the
    file holds what the table shows, in its order). The trusted operator of the command line
    (``None``) must name a user: the table is a coordinator's view of their own programme."""
    unknown = set(params) - {"sort"}
    if unknown:
        raise ValidationError(
            _("Unknown filter: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    if user is None:
        raise ValidationError(_("Give --user: the table is of a user's programme."))
    sort = parse_sort(params.get("sort"))
    table = programme_table(user=user, sort=sort)
    rows = programme_rows(table) if table is not None else []
    programme = table.programme if table is not None else None
    return ExportSelection(
        spec=PROGRAMME_SPEC,
        rows=rows,
        count=len(rows),
        filters={"sort": sort, "programme": programme.pk if programme is not None else None},
    )
