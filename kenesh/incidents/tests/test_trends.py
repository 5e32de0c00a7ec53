"""Trend selectors: periods, population denominators, grouped counts, the 12-month change."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

import pytest
from django.utils import translation

from kenesh.accounts.models import User
from kenesh.analytics.rates import rate_ratio
from kenesh.core import periods
from kenesh.geo import evaluation as geo_evaluation
from kenesh.geo import population
from kenesh.geo.models import AdministrativeUnit, PopulationCount
from kenesh.incidents.analysis import trends
from kenesh.incidents.categories import Category
from kenesh.incidents.models import Incident
from kenesh.incidents.tests.factories import IncidentFactory
from kenesh.portal.demo import JETI_OGUZ, KARAKOL

pytestmark = pytest.mark.django_db

AK_DOBO = "41702210805000"
JETI_OGUZ_RAYON = "41702210000000"
ISSYK_KUL_OBLAST = "41702000000000"


def incident(**fields: Any) -> Incident:
    """A saved incident in the demo's Jeti-Oguz unless told otherwise."""
    return IncidentFactory.create(**fields)


def unit(code: str) -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code=code)


def user(username: str) -> User:
    return User.objects.get(username=username)


def test_months_are_added_on_the_last_day_when_the_month_is_shorter() -> None:
    assert periods.add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert periods.add_months(dt.date(2024, 3, 15), -12) == dt.date(2023, 3, 15)
    assert periods.add_months(dt.date(2024, 12, 1), 1) == dt.date(2025, 1, 1)


def test_periods_cover_every_month_and_mark_the_cut_ones() -> None:
    found = periods.periods_between(dt.date(2023, 11, 20), dt.date(2024, 2, 29), "month")
    assert [p.key for p in found] == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert [p.partial for p in found] == [True, False, False, False]
    assert found[0].start == dt.date(2023, 11, 20)
    years = periods.periods_between(dt.date(2023, 11, 20), dt.date(2024, 2, 29), "year")
    assert [(p.key, p.partial) for p in years] == [("2023", True), ("2024", True)]


def test_the_population_of_a_year_is_that_years_else_the_nearest_earlier_else_later() -> None:
    table = population.PopulationTable({1: {2010: 100, 2012: 120, 2015: 150}, 2: {}})
    assert table.of_unit(1, 2012) == (120, 2012)
    assert table.of_unit(1, 2013) == (120, 2012)  # nearest earlier, not the nearer later 2015
    assert table.of_unit(1, 2020) == (150, 2015)
    assert table.of_unit(1, 2005) == (100, 2010)  # nothing earlier: the nearest later
    assert table.of_unit(2, 2012) is None
    assert table.total([1, 2], 2013) == 120
    assert table.total([2], 2013) is None


def test_person_years_weigh_each_years_population_by_the_days_covered() -> None:
    table = population.PopulationTable({1: {2023: 365_000, 2024: 366_000}})
    # 10 days of 2023 and 20 days of 2024 (a leap year): 10 × 1,000 + 20 × 1,000.
    found = table.person_years([1], dt.date(2023, 12, 22), dt.date(2024, 1, 20))
    assert found == pytest.approx(30_000.0)


def test_grouped_counts_equal_a_count_of_the_rows_created_for_every_category() -> None:
    Incident.objects.all().delete()
    rng = random.Random(11)
    codes = ["05025", "0501", "0101", "07", "06", "0207", "0906", "02", "04014"]
    made = [
        incident(
            unit=unit(rng.choice([JETI_OGUZ, AK_DOBO])),
            iccs_id=rng.choice(codes),
            occurred_on=dt.date(2003, 1, 1) + dt.timedelta(days=rng.randrange(730)),
            relationship=rng.choice(["intimate_partner", "stranger"]),
            context=rng.choice(["none", "none", "extremism"]),
            offenders_female_0_13=rng.choice([0, 0, 2]),
            latitude=None,
            longitude=None,
        )
        for _ in range(150)
    ]
    found = trends.trend(
        user=user("coordinator"),
        area=unit(JETI_OGUZ_RAYON),
        date_from=dt.date(2003, 1, 1),
        date_to=dt.date(2004, 12, 31),
    )
    assert len(found.periods) == 24
    expected = Counter(
        (category, (incident.occurred_on.year - 2003) * 12 + incident.occurred_on.month - 1)
        for incident in made
        for category in incident.category_list
    )
    for series in found.series:
        assert series.counts == [expected[(series.key, i)] for i in range(24)], series.key
    assert sum(found.total.counts) == len(made)
    # Rates count only Jeti-Oguz, whose population is known: 2023's count for 2003 and 2004.
    population = PopulationCount.objects.get(unit=unit(JETI_OGUZ), year=2023).population
    jeti_oguz = Counter(
        (incident.occurred_on.year - 2003) * 12 + incident.occurred_on.month - 1
        for incident in made
        if incident.unit.code == JETI_OGUZ
    )
    assert found.population == [population] * 24
    assert found.total.rates == [
        pytest.approx(10_000 * jeti_oguz[i] / population) for i in range(24)
    ]
    assert AK_DOBO in {one.code for one in found.without_population}
    assert JETI_OGUZ not in {one.code for one in found.without_population}
    assert found.rate_note is not None and unit(AK_DOBO).name in found.rate_note


