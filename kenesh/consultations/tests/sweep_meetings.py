"""The permission sweep's samples for the meeting pages and API (kenesh/portal/tests/sweeping.py).

The sample attachment is a record only: the sweep's requests are refused (404, 403) before a
file would be opened, and one that is let through finds no stored file (404), so the sweep
writes nothing to the storage.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kenesh.consultations.models import Meeting, MeetingAttachment
from kenesh.consultations.tests.factories import MeetingFactory
from kenesh.core.permissions import Role
from kenesh.portal.tests.sweeping import Place, Rows, Sample


def meeting(place: Place) -> Meeting:
    return place.once("meeting", lambda: MeetingFactory(unit=place.a))


def attachment(place: Place) -> MeetingAttachment:
    return place.once(
        "meeting_attachment",
        lambda: MeetingAttachment.objects.create(
            meeting=meeting(place),
            file="meetings/sweep-sample-not-stored",
            name="minutes.pdf",
            content_type="application/pdf",
            size=9,
        ),
    )


def _meeting(place: Place) -> dict[str, Any]:
    return {"pk": meeting(place).pk}


def _attachment(place: Place) -> dict[str, Any]:
    return {"pk": meeting(place).pk, "attachment_pk": attachment(place).pk}


def _api_meeting(place: Place) -> dict[str, Any]:
    return {"meeting_id": meeting(place).pk}


SAMPLES: dict[str, Sample] = {
    "consultations:meetings:detail": Sample(_meeting),
    "consultations:meetings:edit": Sample(_meeting),
    "consultations:meetings:concern_add": Sample(_meeting),
    "consultations:meetings:attachment_add": Sample(_meeting),
    "consultations:meetings:attachment": Sample(_attachment),
    "consultations:meetings:attachment_delete": Sample(_attachment),
    "api:meeting_detail": Sample(_api_meeting),
    "api:meeting_update": Sample(_api_meeting),
    "api:meeting_attachment": Sample(
        lambda p: {"meeting_id": meeting(p).pk, "attachment_id": attachment(p).pk}
    ),
}

BODIES: dict[str, Callable[[Place], dict[str, Any]]] = {
    "api:meeting_create": lambda p: {
        "unit": p.a.code,
        "held_on": "2025-03-01",
        "kind": "community",
        "attendance": {"female": {"30_59": 5}},
    },
    "api:meeting_update": lambda p: {"title": "Sweep"},
}


def _meetings(place: Place, n: int) -> dict[str, Any]:
    for made in MeetingFactory.create_batch(n, unit=place.a):
        made.organisers.add(place.organisation())
        MeetingAttachment.objects.create(
            meeting=made, file="meetings/not-stored", name="a.pdf", content_type="x", size=1
        )
    return {}


ROWS: dict[str, Rows] = {
    "consultations:meetings:list": Rows(Role.LCPC_COORDINATOR, _meetings),
    "api:meeting_list": Rows(Role.LCPC_COORDINATOR, _meetings),
}
