"""Spreadsheet formula injection: the one escape every written cell gets, undone on import.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel and LibreOffice when a CSV is opened (OWASP, "CSV Injection"). Every cell Kenesh
writes into a spreadsheet (exports, rejects files, templates) goes through :func:`escape_cell`,
which puts a single quote in front: the spreadsheet then shows the text as typed. The import
pipeline reads cells through :func:`unescape_cell`, so a corrected rejects file re-imports as it
was (a phone number ``+996 555 123 456`` survives the round trip).
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def _quoted_formula(text: str) -> bool:
    """Whether ``text`` is quotes followed by a formula character (``'=``, ``''+1``)."""
    return text.lstrip(ESCAPE).startswith(FORMULA_STARTS)


def escape_cell(text: str) -> str:
    """``text`` made safe to open in a spreadsheet: a leading formula character is quoted.

    Text that already is quotes before a formula character (``'=x`` typed by someone) gets one
    quote more, so :func:`unescape_cell` gives it back exactly: the escape is reversible."""
    if text.startswith(FORMULA_STARTS) or (text.startswith(ESCAPE) and _quoted_formula(text)):
        return ESCAPE + text
    return text


def unescape_cell(text: str) -> str:
    """The text :func:`escape_cell` was given: one quote before quotes-and-formula removed."""
    if text.startswith(ESCAPE) and _quoted_formula(text):
        return text[1:]
    return text
