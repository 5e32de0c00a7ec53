"""Disclosure control: how much detail a viewer gets of a resource, and what that detail hides.

The one place for the rule of ``docs/privacy.md``. Four levels of detail, from most to least:

* ``RESTRICTED`` — police in scope (``Action.RESTRICTED``): records with every field;
* ``READ`` — staff in scope: records, restricted fields masked (:mod:`kenesh.core.masking`);
* ``AGGREGATE`` — the ``agg`` cells of the role table: counts only, hot spot cells of at least
  1 km without counts from 1 to 4, no period shorter than a month, no area smaller than a
  municipality, and in sensitive categories monthly counts from 1 to 4 suppressed;
* ``PUBLIC`` — the public column: anonymous visitors, and every signed-in user for the whole
  country; as aggregate-only, with every count from 1 to 4 suppressed.

Pages show a count suppressed for being from 1 to 4 itself (primary suppression) as ``<5``, and
one withheld only so that such a count cannot be worked out from it (complementary suppression,
and any total or sum that contains a withheld count) as ``×``, which says nothing of its size
(the ``published`` filter of the ``disclosure`` template library); the API sends ``null`` with
``"suppressed": true``. Suppression itself is
the kernel :mod:`kenesh.analytics.disclosure` (primary and complementary).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from django.utils.translation import gettext_lazy as _
from ninja import Schema
from ninja.errors import ValidationError
from pydantic import Field

from kenesh.analytics.disclosure import DEFAULT_THRESHOLD, suppress_series, suppress_table
from kenesh.core.periods import month_end
from kenesh.core.permissions import Action, Resource, public_allows, role_allows
from kenesh.core.scope import grants_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User

#: Counts from 1 to ``SMALL_COUNT - 1`` are suppressed where the level asks for it.
SMALL_COUNT = DEFAULT_THRESHOLD
#: How a count suppressed for being from 1 to 4 reads on a page (it is 1 to 4: never else).
SUPPRESSED_TEXT = f"<{SMALL_COUNT}"
#: How a count withheld only to protect another one reads on a page (it may be any number).
WITHHELD_TEXT = "×"
#: The narrowest hot spot cell an aggregate-only or public viewer gets, in metres.
MIN_AGGREGATE_CELL_M = 1000.0
#: The shortest period an aggregate-only or public viewer gets counts over.
MIN_AGGREGATE_PERIOD = "month"
#: The smallest area an aggregate-only or public viewer gets counts for (a level of geo).
MIN_AGGREGATE_AREA = "municipality"
#: Groupings of counts by period that are shorter than a month.
SHORTER_THAN_A_MONTH = frozenset({"day", "week"})


class Detail(enum.IntEnum):
    """Level of detail, ordered: a higher level sees everything a lower one does."""

    PUBLIC = 1
    AGGREGATE = 2
    READ = 3
    RESTRICTED = 4

    @property
    def aggregate_only(self) -> bool:
        """Counts under disclosure control rather than records."""
        return self <= Detail.AGGREGATE

    @property
    def code(self) -> str:
        """The level's name in API answers: "restricted", "read", "aggregate", "public"."""
        return self.name.lower()


def _grant_detail(role: str, resource: Resource) -> Detail | None:
    if role_allows(role, Action.RESTRICTED, resource):
        return Detail.RESTRICTED
    if role_allows(role, Action.READ, resource):
        return Detail.READ
    if role_allows(role, Action.AGGREGATE, resource):
        return Detail.AGGREGATE
    return None


def _public_detail(resource: Resource) -> Detail | None:
    return Detail.PUBLIC if public_allows(Action.AGGREGATE, resource) else None


def detail_at(
    user: User | AnonymousUser | None, resource: Resource, path: str | None = None
) -> Detail | None:
    """The level of detail ``user`` gets of ``resource`` over the unit at ``path``.

    ``path`` is an administrative unit's path; the level is that of the strongest assignment
    covering the whole unit. Without ``path`` (the user's whole area), it is that of the weakest
    assignment that shows the resource at all, so data of every covered unit is safe for all.
    Anyone (anonymous included) holds the public column for the whole country: the answer is
    ``Detail.PUBLIC`` where no assignment gives more and the resource publishes aggregates, and
    None where nothing at all may be shown.
    """
    levels = [
        (grant.path, level)
        for grant in grants_of(user)
        if (level := _grant_detail(grant.role, resource)) is not None
    ]
    if path is None:
        found = min((level for _, level in levels), default=None)
    else:
        found = max((level for prefix, level in levels if path.startswith(prefix)), default=None)
    return found if found is not None else _public_detail(resource)


def detail_over(
    user: User | AnonymousUser | None, resource: Resource, paths: Iterable[str]
) -> Detail | None:
    """The level of detail over several units at once (the municipalities a total counts):
    the weakest of the levels over each, so the total is safe for every one of them. With no
    unit at all, the level over the user's whole area."""
    levels = [detail_at(user, resource, path) for path in paths]
    if not levels:
        return detail_at(user, resource)
    if any(level is None for level in levels):
        return None
    return min(level for level in levels if level is not None)


