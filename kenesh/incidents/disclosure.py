"""Disclosure control of incident statistics: the rule of :mod:`kenesh.core.disclosure` applied
to the register's own series (docs/privacy.md).

Which incidents are sensitive is said once, in :mod:`kenesh.incidents.categories`; the levels
of detail, the 1 km / whole-month / municipality rules and the suppression itself live in core
and :mod:`kenesh.analytics.disclosure`. Here: the level of a viewer over the municipalities a
statistic counts, which series of a trend are sensitive, and a trend as published.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext as _

from kenesh.core.disclosure import (
    SMALL_COUNT,
    Detail,
    DisclosureRefused,
    Published,
    PublishedSeries,
    detail_over,
    publish_table,
    suppresses,
)
from kenesh.core.permissions import Resource
from kenesh.incidents.categories import SENSITIVE_CATEGORIES, SENSITIVE_ICCS_CODES

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User
    from kenesh.geo.models import AdministrativeUnit
    from kenesh.incidents.analysis.trends import CountSeries, Evaluation, Trend


def incident_detail(
    user: User | AnonymousUser | None, units: Sequence[AdministrativeUnit]
) -> Detail:
    """The level of detail of incident statistics over ``units`` (the municipalities counted):
    the weakest over them. The callers have already refused what the user may not aggregate,
    so at worst it is the public level."""
    return detail_over(user, Resource.INCIDENTS, [unit.path for unit in units]) or Detail.PUBLIC


def sensitive_incidents() -> Q:
    """The incidents in a sensitive category, as a filter."""
    query = Q(pk__in=[])
    for prefix in SENSITIVE_ICCS_CODES:
        query |= Q(iccs__code__startswith=prefix)
    for category in SENSITIVE_CATEGORIES:
        query |= Q(categories__contains=f"|{category}|")
    return query


def sensitive_series(*, by: str, key: str, category: str) -> bool:
    """Whether a series counts sensitive incidents only: every series when the statistic is of a
    sensitive category, else the domestic violence series (``by="category"``) or the ICCS
    groups of section 03 (``by="iccs"``)."""
    if category in SENSITIVE_CATEGORIES:
        return True
    if by == "category":
        return key in SENSITIVE_CATEGORIES
    return any(key.startswith(prefix) for prefix in SENSITIVE_ICCS_CODES)


@dataclass(frozen=True)
class PublishedTrend:
    """A trend as a viewer gets it: each series' counts and total, possibly suppressed, and the
    rates left out wherever their count is (a rate times the population gives it back)."""

    detail: Detail
    series: list[PublishedSeries]
    total: PublishedSeries
    blocks: _YearBlocks | None = None

    @property
    def any_suppressed(self) -> bool:
        return self.total.any_suppressed or any(one.any_suppressed for one in self.series)

    @property
    def marks(self) -> set[str]:
        """The marks of its withheld counts (:attr:`PublishedSeries.marks`)."""
        return set().union(self.total.marks, *(one.marks for one in self.series))

    def withholds(self, start: dt.date, end: dt.date, key: str | None = None) -> bool:
        """Whether a count of the series ``key`` (the total by default) from ``start`` to
        ``end`` is withheld: the months it touches must lie in the calendar years the
        suppression was decided on (``by_month_over_years`` of :func:`publish_trend`)."""
        if self.blocks is None:
            return False
        return self.blocks.period(key, start, end)

    def count(self, key: str | None, start: dt.date, end: dt.date, value: int) -> Published:
        """``value``, the count of the series ``key`` (the total by default) from ``start`` to
        ``end``, as published: withheld where :meth:`withholds` says so, as ``<5`` only when it
        is one entry of a year's table suppressed for being small."""
        if self.blocks is None:
            return Published(int(value))
        return self.blocks.published(key, start, end, value)


def _whole(series: CountSeries) -> PublishedSeries:
    return PublishedSeries(
        [Published(int(value)) for value in series.counts], Published(series.total)
    )


#: The all-incidents series in a block (series are named by their keys).
TOTAL = None


@dataclass
class _YearBlocks:
    """What complementary suppression withheld, calendar year by calendar year: per series key
    (and :data:`TOTAL`), the months withheld and whether the year's total is, each as its
    table published it (``small`` for a primary suppression, a count from 1 to 4)."""

    months: dict[tuple[str | None, int, int], Published]
    years: dict[tuple[str | None, int], Published]

    def month(self, key: str | None, year: int, month: int) -> bool:
        found = self.months.get((key, year, month))
        return found is not None and found.suppressed

    def year(self, key: str | None, year: int) -> bool:
        found = self.years.get((key, year))
        return found is not None and found.suppressed

    def published(self, key: str | None, start: dt.date, end: dt.date, value: int) -> Published:
        """The count ``value`` of ``key`` from ``start`` to ``end`` as published: ``<5`` only
        where it is one entry of a year's table suppressed for being small (a month, or a
        whole calendar year); a withheld sum of other months, or of several years, may be any
        number and is withheld without saying so."""
        if not self.period(key, start, end):
            return Published(int(value))
        entry: Published | None = None
        if (start.year, start.month) == (end.year, end.month):
            entry = self.months.get((key, start.year, start.month))
        elif (start, end) == (dt.date(start.year, 1, 1), dt.date(start.year, 12, 31)):
            entry = self.years.get((key, start.year))
        return Published.withheld(small=entry is not None and entry.small)

    def period(self, key: str | None, start: dt.date, end: dt.date) -> bool:
        """Whether the count of ``key`` from ``start`` to ``end`` (whole months) is withheld:
        a whole calendar year as its block decided, a part of one when any month of it is
        withheld, several years when any of them is."""
        for year in range(start.year, end.year + 1):
            first = max(start, dt.date(year, 1, 1))
            last = min(end, dt.date(year, 12, 31))
            if (first, last) == (dt.date(year, 1, 1), dt.date(year, 12, 31)):
                if self.year(key, year):
                    return True
            elif any(self.month(key, year, month) for month in range(first.month, last.month + 1)):
                return True
        return False


