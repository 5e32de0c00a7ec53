"""Disclosure control: the level of detail per viewer, its rules, and counts as published.

Viewers are stand-ins carrying their grants (what :func:`kenesh.core.scope.grants_of` caches),
so the policy is checked against the role table alone, without a database.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import numpy as np
import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.utils import translation

from kenesh.analytics.disclosure import SuppressedTable
from kenesh.analytics.tests.test_disclosure import derivable, random_table
from kenesh.core.disclosure import (
    SUPPRESSED_TEXT,
    WITHHELD_TEXT,
    CountOut,
    Detail,
    DisclosureRefused,
    Published,
    PublishedTable,
    check_area,
    check_cell_size,
    check_period,
    detail_at,
    detail_over,
    publish_series,
    publish_table,
    query_error,
    suppresses,
    suppresses_cells,
    whole_months,
)
from kenesh.core.permissions import (
    PERMISSIONS,
    PUBLIC,
    PUBLIC_PERMISSIONS,
    Action,
    Resource,
    Role,
    public_allows,
    role_allows,
)
from kenesh.core.scope import Grant

ISSYK_KUL = "/41702000000000/"
JETI_OGUZ_RAYON = f"{ISSYK_KUL}41702210000000/"
JETI_OGUZ = f"{JETI_OGUZ_RAYON}41702210830000/"
KARAKOL = f"{ISSYK_KUL}41702410000010/"


class SignedIn:
    """A signed-in user reduced to their role assignments."""

    is_authenticated = True
    is_active = True
    is_superuser = False

    def __init__(self, *grants: tuple[str, str]) -> None:
        self._kenesh_grants = tuple(Grant(role, path) for role, path in grants)


def Viewer(*grants: tuple[str, str]) -> Any:
    return SignedIn(*grants)


def test_each_role_gets_the_level_of_its_cell_in_the_role_table() -> None:
    expected = {
        Role.POLICE_OFFICER: Detail.RESTRICTED,
        Role.ADMINISTRATOR: Detail.READ,
        Role.LCPC_COORDINATOR: Detail.READ,
        Role.LOCAL_GOVERNMENT: Detail.READ,
        Role.PROGRAMME_COORDINATOR: Detail.AGGREGATE,
        Role.CIVIL_SOCIETY: Detail.AGGREGATE,
        Role.LIVESTOCK_REGISTRAR: Detail.AGGREGATE,
    }
    for role, level in expected.items():
        viewer = Viewer((role.value, JETI_OGUZ))
        assert detail_at(viewer, Resource.INCIDENTS, JETI_OGUZ) is level, role
        assert detail_at(viewer, Resource.INCIDENTS) is level, role


def test_anonymous_visitors_get_incident_aggregates_at_the_public_level() -> None:
    assert detail_at(AnonymousUser(), Resource.INCIDENTS, JETI_OGUZ) is Detail.PUBLIC
    assert detail_at(None, Resource.INCIDENTS) is Detail.PUBLIC
    assert detail_at(AnonymousUser(), Resource.ACCOUNTS) is None
    assert detail_at(AnonymousUser(), Resource.ROAD_VIOLATIONS, JETI_OGUZ) is None


def test_a_signed_in_user_holds_the_public_level_for_the_whole_country() -> None:
    police = Viewer((Role.POLICE_OFFICER.value, JETI_OGUZ))
    assert detail_at(police, Resource.INCIDENTS, KARAKOL) is Detail.PUBLIC
    # Their own rayon and oblast too: the assignment does not cover them whole.
    assert detail_at(police, Resource.INCIDENTS, JETI_OGUZ_RAYON) is Detail.PUBLIC
    assert detail_at(police, Resource.INCIDENTS, ISSYK_KUL) is Detail.PUBLIC
    # Nothing the public column lacks.
    assert detail_at(police, Resource.ACCOUNTS, KARAKOL) is None


def test_an_oblast_assignment_covers_the_municipalities_below_it() -> None:
    coordinator = Viewer((Role.PROGRAMME_COORDINATOR.value, ISSYK_KUL))
    assert detail_at(coordinator, Resource.INCIDENTS, JETI_OGUZ) is Detail.AGGREGATE
    assert detail_at(coordinator, Resource.INCIDENTS, "/41703000000000/") is Detail.PUBLIC


def test_the_strongest_assignment_over_a_unit_counts_and_the_weakest_over_a_whole_area() -> None:
    viewer = Viewer(
        (Role.CIVIL_SOCIETY.value, JETI_OGUZ_RAYON), (Role.POLICE_OFFICER.value, JETI_OGUZ)
    )
    assert detail_at(viewer, Resource.INCIDENTS, JETI_OGUZ) is Detail.RESTRICTED
    assert detail_at(viewer, Resource.INCIDENTS, JETI_OGUZ_RAYON) is Detail.AGGREGATE
    # "Everything in my area" mixes both: the data must be safe for the weaker one.
    assert detail_at(viewer, Resource.INCIDENTS) is Detail.AGGREGATE


def test_the_public_column_is_no_role_and_widens_no_scope() -> None:
    assert public_allows(Action.AGGREGATE, Resource.INCIDENTS)
    assert not public_allows(Action.READ, Resource.INCIDENTS)
    assert not public_allows(Action.RESTRICTED, Resource.INCIDENTS)
    assert public_allows(Action.READ, Resource.GEOGRAPHY)
    for resource in (Resource.ACCOUNTS, Resource.ROAD_VIOLATIONS, Resource.ORGANISATIONS):
        assert PUBLIC_PERMISSIONS[resource] == frozenset(), resource
    assert all(PUBLIC not in cells for cells in PERMISSIONS.values())
    assert not role_allows(PUBLIC, Action.AGGREGATE, Resource.INCIDENTS)
    assert PUBLIC not in Role.values


def test_aggregate_only_and_public_viewers_get_no_cell_under_one_kilometre() -> None:
    for level in (Detail.AGGREGATE, Detail.PUBLIC):
        with pytest.raises(DisclosureRefused) as refused, translation.override("en"):
            check_cell_size(level, 100)
        assert refused.value.field == "cell_m"
        assert "1000 m" in refused.value.message
        check_cell_size(level, 1000)
    check_cell_size(Detail.READ, 100)
    check_cell_size(Detail.RESTRICTED, 50)


def test_aggregate_only_viewers_get_no_period_shorter_than_a_month() -> None:
    for period in ("day", "week"):
        with pytest.raises(DisclosureRefused):
            check_period(Detail.AGGREGATE, period)
        check_period(Detail.READ, period)
    check_period(Detail.PUBLIC, "month")
    check_period(Detail.AGGREGATE, "year")


def test_dates_are_widened_to_whole_months_for_aggregate_only_viewers() -> None:
    one_day = dt.date(2024, 2, 14)
    assert whole_months(Detail.AGGREGATE, one_day, one_day) == (
        dt.date(2024, 2, 1),
        dt.date(2024, 2, 29),
    )
    assert whole_months(Detail.PUBLIC, dt.date(2023, 12, 31), dt.date(2024, 1, 1)) == (
        dt.date(2023, 12, 1),
        dt.date(2024, 1, 31),
    )
    assert whole_months(Detail.READ, one_day, one_day) == (one_day, one_day)


def test_aggregate_only_viewers_get_no_area_smaller_than_a_municipality() -> None:
    with pytest.raises(DisclosureRefused) as refused:
        check_area(Detail.AGGREGATE, below_municipality=True)
    assert refused.value.field == "unit"
    check_area(Detail.AGGREGATE, below_municipality=False)
    check_area(Detail.READ, below_municipality=True)


def test_who_gets_small_counts_suppressed() -> None:
    assert suppresses(Detail.PUBLIC, sensitive=False)
    assert suppresses(Detail.AGGREGATE, sensitive=True)
    assert not suppresses(Detail.AGGREGATE, sensitive=False)
    assert not suppresses(Detail.READ, sensitive=True)
    assert not suppresses(Detail.RESTRICTED, sensitive=True)
    assert suppresses_cells(Detail.AGGREGATE) and suppresses_cells(Detail.PUBLIC)
    assert not suppresses_cells(Detail.READ)
    # A map of a sensitive category: every level below the police's.
    assert suppresses_cells(Detail.READ, sensitive=True)
    assert not suppresses_cells(Detail.RESTRICTED, sensitive=True)


def test_a_series_is_published_whole_or_with_complementary_suppression() -> None:
    whole = publish_series([0, 2, 7, 15], suppress=False)
    assert whole.values == [0, 2, 7, 15] and whole.total == Published(24)
    assert not whole.any_suppressed
    guarded = publish_series([0, 2, 7, 15], suppress=True)
    assert guarded.values == [0, None, None, 15]
    assert guarded.suppressed == [False, True, True, False]
    assert guarded.total == Published(24)
    # The 2 is small itself; the 7 is withheld only so that the total does not give the 2 back.
    assert [str(one) for one in guarded.counts] == ["0", SUPPRESSED_TEXT, WITHHELD_TEXT, "15"]


def as_suppressed_table(counts: np.ndarray, published: PublishedTable) -> SuppressedTable:
    """The published table in the kernel's shape, for the rank-based attacker."""
    return SuppressedTable(
        counts=counts,
        hidden=np.array([row.suppressed for row in published.rows], dtype=bool),
        primary=np.zeros_like(counts, dtype=bool),
        row_totals=counts.sum(axis=1),
        row_totals_hidden=np.array([row.total.suppressed for row in published.rows]),
        column_totals=counts.sum(axis=0),
        column_totals_hidden=np.array(published.column_totals.suppressed, dtype=bool),
        grand_total=int(counts.sum()),
        grand_total_hidden=published.column_totals.total.suppressed,
    )


