"""GET /api/v1/incidents/stats: counts per month or year by category or ICCS group, and rates."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kenesh.accounts.models import User
from kenesh.geo.models import AdministrativeUnit, PopulationCount
from kenesh.incidents.categories import Category
from kenesh.incidents.models import Incident
from kenesh.incidents.tests.factories import IncidentFactory
from kenesh.portal.demo import JETI_OGUZ, KARAKOL

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
URL = "/api/v1/incidents/stats"
AK_DOBO = "41702210805000"  # a municipality of Jeti-Oguz rayon without population counts
JETI_OGUZ_RAYON = "41702210000000"
CODES = ["05025", "0501", "0101", "07", "06", "0207", "02", "0906"]


def incident(**fields: Any) -> Incident:
    """A saved incident in the demo's Jeti-Oguz unless told otherwise."""
    return IncidentFactory.create(**fields)


def unit(code: str) -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code=code)


def make_incidents(code: str, year: int, n: int, seed: int) -> list[Incident]:
    rng = random.Random(seed)
    place = unit(code)
    made = []
    for _ in range(n):
        day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        made.append(
            incident(
                unit=place,
                iccs_id=rng.choice(CODES),
                occurred_on=day,
                relationship=rng.choice(["family", "stranger"]),
                offenders_male_14_17=rng.choice([0, 0, 1]),
                latitude=None,
                longitude=None,
            )
        )
    return made


@pytest.fixture
def jeti_oguz_2003() -> list[Incident]:
    Incident.objects.all().delete()
    PopulationCount.objects.create(unit=unit(JETI_OGUZ), year=2003, population=10_000)
    return make_incidents(JETI_OGUZ, 2003, 60, seed=1)


