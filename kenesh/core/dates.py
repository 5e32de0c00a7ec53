"""The platform's date rules: the first day any record may carry, and its one message.

Kenesh keeps records of independent Kyrgyzstan: a date before 1991 is a typing error (a year
written with two digits, a spreadsheet's zero date), not a case. Every form, API schema, import
column and analysis refuses it with the same words, in the reader's language.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

EARLIEST_DATE = dt.date(1991, 1, 1)
EARLIEST_DATE_MESSAGE: _StrPromise = _("Dates before 1991 are not accepted; check the year.")
ISO_DATE_MESSAGE: _StrPromise = _("Give the date as YYYY-MM-DD.")


def earliest_date_message() -> str:
    """Why a date before :data:`EARLIEST_DATE` is refused, in the active language."""
    return str(EARLIEST_DATE_MESSAGE)


def validate_not_too_early(value: dt.date) -> None:
    """Raise ``ValidationError`` (code ``too_early``) for a date before :data:`EARLIEST_DATE`."""
    if value < EARLIEST_DATE:
        raise ValidationError(EARLIEST_DATE_MESSAGE, code="too_early")