def test_statistics_stay_inside_the_users_area() -> None:
    Incident.objects.all().delete()
    incident(occurred_on=dt.date(2003, 5, 1))
    incident(unit=unit(KARAKOL), occurred_on=dt.date(2003, 5, 2), latitude=None, longitude=None)
    for username, expected in (("lcpc.karakol", 1), ("civil.jetioguz", 1), ("coordinator", 2)):
        found = trends.trend(
            user=user(username),
            area=None,
            date_from=dt.date(2003, 1, 1),
            date_to=dt.date(2003, 12, 31),
            group="year",
        )
        assert found.total.counts == [expected], username


def test_the_rayon_of_a_municipality_and_the_oblast_of_a_city_in_no_rayon() -> None:
    parent = population.parent_area(unit(JETI_OGUZ))
    assert parent is not None and parent.code == JETI_OGUZ_RAYON
    parent = population.parent_area(unit(KARAKOL))
    assert parent is not None and parent.code == ISSYK_KUL_OBLAST


def test_the_last_12_months_against_the_12_before_use_the_exact_poisson_ratio() -> None:
    Incident.objects.all().delete()
    PopulationCount.objects.create(unit=unit(JETI_OGUZ), year=2003, population=9_000)
    PopulationCount.objects.create(unit=unit(JETI_OGUZ), year=2004, population=11_000)
    dates_before = [
        dt.date(2003, 7, 1),
        dt.date(2003, 9, 9),
        dt.date(2004, 2, 1),
        dt.date(2004, 6, 30),
    ]
    dates_after = [dt.date(2004, 7, 1), dt.date(2005, 6, 30)]
    for day in [*dates_before, *dates_after, dt.date(2003, 6, 30)]:
        incident(occurred_on=day)
    change = trends.rate_change(
        user=user("lcpc.jetioguz"), area=unit(JETI_OGUZ), end=dt.date(2005, 6, 30)
    )
    assert change.before == geo_evaluation.Window(dt.date(2003, 7, 1), dt.date(2004, 6, 30))
    assert change.after == geo_evaluation.Window(dt.date(2004, 7, 1), dt.date(2005, 6, 30))
    assert (change.count_before, change.count_after) == (4, 2)
    # By hand: 184 days of 2003 at 9,000 and 182 of 2004 (366 days) at 11,000; the year from
    # July 2004 has 184 days of 2004 at 11,000 and 181 of 2005 at 11,000 (nearest earlier).
    exposure_before = 9_000 * 184 / 365 + 11_000 * 182 / 366
    exposure_after = 11_000 * 184 / 366 + 11_000 * 181 / 365
    expected = rate_ratio(4, exposure_before, 2, exposure_after)
    assert change.ratio is not None
    assert change.ratio.ratio == pytest.approx(expected.ratio)
    assert (change.ratio.lower, change.ratio.upper) == pytest.approx(
        (expected.lower, expected.upper)
    )
    assert change.rate_before == pytest.approx(10_000 * 4 / exposure_before)


def test_a_rate_change_without_population_has_counts_and_a_reason() -> None:
    Incident.objects.all().delete()
    incident(unit=unit(AK_DOBO), occurred_on=dt.date(2004, 1, 1), latitude=None, longitude=None)
    change = trends.rate_change(
        user=user("coordinator"), area=unit(AK_DOBO), end=dt.date(2004, 6, 30)
    )
    assert change.count_after == 1
    assert change.ratio is None and change.rate_after is None
    assert change.note


