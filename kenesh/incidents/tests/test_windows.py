"""Complete-month windows per municipality: own records, stale municipalities, up to today."""

from __future__ import annotations

import datetime as dt

import pytest

from kenesh.accounts.models import User
from kenesh.geo.evaluation import Window
from kenesh.geo.models import AdministrativeUnit
from kenesh.incidents.analysis import windows
from kenesh.incidents.analysis.trends import municipalities_for
from kenesh.incidents.models import Incident
from kenesh.incidents.tests.factories import IncidentFactory
from kenesh.portal.demo import JETI_OGUZ, KARAKOL

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 9, 20)


def unit(code: str) -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code=code)


def coordinator() -> User:
    return User.objects.get(username="coordinator")


def record(code: str, day: dt.date) -> None:
    IncidentFactory.create(unit=unit(code), occurred_on=day)


@pytest.fixture
def karakol_and_jeti_oguz() -> list[AdministrativeUnit]:
    """Both municipalities' records run to 31 August 2025 (and begin in 2023)."""
    Incident.objects.all().delete()
    for code in (KARAKOL, JETI_OGUZ):
        for month in range(1, 13):
            record(code, dt.date(2023, month, 10))
            record(code, dt.date(2024, month, 10))
        for month in range(1, 9):
            record(code, dt.date(2025, month, 10))
        record(code, dt.date(2025, 8, 31))
    return [unit(KARAKOL), unit(JETI_OGUZ)]


def test_windows_are_twelve_complete_months_ending_with_the_last_complete_one() -> None:
    after, before = windows.windows_ending(dt.date(2025, 8, 31))
    assert after == Window(dt.date(2024, 9, 1), dt.date(2025, 8, 31))
    assert before == Window(dt.date(2023, 9, 1), dt.date(2024, 8, 31))
    assert windows.last_complete_month_end(dt.date(2025, 8, 31)) == dt.date(2025, 8, 31)
    assert windows.last_complete_month_end(dt.date(2025, 8, 30)) == dt.date(2025, 7, 31)
    assert windows.last_complete_month_end(dt.date(2024, 3, 1)) == dt.date(2024, 2, 29)


def test_a_municipalitys_windows_end_with_its_own_last_complete_month(
    karakol_and_jeti_oguz: list[AdministrativeUnit],
) -> None:
    record(KARAKOL, dt.date(2025, 9, 5))  # September is not complete: it is not compared
    found = windows.record_windows(
        user=coordinator(), municipalities=karakol_and_jeti_oguz, today=TODAY
    )
    karakol = found[unit(KARAKOL).pk]
    assert karakol.latest == dt.date(2025, 9, 5)
    assert karakol.end == dt.date(2025, 8, 31)
    assert karakol.after == Window(dt.date(2024, 9, 1), dt.date(2025, 8, 31))
    assert karakol.before == Window(dt.date(2023, 9, 1), dt.date(2024, 8, 31))
    assert not karakol.stale


def test_one_incident_far_ahead_in_jeti_oguz_does_not_move_karakols_windows(
    karakol_and_jeti_oguz: list[AdministrativeUnit],
) -> None:
    """Issue 9, item 2: an incident dated 2026-12-01 in Jeti-Oguz made Karakol's "last 12
    months" a year without records (38 against 327, rate ratio 0.12)."""
    user = coordinator()
    everything = municipalities_for(user)
    before = windows.record_windows(user=user, municipalities=everything, today=TODAY)
    record(JETI_OGUZ, dt.date(2026, 12, 1))
    after = windows.record_windows(user=user, municipalities=everything, today=TODAY)
    karakol = unit(KARAKOL).pk
    assert after[karakol] == before[karakol]
    assert after[karakol].after == Window(dt.date(2024, 9, 1), dt.date(2025, 8, 31))
    assert not after[karakol].stale
    # Jeti-Oguz's own date after today counts as today: its windows do not run into the future.
    jeti_oguz = after[unit(JETI_OGUZ).pk]
    assert jeti_oguz.latest == dt.date(2026, 12, 1)
    assert jeti_oguz.end == dt.date(2025, 8, 31)


