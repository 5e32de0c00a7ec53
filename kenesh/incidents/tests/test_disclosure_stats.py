"""Disclosure control of GET /api/v1/incidents/stats (docs/privacy.md).

Aggregate-only viewers get whole months, no area below a municipality, and sensitive counts
from 1 to 4 withheld with complementary suppression. The attacker here collects every number
of several answers (per month, per year, shifted periods) as linear equations over the true
monthly counts and solves them: no withheld count may come out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from django.test import Client

from kenesh.geo.models import AdministrativeUnit, PopulationCount
from kenesh.incidents.models import Incident
from kenesh.incidents.tests.factories import IncidentFactory
from kenesh.portal.demo import JETI_OGUZ

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
URL = "/api/v1/incidents/stats"
DOMESTIC = [3, 0, 7, 6, 1, 0, 9, 5, 2, 8, 0, 6]  # 2023, per month
BURGLARY = [10, 4, 12, 0, 3, 8, 6, 2, 9, 11, 5, 7]
DOMESTIC_2024 = [2, 6, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0]


def place(counts: list[int], year: int, **fields: Any) -> None:
    for month, count in enumerate(counts, start=1):
        for day in range(count):
            IncidentFactory(
                occurred_on=dt.date(year, month, 1 + day), latitude=None, longitude=None, **fields
            )


@pytest.fixture
def register(db: None) -> None:
    """Domestic violence (an assault within the family) and burglaries in Jeti-Oguz: no
    incident is in two categories, so the categories add up to the total."""
    Incident.objects.all().delete()
    jeti_oguz = AdministrativeUnit.objects.get(code=JETI_OGUZ)
    PopulationCount.objects.update_or_create(
        unit=jeti_oguz, year=2023, defaults={"population": 12_000}
    )
    place(DOMESTIC, 2023, iccs_id="0201", relationship="family")
    place(DOMESTIC_2024, 2024, iccs_id="0201", relationship="family")
    place(BURGLARY, 2023, iccs_id="0501")


def ask(client: Client, **params: Any) -> dict[str, Any]:
    response = client.get(URL, {"unit": JETI_OGUZ, **params})
    assert response.status_code == 200, response.content
    return response.json()


def series_of(body: dict[str, Any], key: str) -> dict[str, Any]:
    if key == "total":
        return body["total"]
    return next(one for one in body["series"] if one["key"] == key)


MONTHS = [(2023, m) for m in range(1, 13)] + [(2024, m) for m in range(1, 13)]
KEYS = ["domestic_violence", "burglary"]


class Attacker:
    """Linear equations over the true counts x[key, month] of the two categories; the total
    of all incidents per month is their sum (nothing else is recorded)."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.withheld: set[tuple[str, tuple[int, int]]] = set()

    def column(self, key: str, month: tuple[int, int]) -> int:
        return KEYS.index(key) * len(MONTHS) + MONTHS.index(month)

    def equation(self, key: str, months: list[tuple[int, int]]) -> None:
        row = np.zeros(len(KEYS) * len(MONTHS))
        for month in months:
            for part in KEYS if key == "total" else [key]:
                row[self.column(part, month)] = 1.0
        self.rows.append(row)

    def read(self, body: dict[str, Any], category: str | None = None) -> None:
        """Every number of an answer; of one filtered by ``category``, the total is that
        category's count."""
        periods = [
            [
                (year, month)
                for (year, month) in MONTHS
                if dt.date(year, month, 1) >= dt.date.fromisoformat(period["start"])
                and dt.date(year, month, 1) <= dt.date.fromisoformat(period["end"])
            ]
            for period in body["periods"]
        ]
        present = [one["key"] for one in body["series"] if one["key"] in KEYS]
        for key in ["total", *present]:
            one = series_of(body, key)
            if category is not None:
                key = category
            for months, value, hidden in zip(
                periods, one["counts"], one["suppressed"], strict=True
            ):
                if hidden:
                    assert value is None
                    if len(months) == 1 and key != "total":
                        self.withheld.add((key, months[0]))
                else:
                    self.equation(key, months)
            if not one["total_suppressed"]:
                self.equation(key, [month for months in periods for month in months])

    def derivable(self) -> list[tuple[str, tuple[int, int]]]:
        system = np.array(self.rows)
        rank = np.linalg.matrix_rank(system)
        found = []
        for key, month in sorted(self.withheld):
            unit = np.zeros(system.shape[1])
            unit[self.column(key, month)] = 1.0
            if np.linalg.matrix_rank(np.vstack([system, unit])) == rank:
                found.append((key, month))
        return found


