"""Numbers, intervals and dates as an official reads them, in the active language.

The one home of display formatting (pages, charts' labels, PDF): every figure a page shows goes
through these functions or their template filters (``{% load kenesh_formats %}``), so one row
never mixes "0,1" with "0.00". They follow Django's localisation: the separators and date
formats come from the active language's format module, Kenesh's own ones in this package
(``FORMAT_MODULE_PATH``) first, then Django's (docs/formats.md).

Machine-readable output (CSV and XLSX exports, the JSON API) does not use them: it keeps ISO
dates and a dot as the decimal separator whatever the reader's language.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import get_language

#: What a missing value (None, NaN, an empty cell) shows.
MISSING = "—"
#: Between the two bounds of an interval: an en dash, a no-break space before it so that a
#: narrow cell breaks after the dash, not before.
INTERVAL_DASH = "\u00a0– "
#: Infinity, for an unbounded interval (a rate ratio with nothing in the baseline).
INFINITY = "∞"


def _as_number(value: Any) -> float | Decimal | int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return value
    try:
        return Decimal(str(value).strip())
    except ArithmeticError:
        return None


def format_number(value: Any, decimals: int | None = None, *, grouping: bool = True) -> str:
    """``value`` with the active language's decimal separator ("0,12" in ky and ru, "0.12" in
    en) and thousands grouped by a narrow no-break space ("12 345"), rounded to ``decimals``
    places (all of them when None). None and NaN show "—", infinity "∞"."""
    number = _as_number(value)
    if number is None:
        return MISSING
    if isinstance(number, float | Decimal):
        if math.isnan(number):
            return MISSING
        if math.isinf(number):
            return INFINITY if number > 0 else f"-{INFINITY}"
    if decimals is not None:
        # Django's number_format truncates Decimals; round half away from zero first.
        number = Decimal(str(number)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
        if number == 0:
            number = abs(number)  # "-0,00" says nothing the reader can use
    return formats.number_format(
        number, decimal_pos=decimals, use_l10n=True, force_grouping=grouping
    )


def format_interval(lower: Any, upper: Any, decimals: int | None = 2) -> str:
    """A confidence interval or range: "0,08 – 0,16"; an unbounded upper limit shows "∞", a
    missing bound "—", and an interval with neither bound "—"."""
    if _as_number(lower) is None and _as_number(upper) is None:
        return MISSING
    return f"{format_number(lower, decimals)}{INTERVAL_DASH}{format_number(upper, decimals)}"


def format_estimate(value: Any, lower: Any, upper: Any, decimals: int | None = 2) -> str:
    """An estimate with its interval in brackets: "0,12 (0,08 – 0,16)"; the estimate alone
    when the interval is missing."""
    estimate = format_number(value, decimals)
    if _as_number(lower) is None and _as_number(upper) is None:
        return estimate
    return f"{estimate} ({format_interval(lower, upper, decimals)})"


def format_coordinates(latitude: Any, longitude: Any, decimals: int = 5) -> str:
    """A point as latitude; longitude in the language's decimals ("42,49123; 78,39456"): a
    semicolon between them, since a comma is the decimal separator in ky and ru. Five decimals
    are about a metre. "—" when either is missing."""
    if _as_number(latitude) is None or _as_number(longitude) is None:
        return MISSING
    return f"{format_number(latitude, decimals)}; {format_number(longitude, decimals)}"


def format_percent(value: Any, decimals: int | None = 0) -> str:
    """A percentage given in percent (42.5 → "42,5 %" in ky and ru, "42.5%" in en)."""
    text = format_number(value, decimals)
    if text == MISSING:
        return text
    return f"{text}%" if (get_language() or "").startswith("en") else f"{text}\u00a0%"


def format_date(value: dt.date | dt.datetime | None, style: str = "SHORT_DATE_FORMAT") -> str:
    """A date in the active language: "02.12.2025" (``SHORT_DATE_FORMAT``) or "2 December
    2025" (``DATE_FORMAT``); a datetime is shown in the site's time zone. None shows "—"."""
    if value is None:
        return MISSING
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, style, use_l10n=True)


def format_datetime(value: dt.datetime | None, style: str = "SHORT_DATETIME_FORMAT") -> str:
    """A moment in the site's time zone: "02.12.2025 14:30". None shows "—"."""
    return format_date(value, style)