class DisclosureRefused(Exception):
    """A request for more detail than the level allows; the caller answers a 4xx with it.

    ``field`` names the parameter at fault (for a 422's ``loc`` or a form error).
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def query_error(exc: DisclosureRefused) -> ValidationError:
    """The refusal as the API's 422 on the query parameter at fault."""
    return ValidationError(
        [{"loc": ["query", exc.field], "msg": exc.message, "type": "disclosure"}]
    )


def min_cell_m(detail: Detail) -> float:
    """The narrowest hot spot cell, in metres, the level may ask for (0: any)."""
    return MIN_AGGREGATE_CELL_M if detail.aggregate_only else 0.0


def check_cell_size(detail: Detail, cell_m: float, *, field: str = "cell_m") -> None:
    """Refuse hot spot cells narrower than 1 km to aggregate-only and public viewers."""
    if cell_m < min_cell_m(detail):
        raise DisclosureRefused(
            field,
            str(
                _(
                    "Cells narrower than %(metres)d m could single out an incident; at your "
                    "level of access choose %(metres)d m or more."
                )
                % {"metres": int(MIN_AGGREGATE_CELL_M)}
            ),
        )


def check_period(detail: Detail, period: str, *, field: str = "group") -> None:
    """Refuse counts per period shorter than a month (``day``, ``week``) to aggregate-only
    and public viewers. ``period`` is the grouping asked for: day, week, month, year."""
    if detail.aggregate_only and period in SHORTER_THAN_A_MONTH:
        raise DisclosureRefused(
            field, str(_("At your level of access counts are given per month or longer."))
        )


def whole_months(
    detail: Detail, date_from: dt.date | None, date_to: dt.date | None
) -> tuple[dt.date | None, dt.date | None]:
    """The dates an aggregate-only or public viewer is counted over: widened to whole months
    (the first of the first month to the last of the last; an open end stays open), so no count
    covers less than a month, nor differs from a neighbouring request by a few days. Unchanged
    at the other levels."""
    if not detail.aggregate_only:
        return date_from, date_to
    start = date_from.replace(day=1) if date_from is not None else None
    end = month_end(date_to) if date_to is not None else None
    return start, end


def check_area(detail: Detail, *, below_municipality: bool, field: str = "unit") -> None:
    """Refuse counts for an area smaller than a municipality (a settlement) to aggregate-only
    and public viewers."""
    if detail.aggregate_only and below_municipality:
        raise DisclosureRefused(
            field,
            str(_("At your level of access counts are given for a municipality or larger areas.")),
        )


def suppresses(detail: Detail, *, sensitive: bool) -> bool:
    """Whether counts from 1 to 4 are suppressed at this level: every count for the public,
    counts in sensitive categories (and hot spot cells) for aggregate-only viewers."""
    if detail is Detail.PUBLIC:
        return True
    return detail is Detail.AGGREGATE and sensitive


def suppresses_cells(detail: Detail, *, sensitive: bool = False) -> bool:
    """Whether hot spot cell counts from 1 to 4 are suppressed at this level (and the cells'
    z-scores withheld): always for aggregate-only and public viewers; on a map of a sensitive
    category for every level below the police's, as a cell of 1 to 4 would locate incidents
    whose point they may not see."""
    return detail.aggregate_only or (sensitive and detail is not Detail.RESTRICTED)


# -- published values -----------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    """One count as published: ``value`` is None when it is suppressed.

    ``small``: suppressed for being from 1 to 4 itself (primary suppression; a page says
    ``<5``). A count suppressed without it is withheld only so that a small one cannot be
    worked out from it (complementary suppression, a total or a sum containing a withheld
    count): it may be any number, and a page says ``×``."""

    value: int | None
    suppressed: bool = False
    small: bool = False

    @classmethod
    def withheld(cls, *, small: bool = False) -> Published:
        """A suppressed count: ``small`` when it is from 1 to 4 (primary)."""
        return cls(None, True, small)

    def __str__(self) -> str:
        if not self.suppressed:
            return str(self.value)
        return SUPPRESSED_TEXT if self.small else WITHHELD_TEXT

    def api(self) -> dict[str, int | bool | None]:
        """The count's API form: ``{"count": null, "suppressed": true}`` when suppressed."""
        return {"count": self.value, "suppressed": self.suppressed}


def _published(
    values: Sequence[int], hidden: Sequence[bool], primary: Sequence[bool] | None = None
) -> list[Published]:
    small = primary if primary is not None else [False] * len(values)
    return [
        Published.withheld(small=bool(first)) if flag else Published(int(value))
        for value, flag, first in zip(values, hidden, small, strict=True)
    ]


def _one(value: int, hidden: bool, primary: bool) -> Published:
    return Published.withheld(small=primary) if hidden else Published(int(value))


