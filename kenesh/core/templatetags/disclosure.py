"""``{{ count|published }}``: a count as a page shows it, ``<5`` where it is suppressed."""

from __future__ import annotations

from typing import Any

from django import template

from kenesh.core.disclosure import SUPPRESSED_TEXT, Published
from kenesh.core.templatetags.humanize_kenesh import thousands

register = template.Library()


@register.filter
def published(value: Any, suppressed: Any = False) -> str:
    """A :class:`~kenesh.core.disclosure.Published` count, or a plain one with its suppressed
    flag as the argument (``{{ count|published:hidden }}``), thousands separated."""
    if isinstance(value, Published):
        suppressed, value = value.suppressed, value.value
    if suppressed:
        return SUPPRESSED_TEXT
    return thousands(value)