def test_only_the_chosen_category_is_counted() -> None:
    Incident.objects.all().delete()
    incident(occurred_on=dt.date(2003, 5, 1), iccs_id="07")
    incident(occurred_on=dt.date(2003, 5, 1), iccs_id="05025")
    found = trends.trend(
        user=user("police.jetioguz"),
        area=unit(JETI_OGUZ),
        date_from=dt.date(2003, 1, 1),
        date_to=dt.date(2003, 12, 31),
        group="year",
        category=Category.FRAUD,
    )
    assert [(one.key, one.counts) for one in found.series] == [("fraud", [1])]
    assert found.total.counts == [1]


def test_yearly_rates_per_year_divide_by_the_person_years_of_the_part_covered() -> None:
    Incident.objects.all().delete()
    PopulationCount.objects.create(unit=unit(JETI_OGUZ), year=2003, population=8_000)
    PopulationCount.objects.create(unit=unit(JETI_OGUZ), year=2004, population=12_000)
    for day in (dt.date(2003, 10, 1), dt.date(2003, 12, 31), dt.date(2004, 1, 1)):
        incident(occurred_on=day)
    found = trends.trend(
        user=user("police.jetioguz"),
        area=unit(JETI_OGUZ),
        date_from=dt.date(2003, 7, 1),
        date_to=dt.date(2004, 2, 29),
        group="year",
    )
    # By hand: 184 of 365 days of 2003 at 8,000; 60 of 366 days of 2004 at 12,000.
    assert found.total.counts == [2, 1]
    assert found.total.rates == [
        pytest.approx(2 / 8_000 * 10_000),
        pytest.approx(1 / 12_000 * 10_000),
    ]
    assert found.total.rates_per_year == [
        pytest.approx(10_000 * 2 / (8_000 * 184 / 365)),
        pytest.approx(10_000 * 1 / (12_000 * 60 / 366)),
    ]
    with translation.override("en"):
        labels = [periods.period_label(one, mark_partial=True) for one in found.periods]
    assert labels == ["2003 (1 Jul – 31 Dec)", "2004 (1 Jan – 29 Feb)"]
    whole = trends.trend(
        user=user("police.jetioguz"),
        area=unit(JETI_OGUZ),
        date_from=dt.date(2003, 1, 1),
        date_to=dt.date(2003, 12, 31),
        group="year",
    )
    assert whole.total.rates_per_year == whole.total.rates
    assert periods.period_label(whole.periods[0], mark_partial=True) == "2003"


def test_the_12_months_before_start_at_the_first_recorded_incident() -> None:
    Incident.objects.all().delete()
    PopulationCount.objects.create(unit=unit(JETI_OGUZ), year=2004, population=10_000)
    # The register begins on 1 November 2003, at the same pace throughout: one incident a
    # month. Uncut, the 12 months before would hold 8 incidents against 12 after, a spurious
    # rise of 50 %.
    for index in range(20):
        incident(occurred_on=periods.add_months(dt.date(2003, 11, 1), index))
    change = trends.rate_change(
        user=user("lcpc.jetioguz"), area=unit(JETI_OGUZ), end=dt.date(2005, 6, 30)
    )
    assert change.before == geo_evaluation.Window(dt.date(2003, 11, 1), dt.date(2004, 6, 30))
    assert (change.count_before, change.count_after) == (8, 12)
    # By hand: 61 days of 2003 and 182 of 2004 (366 days), 10,000 residents (nearest later
    # count for 2003); after: 184 days of 2004 and 181 of 2005 at 10,000.
    exposure_before = 10_000 * 61 / 365 + 10_000 * 182 / 366
    exposure_after = 10_000 * 184 / 366 + 10_000 * 181 / 365
    expected = rate_ratio(8, exposure_before, 12, exposure_after)
    assert change.ratio is not None
    assert change.ratio.ratio == pytest.approx(expected.ratio)
    assert change.ratio.ratio == pytest.approx(1.0, abs=0.02)
    assert change.caveat is not None and "01.11.2003" in change.caveat  # the reader's format


def test_fewer_than_6_months_of_records_before_are_not_enough_to_compare() -> None:
    Incident.objects.all().delete()
    PopulationCount.objects.create(unit=unit(JETI_OGUZ), year=2004, population=10_000)
    for day in (dt.date(2004, 2, 1), dt.date(2004, 5, 1), dt.date(2004, 9, 1)):
        incident(occurred_on=day)
    with translation.override("en"):
        change = trends.rate_change(
            user=user("lcpc.jetioguz"), area=unit(JETI_OGUZ), end=dt.date(2005, 6, 30)
        )
    assert change.ratio is None and change.rate_before is None
    assert change.rate_after == pytest.approx(10_000 / (10_000 * (184 / 366 + 181 / 365)))
    assert change.caveat is not None and "not enough" in change.caveat
