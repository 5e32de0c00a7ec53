"""Number formatting for officials: thousands separated by a narrow no-break space, whatever
the language (kept for the templates that load it; new code loads ``kenesh_formats``)."""

from __future__ import annotations

from typing import Any

from django import template

from kenesh.core.formats import format_number

register = template.Library()


@register.filter
def thousands(value: Any) -> str:
    if value in (None, ""):
        return ""
    try:
        return format_number(int(value), 0)
    except (TypeError, ValueError):
        return str(value)