def test_small_domestic_violence_months_are_withheld_from_aggregate_only_viewers(
    register: None, client_as: ClientAs
) -> None:
    body = ask(client_as("coordinator"), **{"from": "2023-01-01", "to": "2023-12-31"})
    assert body["detail"] == "aggregate" and body["suppressed"]
    domestic = series_of(body, "domestic_violence")
    for value, shown, hidden in zip(
        DOMESTIC, domestic["counts"], domestic["suppressed"], strict=True
    ):
        if 1 <= value <= 4:
            assert hidden and shown is None
        if not hidden:
            assert shown == value
    # Rates would give the counts back through the population.
    for rate, hidden in zip(domestic["rates"], domestic["suppressed"], strict=True):
        if hidden:
            assert rate is None
    # Burglary is not sensitive: its small months stay, unless a complement falls on them.
    burglary = series_of(body, "burglary")
    shown = [v for v, h in zip(burglary["counts"], burglary["suppressed"], strict=True) if not h]
    assert 4 in shown or 3 in shown or 2 in shown


def test_staff_and_police_see_every_count(register: None, client_as: ClientAs) -> None:
    for username in ("lcpc.jetioguz", "police.jetioguz"):
        body = ask(client_as(username), **{"from": "2023-01-01", "to": "2023-12-31"})
        assert not body["suppressed"]
        assert series_of(body, "domestic_violence")["counts"] == DOMESTIC
        assert not any(series_of(body, "domestic_violence")["suppressed"])


def test_no_withheld_month_comes_back_from_several_answers_together(
    register: None, client_as: ClientAs
) -> None:
    client = client_as("coordinator")
    attacker = Attacker()
    for params in (
        {"from": "2023-01-01", "to": "2023-12-31"},
        {"from": "2023-01-01", "to": "2023-12-31", "group": "year"},
        {"from": "2023-02-10", "to": "2023-08-20"},
        {"from": "2023-04-01", "to": "2024-03-31"},
        {"from": "2023-03-01", "to": "2024-06-30", "group": "year"},
        {"from": "2023-06-01", "to": "2024-12-31", "category": "domestic_violence"},
    ):
        attacker.read(ask(client, **params), params.get("category"))
    assert ("domestic_violence", (2023, 1)) in attacker.withheld
    assert ("domestic_violence", (2023, 5)) in attacker.withheld
    assert attacker.derivable() == []


def test_a_sensitive_category_alone_has_its_totals_withheld_too(
    register: None, client_as: ClientAs
) -> None:
    body = ask(
        client_as("civil.jetioguz"),
        **{"from": "2024-01-01", "to": "2024-12-31", "category": "domestic_violence"},
    )
    total = body["total"]
    assert total["counts"][0] is None and total["suppressed"][0]  # January 2024: 2
    assert total["total"] == 13 and not total["total_suppressed"]
    values = [value for value in total["counts"] if value is not None]
    assert not [value for value in values if 1 <= value <= 4]


def test_one_day_is_widened_to_its_month_for_aggregate_only_viewers(
    register: None, client_as: ClientAs
) -> None:
    body = ask(client_as("civil.jetioguz"), **{"from": "2023-03-02", "to": "2023-03-02"})
    assert (body["date_from"], body["date_to"]) == ("2023-03-01", "2023-03-31")
    assert series_of(body, "burglary")["counts"] == [12]
    staff = ask(client_as("lcpc.jetioguz"), **{"from": "2023-03-02", "to": "2023-03-02"})
    assert (staff["date_from"], staff["date_to"]) == ("2023-03-02", "2023-03-02")
    assert series_of(staff, "burglary")["counts"] == [1]


def test_no_area_below_a_municipality_for_aggregate_only_viewers(
    register: None, client_as: ClientAs
) -> None:
    settlement = AdministrativeUnit.objects.filter(
        level="settlement", path__startswith=AdministrativeUnit.objects.get(code=JETI_OGUZ).path
    ).first()
    assert settlement is not None
    response = client_as("civil.jetioguz").get(URL, {"unit": settlement.code})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["loc"] == ["query", "unit"] and "municipality" in error["msg"]
    assert client_as("lcpc.jetioguz").get(URL, {"unit": settlement.code}).status_code == 200


def test_sexual_acts_of_iccs_03_are_sensitive_in_the_view_by_iccs_group(
    register: None, client_as: ClientAs
) -> None:
    place([2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 2023, iccs_id="0301", relationship="stranger")
    body = ask(client_as("coordinator"), **{"from": "2023-01-01", "to": "2023-12-31", "by": "iccs"})
    sexual = series_of(body, "03")
    assert sexual["counts"][0] is None and sexual["suppressed"][0]
    assert sexual["total"] is None or sexual["total"] >= 5
