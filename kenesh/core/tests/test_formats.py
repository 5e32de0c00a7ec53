"""The shared display formats (kenesh.core.formats and the kenesh_formats template library)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from kenesh.core.formats import (
    format_date,
    format_estimate,
    format_interval,
    format_number,
    format_percent,
)

NNBSP = "\u202f"


@pytest.mark.parametrize(
    ("language", "decimal", "grouped"),
    [
        ("ky", "0,12", f"12{NNBSP}345,68"),
        ("ru", "0,12", f"12{NNBSP}345,68"),
        ("en", "0.12", f"12{NNBSP}345.68"),
    ],
)
def test_numbers_use_the_decimal_separator_of_the_language(
    language: str, decimal: str, grouped: str
) -> None:
    with translation.override(language):
        assert format_number(0.1234, 2) == decimal
        assert format_number(12345.678, 2) == grouped


def test_kyrgyz_writes_a_decimal_comma_although_djangos_own_kyrgyz_format_has_a_dot() -> None:
    with translation.override("ky"):
        assert format_number(Decimal("0.5"), 1) == "0,5"


def test_rounding_is_half_away_from_zero_and_never_shows_minus_zero() -> None:
    with translation.override("en"):
        assert format_number(2.665, 2) == "2.67"
        assert format_number(-2.665, 2) == "-2.67"
        assert format_number(-0.0001, 2) == "0.00"
        assert format_number(7, 2) == "7.00"


def test_missing_and_infinite_values_have_their_signs() -> None:
    with translation.override("ru"):
        assert format_number(None) == "—"
        assert format_number(float("nan"), 2) == "—"
        assert format_number(float("inf"), 2) == "∞"
        assert format_interval(None, None) == "—"
        assert format_interval(0, float("inf")) == "0,00\u00a0– ∞"
        assert format_estimate(None, None, None) == "—"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ky", "0,12 (0,08\u00a0– 0,16)"),
        ("ru", "0,12 (0,08\u00a0– 0,16)"),
        ("en", "0.12 (0.08\u00a0– 0.16)"),
    ],
)
def test_an_estimate_and_its_interval_share_one_decimal_separator(
    language: str, expected: str
) -> None:
    with translation.override(language):
        assert format_estimate(0.1234, 0.08, 0.16) == expected


@pytest.mark.parametrize(
    ("language", "short", "long"),
    [
        ("en", "02.12.2025", "2 December 2025"),
        ("ru", "02.12.2025", "2 декабря 2025 г."),
        ("ky", "02.12.2025", None),
    ],
)
def test_dates_are_day_first_in_every_language(language: str, short: str, long: str | None) -> None:
    day = dt.date(2025, 12, 2)
    with translation.override(language):
        assert format_date(day) == short
        if long is not None:
            assert format_date(day, "DATE_FORMAT") == long
        assert format_date(None) == "—"


def test_percent_follows_the_language() -> None:
    with translation.override("en"):
        assert format_percent(42.5, 1) == "42.5%"
    with translation.override("ky"):
        assert format_percent(42.5, 1) == "42,5\u00a0%"


def test_template_filters_and_tags_give_the_same_text() -> None:
    template = Template(
        "{% load kenesh_formats %}{{ rate|number:2 }}|{% interval low high %}|"
        "{% estimate rate low high 1 %}|{{ day|short_date }}|{{ day|long_date }}|{{ none|number }}"
    )
    context = Context({"rate": 0.125, "low": 0.08, "high": None, "day": dt.date(2025, 12, 2)})
    with translation.override("en"):
        assert template.render(context) == (
            "0.13|0.08\u00a0– —|0.1 (0.1\u00a0– —)|02.12.2025|2 December 2025|—"
        )
