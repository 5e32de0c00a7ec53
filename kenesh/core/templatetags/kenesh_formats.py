"""Template filters and tags of :mod:`kenesh.core.formats`: ``{% load kenesh_formats %}``.

{{ rate|number:2 }}                      0,12 (ky, ru) / 0.12 (en); "—" for None
{{ count|number }}                       12 345
{{ share|percent:1 }}                    42,5 % / 42.5%
{{ incident.occurred_on|short_date }}    02.12.2025
{{ incident.occurred_on|long_date }}     2 December 2025
{{ event.at|short_datetime }}            02.12.2025 14:30
{% interval lower upper 2 %}             0,08 – 0,16 (∞ for an unbounded limit)
{% estimate ratio lower upper 2 %}       0,12 (0,08 – 0,16)
"""

from __future__ import annotations

from typing import Any

from django import template

from kenesh.core import formats

register = template.Library()


@register.filter
def number(value: Any, decimals: Any = None) -> str:
    return formats.format_number(value, None if decimals in (None, "") else int(decimals))


@register.filter
def percent(value: Any, decimals: Any = 0) -> str:
    return formats.format_percent(value, None if decimals in (None, "") else int(decimals))


@register.filter
def short_date(value: Any) -> str:
    return formats.format_date(value or None)


@register.filter
def long_date(value: Any) -> str:
    return formats.format_date(value or None, "DATE_FORMAT")


@register.filter
def short_datetime(value: Any) -> str:
    return formats.format_datetime(value or None)


@register.simple_tag
def interval(lower: Any, upper: Any, decimals: int | None = 2) -> str:
    return formats.format_interval(lower, upper, decimals)


@register.simple_tag
def estimate(value: Any, lower: Any, upper: Any, decimals: int | None = 2) -> str:
    return formats.format_estimate(value, lower, upper, decimals)


@register.simple_tag
def coordinates(latitude: Any, longitude: Any, decimals: int = 5) -> str:
    return formats.format_coordinates(latitude, longitude, decimals)