def test_monthly_counts_by_category_equal_a_count_of_the_rows_created(
    client_as: ClientAs, jeti_oguz_2003: list[Incident]
) -> None:
    response = client_as("lcpc.jetioguz").get(
        URL, {"unit": JETI_OGUZ, "from": "2003-01-01", "to": "2003-12-31"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [period["key"] for period in body["periods"]] == [f"2003-{m:02d}" for m in range(1, 13)]
    expected = Counter(
        (category, incident.occurred_on.month)
        for incident in jeti_oguz_2003
        for category in incident.category_list
    )
    assert [series["key"] for series in body["series"]] == list(Category.values)
    for series in body["series"]:
        assert series["counts"] == [expected[(series["key"], m)] for m in range(1, 13)]
        assert series["total"] == sum(series["counts"])
    months = Counter(incident.occurred_on.month for incident in jeti_oguz_2003)
    assert body["total"]["counts"] == [months[m] for m in range(1, 13)]


def test_months_without_incidents_are_zero_not_missing(client_as: ClientAs) -> None:
    Incident.objects.all().delete()
    incident(occurred_on=dt.date(2003, 2, 10))
    incident(occurred_on=dt.date(2003, 7, 1))
    body = client_as("police.jetioguz").get(URL, {"from": "2003-01-15", "to": "2003-08-10"}).json()
    assert body["total"]["counts"] == [0, 1, 0, 0, 0, 0, 1, 0]
    assert [p["partial"] for p in body["periods"]] == [True, *[False] * 6, True]
    assert body["periods"][0]["start"] == "2003-01-15"


def test_yearly_rates_per_10000_follow_the_population_of_the_year_else_the_nearest(
    client_as: ClientAs,
) -> None:
    Incident.objects.all().delete()
    jeti_oguz = unit(JETI_OGUZ)
    PopulationCount.objects.create(unit=jeti_oguz, year=2003, population=8_000)
    PopulationCount.objects.create(unit=jeti_oguz, year=2005, population=12_500)
    per_year = {2002: 3, 2003: 5, 2004: 7, 2005: 2}
    for year, n in per_year.items():
        for day in range(n):
            incident(occurred_on=dt.date(year, 3, day + 1))
    body = (
        client_as("civil.jetioguz")
        .get(URL, {"unit": JETI_OGUZ, "from": "2002-01-01", "to": "2005-12-31", "group": "year"})
        .json()
    )
    # 2002: no count yet → the nearest later (2003); 2004 → the nearest earlier (2003).
    populations = {2002: 8_000, 2003: 8_000, 2004: 8_000, 2005: 12_500}
    assert [p["population"] for p in body["periods"]] == list(populations.values())
    assert body["total"]["counts"] == list(per_year.values())
    for rate, year in zip(body["total"]["rates"], per_year, strict=True):
        assert rate == pytest.approx(10_000 * per_year[year] / populations[year])
    assert body["rate_note"] is None


def test_counts_by_iccs_level_1_and_2_groups(
    client_as: ClientAs, jeti_oguz_2003: list[Incident]
) -> None:
    for level, width in ((1, 2), (2, 4)):
        params: dict[str, str | int] = {
            "unit": JETI_OGUZ,
            "from": "2003-01-01",
            "to": "2003-12-31",
            "group": "year",
            "by": "iccs",
            "iccs_level": level,
        }
        body = client_as("coordinator").get(URL, params).json()
        expected = Counter(incident.iccs_id[:width] for incident in jeti_oguz_2003)
        found = {series["key"]: series["counts"][0] for series in body["series"]}
        assert found == dict(expected)
        assert body["series"][0]["label"].startswith(body["series"][0]["key"])


def test_one_category_only(client_as: ClientAs, jeti_oguz_2003: list[Incident]) -> None:
    body = (
        client_as("registrar.jetioguz")
        .get(URL, {"from": "2003-01-01", "to": "2003-12-31", "group": "year", "category": "fraud"})
        .json()
    )
    assert [series["key"] for series in body["series"]] == ["fraud"]
    fraud = sum("fraud" in incident.category_list for incident in jeti_oguz_2003)
    assert body["series"][0]["counts"] == [fraud]
    assert body["total"]["counts"] == [fraud]


def test_a_unit_without_population_has_counts_but_no_rates_and_says_why(
    client_as: ClientAs,
) -> None:
    Incident.objects.all().delete()
    make_incidents(AK_DOBO, 2003, 4, seed=2)
    body = (
        client_as("coordinator")
        .get(URL, {"unit": AK_DOBO, "from": "2003-01-01", "to": "2003-12-31", "group": "year"})
        .json()
    )
    assert body["total"]["counts"] == [4]
    assert body["total"]["rates"] == [None]
    assert body["periods"][0]["population"] is None
    assert body["rate_note"]
    assert [item["code"] for item in body["without_population"]] == [AK_DOBO]


def test_the_rayon_rate_leaves_out_municipalities_without_population(
    client_as: ClientAs, jeti_oguz_2003: list[Incident]
) -> None:
    make_incidents(AK_DOBO, 2003, 5, seed=3)
    body = (
        client_as("coordinator")
        .get(
            URL,
            {"unit": JETI_OGUZ_RAYON, "from": "2003-01-01", "to": "2003-12-31", "group": "year"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        .json()
    )
    assert body["total"]["counts"] == [len(jeti_oguz_2003) + 5]
    assert body["total"]["rates"] == [pytest.approx(10_000 * len(jeti_oguz_2003) / 10_000)]
    assert AK_DOBO in {item["code"] for item in body["without_population"]}
    assert "Ak-Dobo" in body["rate_note"]


def test_a_karakol_user_does_not_see_jeti_oguz(
    karakol_outsider: Client, jeti_oguz_2003: list[Incident]
) -> None:
    response = karakol_outsider.get(URL, {"unit": JETI_OGUZ})
    assert response.status_code == 404
    assert set(response.json()) == {"detail", "errors"}
    body = karakol_outsider.get(URL, {"from": "2003-01-01", "to": "2003-12-31"}).json()
    assert sum(body["total"]["counts"]) == 0
    assert [item["code"] for item in body["municipalities"]] == [KARAKOL]


def test_a_municipal_user_may_not_ask_for_the_rayon_above(client_as: ClientAs) -> None:
    response = client_as("lcpc.jetioguz").get(URL, {"unit": JETI_OGUZ_RAYON})
    assert response.status_code == 403


def test_an_anonymous_caller_must_authenticate() -> None:
    assert Client().get(URL).status_code == 401


def test_a_user_without_any_incident_role_is_forbidden() -> None:
    client = Client()
    client.force_login(User.objects.create_user("no.role", is_demo=True))
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"unit": JETI_OGUZ}).status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2004-01-01", "to": "2003-01-01"},
        {"from": "1990-01-01", "to": "2020-01-01"},
        {"group": "week"},
        {"by": "status"},
        {"iccs_level": 3},
        {"category": "theft"},
        {"from": "yesterday"},
        {"to": "0"},
        {"from": "0001-01-01", "to": "0001-03-01"},
        {"from": "1990-12-31", "to": "1991-12-31"},
        {"to": "1990-06-01"},
    ],
)
def test_bad_parameters_are_refused_with_a_reason(
    client_as: ClientAs, query: dict[str, str | int]
) -> None:
    response = client_as("coordinator").get(URL, query)
    assert response.status_code == 422, response.content
    assert response.json()["errors"]