def test_sensitive_rows_beside_others_give_nothing_back_through_the_totals() -> None:
    rng = np.random.default_rng(17)
    for _ in range(200):
        n_rows, n_cols = int(rng.integers(1, 6)), int(rng.integers(1, 13))
        counts = random_table(rng, n_rows, n_cols)
        sensitive = (rng.random(n_rows) < 0.4).tolist()
        published = publish_table(counts.tolist(), suppress_rows=sensitive)
        for row, flag, values in zip(published.rows, sensitive, counts, strict=True):
            small = [1 <= value <= 4 for value in values]
            if flag:
                assert all(hidden for hidden, s in zip(row.suppressed, small, strict=True) if s)
            for one, value in zip(row.counts, values, strict=True):
                assert one.value in (None, value)
        assert derivable(as_suppressed_table(counts, published)) == [], (counts, sensitive)


def test_the_public_level_shows_no_count_from_one_to_four_anywhere() -> None:
    rng = np.random.default_rng(19)
    for _ in range(200):
        counts = random_table(rng, int(rng.integers(1, 5)), int(rng.integers(1, 10)))
        published = publish_table(
            counts.tolist(), suppress_rows=[True] * len(counts), suppress_totals=True
        )
        shown = [
            one.value
            for series in [*published.rows, published.column_totals]
            for one in [*series.counts, series.total]
            if not one.suppressed
        ]
        assert not [value for value in shown if value is not None and 1 <= value <= 4], counts
        assert derivable(as_suppressed_table(counts, published)) == []


