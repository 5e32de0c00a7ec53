"""The demo's calendar: its story is drawn on fixed years and lands where the day of the load
puts it, so the demo is alive on the day it is loaded (every module's demo uses the same one).

The story (incidents, populations, later the modules' activities) is written for 2023–2025. A
load on ``today`` moves it by whole years so that these are the last three complete calendar
years, and the modules draw the current year from 1 January up to ``today``.
``KENESH_DEMO_DATE`` pins the day (the tests pin 2025-12-31: the story as designed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: The calendar years the demo's story is written for, and its last day.
STORY_YEARS = (2023, 2024, 2025)
STORY_LAST_DAY = dt.date(2025, 12, 31)


@dataclass(frozen=True)
class DemoCalendar:
    """Where the story lands for a load on ``today``: its three years moved by ``shift`` whole
    years to be the last three complete calendar years up to ``today``, and the current year's
    incidents from 1 January to ``today`` (none when ``today`` is a 31 December).

    Whole years keep the seasons (thefts on the summer pastures stay in summer) and the
    intervention's 1 January; a 29 February moved to a common year becomes the 28th.
    """

    today: dt.date

    @classmethod
    def for_load(cls, today: dt.date | None = None) -> DemoCalendar:
        """The calendar of a load: ``today``, else ``KENESH_DEMO_DATE``, else the local date."""
        if today is None:
            from django.conf import settings
            from django.utils import timezone

            pinned = getattr(settings, "KENESH_DEMO_DATE", "")
            today = dt.date.fromisoformat(pinned) if pinned else timezone.localdate()
        return cls(today)

    @property
    def last_story_year(self) -> int:
        complete = (self.today.month, self.today.day) == (12, 31)
        return self.today.year if complete else self.today.year - 1

    @property
    def shift(self) -> int:
        """Whole years the story moves (0 when loaded in 2026, or on 31 December 2025)."""
        return self.last_story_year - STORY_YEARS[-1]

    @property
    def years(self) -> tuple[int, ...]:
        """The story's three calendar years, moved."""
        return tuple(year + self.shift for year in STORY_YEARS)

    @property
    def current_year_until(self) -> dt.date | None:
        """The day, on the fixed calendar, up to which the current year is drawn."""
        if self.today.year == self.last_story_year:
            return None
        return _move(self.today, -self.shift)

    def move(self, day: dt.date) -> dt.date:
        """A day of the fixed calendar, where this load puts it."""
        return _move(day, self.shift)


def _move(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)