def test_a_municipality_whose_records_stop_early_is_stale_and_not_compared(
    karakol_and_jeti_oguz: list[AdministrativeUnit],
) -> None:
    Incident.objects.filter(unit__code=KARAKOL, occurred_on__gte=dt.date(2025, 5, 1)).delete()
    found = windows.record_windows(
        user=coordinator(), municipalities=karakol_and_jeti_oguz, today=TODAY
    )
    karakol = found[unit(KARAKOL).pk]
    assert karakol.latest == dt.date(2025, 4, 10)
    assert karakol.end == dt.date(2025, 3, 31)
    assert karakol.stale  # 5 months before Jeti-Oguz's August
    assert not found[unit(JETI_OGUZ).pk].stale
    area = windows.area_windows(found)
    assert area is not None
    assert [member.unit.code for member in area.compared] == [JETI_OGUZ]
    assert [member.unit.code for member in area.stale] == [KARAKOL]
    assert area.after == Window(dt.date(2024, 9, 1), dt.date(2025, 8, 31))


def test_two_months_behind_is_still_compared(
    karakol_and_jeti_oguz: list[AdministrativeUnit],
) -> None:
    Incident.objects.filter(unit__code=KARAKOL, occurred_on__gte=dt.date(2025, 7, 1)).delete()
    record(KARAKOL, dt.date(2025, 6, 30))
    found = windows.record_windows(
        user=coordinator(), municipalities=karakol_and_jeti_oguz, today=TODAY
    )
    karakol = found[unit(KARAKOL).pk]
    assert karakol.end == dt.date(2025, 6, 30)
    assert not karakol.stale
    area = windows.area_windows(found)
    assert area is not None
    # A sum over both ends where the earlier one's records end, so no month is empty for it.
    assert area.end == dt.date(2025, 6, 30)


def test_up_to_today_ends_every_window_with_todays_last_complete_month(
    karakol_and_jeti_oguz: list[AdministrativeUnit],
) -> None:
    today = dt.date(2025, 11, 3)
    found = windows.record_windows(
        user=coordinator(), municipalities=karakol_and_jeti_oguz, today=today, up_to="today"
    )
    karakol = found[unit(KARAKOL).pk]
    assert karakol.end == dt.date(2025, 10, 31)
    assert not karakol.stale  # August is two months before October, but ...
    assert karakol.own_end == dt.date(2025, 8, 31)
    later = windows.record_windows(
        user=coordinator(),
        municipalities=karakol_and_jeti_oguz,
        today=dt.date(2025, 12, 3),
        up_to="today",
    )
    assert later[unit(KARAKOL).pk].stale  # ... three months before November is stale


def test_a_municipality_without_records_is_stale() -> None:
    Incident.objects.all().delete()
    record(KARAKOL, dt.date(2025, 8, 31))
    found = windows.record_windows(
        user=coordinator(), municipalities=[unit(KARAKOL), unit(JETI_OGUZ)], today=TODAY
    )
    assert found[unit(JETI_OGUZ).pk].latest is None
    assert found[unit(JETI_OGUZ).pk].stale
    assert found[unit(JETI_OGUZ).pk].end == dt.date(2025, 8, 31)


def test_a_municipal_user_sees_no_record_of_another_municipality(
    karakol_and_jeti_oguz: list[AdministrativeUnit],
) -> None:
    user = User.objects.get(username="lcpc.karakol")
    found = windows.record_windows(user=user, municipalities=[unit(JETI_OGUZ)], today=TODAY)
    assert found[unit(JETI_OGUZ).pk].latest is None


def test_the_windows_are_found_in_one_query(
    karakol_and_jeti_oguz: list[AdministrativeUnit], django_assert_num_queries: object
) -> None:
    user = coordinator()
    everything = municipalities_for(user)
    with django_assert_num_queries(1):  # type: ignore[operator]
        windows.record_windows(user=user, municipalities=everything, today=TODAY)


def test_the_comparison_states_its_windows_in_words() -> None:
    from django.utils import translation

    after, before = windows.windows_ending(dt.date(2025, 8, 31))
    with translation.override("en"):
        assert windows.comparison_label(after, before) == (
            "Sep 2024 – Aug 2025 against Sep 2023 – Aug 2024"
        )
