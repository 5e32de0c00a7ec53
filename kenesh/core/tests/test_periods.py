"""Whole months and the last complete months before a day (kenesh.core.periods)."""

from __future__ import annotations

import datetime as dt

import pytest

from kenesh.core.periods import complete_months_before, month_end, whole_months


def test_a_month_ends_on_its_last_day_in_leap_years_too() -> None:
    assert month_end(dt.date(2024, 2, 3)) == dt.date(2024, 2, 29)
    assert month_end(dt.date(2025, 2, 28)) == dt.date(2025, 2, 28)
    assert month_end(dt.date(2025, 12, 1)) == dt.date(2025, 12, 31)


def test_whole_months_run_from_the_first_to_the_last_day() -> None:
    assert whole_months(dt.date(2024, 7, 15), dt.date(2025, 6, 2)) == (
        dt.date(2024, 7, 1),
        dt.date(2025, 6, 30),
    )


def test_the_last_twelve_complete_months_leave_out_the_current_one() -> None:
    assert complete_months_before(dt.date(2025, 7, 10), 12) == (
        dt.date(2024, 7, 1),
        dt.date(2025, 6, 30),
    )
    # On the first of a month, that month is not complete yet either.
    assert complete_months_before(dt.date(2025, 1, 1), 12) == (
        dt.date(2024, 1, 1),
        dt.date(2024, 12, 31),
    )
    assert complete_months_before(dt.date(2024, 3, 31), 1) == (
        dt.date(2024, 2, 1),
        dt.date(2024, 2, 29),
    )
    with pytest.raises(ValueError):
        complete_months_before(dt.date(2025, 1, 1), 0)