@dataclass(frozen=True)
class PublishedSeries:
    """A series of counts (months, map cells) and its total, as published."""

    counts: list[Published]
    total: Published

    @property
    def values(self) -> list[int | None]:
        return [one.value for one in self.counts]

    @property
    def suppressed(self) -> list[bool]:
        return [one.suppressed for one in self.counts]

    @property
    def any_suppressed(self) -> bool:
        return self.total.suppressed or any(self.suppressed)

    @property
    def marks(self) -> set[str]:
        """The marks its withheld counts read as on a page: ``small`` (``<5``) and
        ``complementary`` (``×``), for a legend that explains only those shown."""
        return {
            "small" if one.small else "complementary"
            for one in [*self.counts, self.total]
            if one.suppressed
        }


def publish_series(counts: Sequence[int], *, suppress: bool) -> PublishedSeries:
    """A series with its total, small counts suppressed (with complementary suppression, as the
    total is published) when ``suppress`` is True, and published whole otherwise."""
    total = int(sum(counts))
    if not suppress:
        return PublishedSeries(_published(counts, [False] * len(counts)), Published(total))
    found = suppress_series(list(counts))
    return PublishedSeries(
        _published(counts, found.hidden.tolist(), [_small(int(value)) for value in counts]),
        _one(total, found.total_hidden, _small(total)),
    )


@dataclass(frozen=True)
class PublishedTable:
    """Rows of counts (series over the same periods) with their totals, as published:
    ``rows[i].total`` is row i's total, ``column_totals`` the totals per period and the
    grand total."""

    rows: list[PublishedSeries]
    column_totals: PublishedSeries

    @property
    def any_suppressed(self) -> bool:
        return self.column_totals.any_suppressed or any(row.any_suppressed for row in self.rows)


def _small(value: int) -> bool:
    return 1 <= value < SMALL_COUNT


def publish_table(
    rows: Sequence[Sequence[int]],
    *,
    suppress_rows: Sequence[bool],
    column_totals: Sequence[int] | None = None,
    suppress_totals: bool = False,
) -> PublishedTable:
    """Rows of counts with their row totals, column totals and grand total, as published.

    ``suppress_rows[i]``: row i's counts (and its total) from 1 to 4 are suppressed (a
    sensitive category for an aggregate-only viewer, every row for the public).
    ``column_totals``: the totals as published when the rows overlap (an incident in two
    categories counts once in the total, so a total may be less than the sum of its column);
    by default the sums. ``suppress_totals``: the totals' own counts from 1 to 4 are suppressed
    too (the public level).

    Complementary suppression (:func:`kenesh.analytics.disclosure.suppress_table`) runs on the
    rows with their sums as column totals: the attacker is assumed to know how much the rows
    overlap, so a published total is as good as the sum, and a total is withheld whenever the
    sum would give a suppressed count back. Rows not suppressed are published whole unless a
    complement falls on them.
    """
    n_rows = len(rows)
    n_columns = len(rows[0]) if rows else 0
    counts = [[int(value) for value in row] for row in rows]
    sums = [sum(row[j] for row in counts) for j in range(n_columns)]
    totals = [int(value) for value in column_totals] if column_totals is not None else sums
    if len(totals) != n_columns or len(suppress_rows) != n_rows:
        raise ValueError("one total per column and one flag per row")
    # Every incident lies in one period, so the grand total is the sum of the column totals.
    grand = sum(totals)
    primary = [
        [suppress_rows[i] and _small(value) for value in row]
        + [suppress_rows[i] and _small(sum(row))]
        for i, row in enumerate(counts)
    ]
    primary.append([suppress_totals and _small(value) for value in totals] + [False])
    primary[n_rows][n_columns] = suppress_totals and _small(grand)
    # The reader knows which entries the rule covers: a complement among them is not small.
    eligible = [[bool(suppress_rows[i])] * (n_columns + 1) for i in range(n_rows)]
    eligible.append([suppress_totals] * (n_columns + 1))
    if not any(any(line) for line in primary):
        return PublishedTable(
            [publish_series(row, suppress=False) for row in counts],
            PublishedSeries(_published(totals, [False] * n_columns), Published(grand)),
        )
    found = suppress_table(counts, primary=primary, eligible=eligible)
    assert found.row_totals_hidden is not None and found.column_totals_hidden is not None
    published_rows = [
        PublishedSeries(
            _published(row, found.hidden[i].tolist(), primary[i][:n_columns]),
            _one(sum(row), bool(found.row_totals_hidden[i]), primary[i][n_columns]),
        )
        for i, row in enumerate(counts)
    ]
    published_totals = PublishedSeries(
        _published(totals, found.column_totals_hidden.tolist(), primary[n_rows][:n_columns]),
        _one(grand, found.grand_total_hidden, primary[n_rows][n_columns]),
    )
    return PublishedTable(published_rows, published_totals)


# -- the API's form ---------------------------------------------------------------------------

SuppressibleCount = Annotated[
    int | None,
    Field(
        description=f"null when suppressed: a count from 1 to {SMALL_COUNT - 1}, or one that "
        "would give such a count back from a total"
    ),
]


class CountOut(Schema):
    """One count in an API answer: ``{"count": null, "suppressed": true}`` when suppressed."""

    count: SuppressibleCount
    suppressed: bool = Field(False, description="True when the count is withheld")
