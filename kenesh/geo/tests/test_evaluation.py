"""The before/after evaluation over groups of municipalities, for any count (geo.evaluation)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from kenesh.analytics.evaluation import did
from kenesh.geo.evaluation import Window, evaluate_groups
from kenesh.geo.models import PopulationCount
from kenesh.geo.tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

# Synthetic events: (municipality index, day). Two treated, one comparison municipality.
EVENTS = [(0, dt.date(2024, 2, 1))] * 30 + [(0, dt.date(2024, 8, 1))] * 12
EVENTS += [(1, dt.date(2024, 3, 1))] * 10 + [(1, dt.date(2024, 9, 1))] * 8
EVENTS += [(2, dt.date(2024, 4, 1))] * 20 + [(2, dt.date(2024, 10, 1))] * 19


def _person_years(population: int, start: dt.date, end: dt.date) -> float:
    """By hand: one calendar year (2024, a leap year) at a constant population."""
    return population * ((end - start).days + 1) / 366


def test_it_counts_through_the_callback_and_matches_did_on_hand_computed_person_years() -> None:
    units = [MunicipalityFactory.create() for _ in range(3)]
    for unit, population in zip(units, (5000, 3000, 9000), strict=True):
        PopulationCount.objects.create(unit=unit, year=2024, population=population)
    asked: list[tuple[tuple[int, ...], Window]] = []

    def count(unit_ids: Sequence[int], window: Window) -> int:
        asked.append((tuple(unit_ids), window))
        ids = set(unit_ids)
        return len(
            [
                day
                for index, day in EVENTS
                if units[index].pk in ids and window.start <= day <= window.end
            ]
        )

    found = evaluate_groups(
        treated=units[:2],
        comparison=units[2:],
        start=dt.date(2024, 7, 1),
        data_start=dt.date(2024, 1, 1),
        data_end=dt.date(2024, 12, 31),
        count=count,
        before_months=6,
        after_months=6,
    )
    assert found.before == Window(dt.date(2024, 1, 1), dt.date(2024, 6, 30))
    assert found.after == Window(dt.date(2024, 7, 1), dt.date(2024, 12, 31))
    assert (found.treated.count_before, found.treated.count_after) == (40, 20)
    assert (found.comparison.count_before, found.comparison.count_after) == (20, 19)
    assert len(asked) == 4
    expected = did(
        treated_before=40,
        treated_after=20,
        comparison_before=20,
        comparison_after=19,
        treated_exposure_before=_person_years(8000, *found.before.__dict__.values()),
        treated_exposure_after=_person_years(8000, *found.after.__dict__.values()),
        comparison_exposure_before=_person_years(9000, *found.before.__dict__.values()),
        comparison_exposure_after=_person_years(9000, *found.after.__dict__.values()),
    )
    assert found.result.ratio_of_rate_ratios == pytest.approx(expected.ratio_of_rate_ratios)
    assert found.result.ratio_lower == pytest.approx(expected.ratio_lower)
    assert found.result.ratio_upper == pytest.approx(expected.ratio_upper)


def test_windows_are_cut_to_the_records_with_a_caveat() -> None:
    unit, other = MunicipalityFactory.create(), MunicipalityFactory.create()
    for municipality in (unit, other):
        PopulationCount.objects.create(unit=municipality, year=2024, population=1000)
    with translation.override("en"):
        found = evaluate_groups(
            treated=[unit],
            comparison=[other],
            start=dt.date(2024, 7, 1),
            data_start=dt.date(2024, 3, 15),
            data_end=dt.date(2024, 10, 31),
            count=lambda unit_ids, window: 5,
        )
    assert found.before.start == dt.date(2024, 3, 15)
    assert found.after.end == dt.date(2024, 10, 31)
    assert any("begin on 15.03.2024" in caveat for caveat in found.caveats)
    assert any("end on 31.10.2024" in caveat for caveat in found.caveats)


def test_a_municipality_without_population_is_refused_at_its_group() -> None:
    unit, other = MunicipalityFactory.create(), MunicipalityFactory.create()
    PopulationCount.objects.create(unit=unit, year=2024, population=1000)
    with pytest.raises(ValidationError) as refused:
        evaluate_groups(
            treated=[unit],
            comparison=[other],
            start=dt.date(2024, 7, 1),
            data_start=dt.date(2024, 1, 1),
            data_end=dt.date(2024, 12, 31),
            count=lambda unit_ids, window: 1,
        )
    assert "comparison" in refused.value.message_dict