def test_overlapping_rows_publish_their_own_totals_and_protect_as_if_they_added_up() -> None:
    # January: 2 cases of domestic violence and 1 of juvenile delinquency, one incident being
    # both, so 2 incidents in all.
    rows = [[2, 6, 9], [1, 5, 0]]  # domestic violence, juvenile delinquency
    totals = [2, 11, 9]
    published = publish_table(rows, suppress_rows=[True, False], column_totals=totals)
    assert published.rows[0].counts[0].suppressed
    # Knowing the overlap, January's total gives the 2 back (2 + 1 - 1): it is withheld, or
    # the juvenile count beside it is.
    assert published.column_totals.counts[0].suppressed or published.rows[1].counts[0].suppressed
    for one, total in zip(published.column_totals.counts, totals, strict=True):
        assert one.value in (None, total)
    assert published.column_totals.total.value in (None, 22)


def test_a_table_without_sensitive_rows_is_published_whole() -> None:
    published = publish_table([[1, 2], [3, 0]], suppress_rows=[False, False])
    assert not published.any_suppressed
    assert published.column_totals.values == [4, 2]
    assert published.column_totals.total == Published(6)


def test_a_table_refuses_totals_that_do_not_match_its_columns() -> None:
    with pytest.raises(ValueError, match="one total per column"):
        publish_table([[1, 2]], suppress_rows=[True], column_totals=[1])


def test_a_suppressed_count_is_null_with_suppressed_true_in_the_api() -> None:
    assert Published(None, True).api() == {"count": None, "suppressed": True}
    assert Published(7).api() == {"count": 7, "suppressed": False}
    out = CountOut.model_validate(Published(None, True).api())
    assert json.loads(out.model_dump_json()) == {"count": None, "suppressed": True}
    schema = CountOut.model_json_schema()
    assert "null when suppressed" in json.dumps(schema)


def test_a_suppressed_count_reads_less_than_five_on_a_page() -> None:
    template = Template(
        "{% load disclosure %}{{ hidden|published }} {{ shown|published }} "
        "{{ plain|published:flag }} {{ big|published }}"
    )
    html = template.render(
        Context(
            {
                "hidden": Published.withheld(small=True),
                "shown": Published(12),
                "plain": 3,
                "flag": True,
                "big": 12500,
            }
        )
    )
    # Each mark carries its meaning as a title and an accessible name (the tags stripped here).
    assert re.sub(r"<[^>]+>", "", html) == "&lt;5 12 &lt;5 12\u202f500"


def test_an_open_end_stays_open_when_dates_are_widened() -> None:
    assert whole_months(Detail.AGGREGATE, None, dt.date(2024, 2, 3)) == (None, dt.date(2024, 2, 29))
    assert whole_months(Detail.AGGREGATE, dt.date(2024, 2, 3), None) == (dt.date(2024, 2, 1), None)


def test_over_several_units_the_weakest_level_counts() -> None:
    viewer = Viewer((Role.POLICE_OFFICER.value, JETI_OGUZ), (Role.CIVIL_SOCIETY.value, KARAKOL))
    assert detail_over(viewer, Resource.INCIDENTS, [JETI_OGUZ]) is Detail.RESTRICTED
    assert detail_over(viewer, Resource.INCIDENTS, [JETI_OGUZ, KARAKOL]) is Detail.AGGREGATE
    assert detail_over(viewer, Resource.INCIDENTS, []) is Detail.AGGREGATE
    assert detail_over(viewer, Resource.ACCOUNTS, [JETI_OGUZ]) is None


def test_a_refusal_is_a_422_on_its_query_parameter() -> None:
    error = query_error(DisclosureRefused("cell_m", "too small"))
    assert error.errors == [{"loc": ["query", "cell_m"], "msg": "too small", "type": "disclosure"}]
    assert Detail.AGGREGATE.code == "aggregate"
