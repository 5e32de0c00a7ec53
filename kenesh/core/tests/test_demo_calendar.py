"""The demo's calendar: the story moves by whole years and the current year runs to the day."""

from __future__ import annotations

import datetime as dt

from django.test import override_settings
from django.utils import timezone

from kenesh.core.demo_calendar import STORY_YEARS, DemoCalendar


def test_a_load_on_the_stories_last_day_is_the_story_as_designed() -> None:
    calendar = DemoCalendar(dt.date(2025, 12, 31))
    assert calendar.shift == 0
    assert calendar.years == STORY_YEARS
    assert calendar.current_year_until is None


def test_a_load_during_the_next_year_keeps_the_story_and_adds_the_year_so_far() -> None:
    calendar = DemoCalendar(dt.date(2026, 12, 4))
    assert calendar.shift == 0
    assert calendar.current_year_until == dt.date(2026, 12, 4)


def test_a_later_load_moves_the_story_by_whole_years() -> None:
    calendar = DemoCalendar(dt.date(2028, 3, 1))
    assert calendar.shift == 2
    assert calendar.years == (2025, 2026, 2027)
    # The current year is drawn on the story's calendar (the year after it), then moved.
    assert calendar.current_year_until == dt.date(2026, 3, 1)
    assert calendar.move(dt.date(2025, 1, 1)) == dt.date(2027, 1, 1)


def test_a_29_february_moved_into_a_common_year_becomes_the_28th() -> None:
    assert DemoCalendar(dt.date(2026, 12, 31)).move(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)


def test_the_day_comes_from_the_setting_then_from_the_clock() -> None:
    with override_settings(KENESH_DEMO_DATE="2027-05-02"):
        assert DemoCalendar.for_load().today == dt.date(2027, 5, 2)
    with override_settings(KENESH_DEMO_DATE=""):
        assert DemoCalendar.for_load().today == timezone.localdate()
    assert DemoCalendar.for_load(dt.date(2030, 1, 1)).today == dt.date(2030, 1, 1)
