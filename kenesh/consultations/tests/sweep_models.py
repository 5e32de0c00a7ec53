"""The permission sweep's samples for consultations models (kenesh/portal/tests/sweeping.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kenesh.consultations.tests.factories import ConcernFactory
from kenesh.portal.tests.sweeping import Place

RESTRICTED_SAMPLES: dict[str, Callable[[Place, dict[str, str]], Any]] = {
    # A concern with a contact (not anonymous) and a reply address kept for replies.
    "consultations.concern": lambda place, values: ConcernFactory(unit=place.a, **values),
}