def test_the_default_period_ends_with_the_last_complete_month_of_the_records(
    client_as: ClientAs,
) -> None:
    Incident.objects.all().delete()
    incident(occurred_on=dt.date(2004, 5, 6))
    body = client_as("lcpc.jetioguz").get(URL, {"group": "year"}).json()
    # May 2004 may still be being entered: the period ends with April.
    assert (body["date_from"], body["date_to"]) == ("2002-01-01", "2004-04-30")
    assert [period["key"] for period in body["periods"]] == ["2002", "2003", "2004"]
    body = client_as("lcpc.jetioguz").get(URL, {"from": "2004-01-01", "group": "year"}).json()
    assert (body["date_from"], body["date_to"]) == ("2004-01-01", "2004-04-30")
    body = client_as("coordinator").get(URL, {"group": "year"}).json()
    assert (body["date_from"], body["date_to"]) == ("2002-01-01", "2004-04-30")


def test_one_municipalitys_late_record_does_not_move_anothers_default_period(
    client_as: ClientAs,
) -> None:
    """Item 2 of "What officials saw": one incident dated ahead in Jeti-Oguz made every
    municipality's period run into a year without records."""
    Incident.objects.all().delete()
    incident(occurred_on=dt.date(2004, 5, 6), unit=unit(KARAKOL))
    incident(occurred_on=dt.date(2005, 9, 20))  # Jeti-Oguz, far ahead
    body = client_as("coordinator").get(URL, {"group": "year", "unit": KARAKOL}).json()
    assert body["date_to"] == "2004-04-30"
    body = client_as("coordinator").get(URL, {"group": "year", "unit": JETI_OGUZ}).json()
    assert body["date_to"] == "2005-08-31"


def test_with_nothing_recorded_the_default_period_ends_with_the_last_complete_month(
    client_as: ClientAs,
) -> None:
    Incident.objects.all().delete()
    body = client_as("lcpc.jetioguz").get(URL, {"group": "year"}).json()
    today = timezone.localdate()
    end = today.replace(day=1) - dt.timedelta(days=1)
    assert body["date_to"] == end.isoformat()
    assert body["date_from"] == dt.date(end.year - 2, 1, 1).isoformat()


def test_dates_before_1991_are_refused_with_the_platforms_message(client_as: ClientAs) -> None:
    response = client_as("coordinator").get(URL, {"from": "0001-01-01", "to": "0001-03-01"})
    assert response.status_code == 422
    assert any("before 1991" in error["msg"] for error in response.json()["errors"])


def test_rates_per_year_divide_a_part_year_by_its_person_years(client_as: ClientAs) -> None:
    Incident.objects.all().delete()
    PopulationCount.objects.create(unit=unit(JETI_OGUZ), year=2003, population=8_000)
    for day in (dt.date(2003, 1, 1), dt.date(2003, 3, 31), dt.date(2003, 4, 1)):
        incident(occurred_on=day)
    body = (
        client_as("coordinator")
        .get(URL, {"unit": JETI_OGUZ, "from": "2003-01-01", "to": "2003-03-31", "group": "year"})
        .json()
    )
    assert body["periods"][0]["partial"] is True
    # By hand: two incidents in 90 of 365 days at 8,000 residents.
    assert body["total"]["rates"] == [pytest.approx(10_000 * 2 / 8_000)]
    assert body["total"]["rates_per_year"] == [pytest.approx(10_000 * 2 / (8_000 * 90 / 365))]
