"""Periods of a time series: months or years between two dates, cut to them, and their labels.

Every statistic over time (incidents now; livestock thefts, road accidents and survey rounds
next) counts per :class:`Period`; a period cut short by the chosen dates is ``partial``, so a
rate over it can be annualised and its label can say which days it covers.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Literal

from django.utils.formats import date_format
from django.utils.translation import gettext as _

Group = Literal["month", "year"]


@dataclass(frozen=True)
class Period:
    """One month or year of a series, cut to the chosen dates (``partial`` when cut)."""

    key: str  # "2024-03" or "2024"
    year: int
    month: int | None
    start: dt.date
    end: dt.date
    partial: bool


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier), on the month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def whole_months(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """From the 1st of ``start``'s month to the last day of ``end``'s."""
    return start.replace(day=1), month_end(end)


def complete_months_before(day: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """The last ``months`` complete months before ``day``'s month: from the 1st of the first to
    the last day of the month before ``day``'s (``day``'s own month is not complete yet)."""
    if months < 1:
        raise ValueError("months must be at least 1")
    end = day.replace(day=1) - dt.timedelta(days=1)
    return add_months(end.replace(day=1), -(months - 1)), end


def periods_between(date_from: dt.date, date_to: dt.date, group: Group) -> list[Period]:
    """Every month (or year) from the one of ``date_from`` to the one of ``date_to``."""
    if date_from > date_to:
        raise ValueError("date_from is after date_to")
    periods: list[Period] = []
    if group == "year":
        for year in range(date_from.year, date_to.year + 1):
            full_start, full_end = dt.date(year, 1, 1), dt.date(year, 12, 31)
            start, end = max(full_start, date_from), min(full_end, date_to)
            periods.append(
                Period(str(year), year, None, start, end, (start, end) != (full_start, full_end))
            )
        return periods
    index = date_from.year * 12 + date_from.month - 1
    last = date_to.year * 12 + date_to.month - 1
    while index <= last:
        year, month0 = divmod(index, 12)
        full_start = dt.date(year, month0 + 1, 1)
        full_end = dt.date(year, month0 + 1, calendar.monthrange(year, month0 + 1)[1])
        start, end = max(full_start, date_from), min(full_end, date_to)
        periods.append(
            Period(
                f"{year}-{month0 + 1:02d}",
                year,
                month0 + 1,
                start,
                end,
                (start, end) != (full_start, full_end),
            )
        )
        index += 1
    return periods


def period_label(period: Period, *, mark_partial: bool = False) -> str:
    """ "Mar 2024" or "2024", in the active language; with ``mark_partial``, a year cut short
    says which days it covers: "2025 (1 Jan – 28 Nov)"."""
    if period.month is None:
        if mark_partial and period.partial:
            return _("%(year)s (%(start)s – %(end)s)") % {
                "year": period.year,
                "start": date_format(period.start, "j M"),
                "end": date_format(period.end, "j M"),
            }
        return str(period.year)
    return date_format(dt.date(period.year, period.month, 1), "M Y")