def _year_blocks(full: Trend, flags: dict[str, bool], totals_sensitive: bool) -> _YearBlocks:
    blocks = _YearBlocks({}, {})
    keys = [one.key for one in full.series]
    for year in sorted({period.year for period in full.periods}):
        index = [k for k, period in enumerate(full.periods) if period.year == year]
        months = [full.periods[k].month or 0 for k in index]
        totals = [full.total.counts[k] for k in index]
        if keys:
            table = publish_table(
                [[one.counts[k] for k in index] for one in full.series],
                suppress_rows=[flags.get(key, False) for key in keys],
                column_totals=totals,
                suppress_totals=totals_sensitive,
            )
            rows, column_totals = table.rows, table.column_totals
        else:
            alone = publish_table(
                [totals], suppress_rows=[totals_sensitive], suppress_totals=totals_sensitive
            )
            rows, column_totals = [], alone.rows[0]
        named: list[tuple[str | None, PublishedSeries]] = [*zip(keys, rows, strict=True)]
        for key, row in [*named, (TOTAL, column_totals)]:
            for month, one in zip(months, row.counts, strict=True):
                blocks.months[(key, year, month)] = one
            blocks.years[(key, year)] = row.total
    return blocks


def full_years(date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar years around a period: suppression is decided on them."""
    return dt.date(date_from.year, 1, 1), dt.date(date_to.year, 12, 31)


def publish_trend(
    trend: Trend, *, detail: Detail, category: str, by_month_over_years: Callable[[], Trend]
) -> PublishedTrend:
    """The counts of ``trend`` (per month or per year) as ``detail`` may see them.

    Aggregate-only viewers get the counts of sensitive series from 1 to 4 suppressed, the
    public every count from 1 to 4, both with complementary suppression against the series'
    totals and the total of all incidents per month (:func:`kenesh.core.disclosure
    .publish_table`; series may overlap, the attacker is assumed to know by how much).
    ``category`` is the prevention category the trend was filtered by ("" for none).

    Suppression is decided per calendar year, on the same trend per month over the whole years
    around the period (``by_month_over_years`` computes it, only when something may be
    suppressed): what one request withholds does not depend on its dates, so shifting the
    period, or asking per year instead of per month, gives nothing back. A year, or a total
    over several months, is withheld when its calendar year's table withheld it or it sums a
    withheld month.
    """
    flags = {
        one.key: suppresses(
            detail, sensitive=sensitive_series(by=trend.by, key=one.key, category=category)
        )
        for one in trend.series
    }
    totals_sensitive = suppresses(detail, sensitive=category in SENSITIVE_CATEGORIES)
    if not any(flags.values()) and not totals_sensitive:
        return PublishedTrend(detail, [_whole(one) for one in trend.series], _whole(trend.total))
    full = by_month_over_years()
    full_flags = {
        one.key: suppresses(
            detail, sensitive=sensitive_series(by=full.by, key=one.key, category=category)
        )
        for one in full.series
    }
    blocks = _year_blocks(full, full_flags, totals_sensitive)

    def published(key: str | None, series: CountSeries) -> PublishedSeries:
        counts = [
            blocks.published(key, period.start, period.end, value)
            for period, value in zip(trend.periods, series.counts, strict=True)
        ]
        start, end = trend.periods[0].start, trend.periods[-1].end
        return PublishedSeries(counts, blocks.published(key, start, end, series.total))

    return PublishedTrend(
        detail,
        [published(one.key, one) for one in trend.series],
        published(TOTAL, trend.total),
        blocks,
    )


def published_rates(rates: Sequence[float | None], counts: PublishedSeries) -> list[float | None]:
    """Rates with those of suppressed counts left out."""
    return [
        None if one.suppressed else rate for rate, one in zip(rates, counts.counts, strict=True)
    ]


def check_evaluation(found: Evaluation, detail: Detail) -> None:
    """Refuse an evaluation whose counts the viewer may not see (docs/privacy.md).

    Where the statistics would suppress a count from 1 to 4 (a sensitive category for an
    aggregate-only viewer, any category for the public), an evaluation with such a count in
    any of its four cells (treated and comparison, before and after) is refused whole: its
    rates, rate ratios and estimate give the counts back (a rate times the person-years is the
    count), so nothing of it can be published. Raises :class:`DisclosureRefused` on
    ``treated``.
    """
    if not suppresses(detail, sensitive=found.category in SENSITIVE_CATEGORIES):
        return
    counts = (
        found.treated.count_before,
        found.treated.count_after,
        found.comparison.count_before,
        found.comparison.count_after,
    )
    if any(1 <= count < SMALL_COUNT for count in counts):
        raise DisclosureRefused(
            "treated",
            _(
                "At your level of access counts under %(n)d are not published, and this "
                "evaluation has one. Choose more municipalities or longer periods."
            )
            % {"n": SMALL_COUNT},
        )
