"""``{{ count|published }}``: a count as a page shows it, ``<5`` where it is suppressed for being
small itself, ``×`` where it is withheld only so that a small one cannot be worked out from it
(docs/privacy.md); each mark carries its meaning as a title and an accessible name."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from kenesh.core.disclosure import SMALL_COUNT, SUPPRESSED_TEXT, WITHHELD_TEXT, Published
from kenesh.core.templatetags.humanize_kenesh import thousands

register = template.Library()


def _mark(text: str, meaning: str, kind: str) -> SafeString:
    return format_html(
        '<span class="withheld" data-withheld="{}" title="{}" aria-label="{}">{}</span>',
        kind,
        meaning,
        meaning,
        text,
    )


@register.filter
def published(value: Any, suppressed: Any = False) -> str:
    """A :class:`~kenesh.core.disclosure.Published` count, or a plain one with its suppressed
    flag as the argument (``{{ count|published:hidden }}``: a count from 1 to 4, as a hot spot
    cell's), thousands separated."""
    small = True
    if isinstance(value, Published):
        suppressed, small, value = value.suppressed, value.small, value.value
    if not suppressed:
        return thousands(value)
    if small:
        return _mark(
            SUPPRESSED_TEXT,
            _("fewer than %(n)d, withheld so that no one can be singled out") % {"n": SMALL_COUNT},
            "small",
        )
    return _mark(
        WITHHELD_TEXT,
        _("withheld so that a hidden count cannot be worked out from it"),
        "complementary",
    )
