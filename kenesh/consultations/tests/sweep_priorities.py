"""The permission sweep's samples for priorities and the public "You said, we did" page
(kenesh/portal/tests/sweeping.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kenesh.portal.tests.sweeping import Place, Sample

SAMPLES: dict[str, Sample] = {
    "consultations:priorities:matrix": Sample(query=lambda p: {"unit": p.a.code}),
    "consultations:priorities:adopt": Sample(lambda p: {"code": p.a.code}),
    "consultations:priorities:adopted": Sample(lambda p: {"code": p.a.code}),
    "consultations:outcomes:page": Sample(lambda p: {"code": p.a.code}, names_object=False),
    "api:priority_matrix": Sample(query=lambda p: {"unit": p.a.code}),
}

BODIES: dict[str, Callable[[Place], dict[str, Any]]] = {
    "api:priorities_adopt": lambda p: {
        "unit": p.a.code,
        "categories": ["street_lighting", "livestock_theft"],
        "adopted_on": "2025-03-01",
        "decision": "Street lighting first.",
        "period_start": "2024-03-01",
        "period_end": "2025-02-28",
    },
}
