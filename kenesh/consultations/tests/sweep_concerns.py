"""The permission sweep's samples for concerns: staff pages and API, the public form, status
page, poster and public API (kenesh/portal/tests/sweeping.py), and the masking sweep's
sentinel concern (kenesh/portal/tests/test_masking_sweep.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kenesh.consultations.models import Concern
from kenesh.consultations.tests.factories import ConcernFactory
from kenesh.core.permissions import Role
from kenesh.incidents.tests.masking_support import SentinelMaker
from kenesh.portal.tests.sweeping import Place, Rows, Sample


def concern(place: Place) -> Concern:
    """A concern of A: one of the restricted samples (contact and reply address filled in,
    text shown publicly) when the public check made them, else a plain one."""
    return place.once(
        "concern",
        lambda: (
            Concern.objects.filter(unit=place.a).order_by("pk").first()
            or ConcernFactory(unit=place.a)
        ),
    )


def _pk(place: Place) -> dict[str, Any]:
    return {"pk": concern(place).pk}


def _concern_id(place: Place) -> dict[str, Any]:
    return {"concern_id": concern(place).pk}


def _reference(place: Place) -> dict[str, Any]:
    return {"reference": concern(place).reference}


def _code(place: Place) -> dict[str, Any]:
    return {"code": place.a.code}


SAMPLES: dict[str, Sample] = {
    "consultations:concerns:detail": Sample(_pk),
    "consultations:concerns:status": Sample(_pk),
    "consultations:concerns:categorise": Sample(_pk),
    "consultations:concerns:moderate": Sample(_pk),
    "consultations:concerns:merge": Sample(_pk),
    "api:concern_detail": Sample(_concern_id),
    "api:concern_update": Sample(_concern_id),
    "api:concerns_export": Sample(lambda p: {"fmt": "csv"}, names_object=False),
    "consultations:public:concern_form": Sample(_code),
    "consultations:public:poster": Sample(_code),
    "consultations:public:concern_status_detail": Sample(_reference),
    "consultations:public:concern_thanks": Sample(_reference),
    "api:public_concern_status": Sample(_reference),
}

BODIES: dict[str, Callable[[Place], dict[str, Any]]] = {
    "api:concern_create": lambda p: {"unit": p.a.code, "text": "Sweep concern", "channel": "phone"},
    "api:concern_update": lambda p: {"status": "acknowledged"},
    "api:public_concern_create": lambda p: {"unit": p.a.code, "text": "Sweep concern"},
}

RESTRICTED_SAMPLES: dict[str, Callable[[Place, dict[str, str]], Any]] = {
    # A concern with a contact (not anonymous) and a reply address kept for replies, its text
    # shown publicly: a public page may show the text, never the rest.
    "consultations.concern": lambda place, values: ConcernFactory(
        unit=place.a, public=True, public_requested=True, **values
    ),
}


def _concerns(place: Place, n: int) -> dict[str, Any]:
    ConcernFactory.create_batch(n, unit=place.a, contact="+996 555 000 000")
    return {}


ROWS: dict[str, Rows] = {
    "consultations:concerns:list": Rows(Role.LCPC_COORDINATOR, _concerns),
    "api:concerns": Rows(Role.LCPC_COORDINATOR, _concerns),
}

#: The reporter's contact reaches the LCPC coordinator and the police of the municipality; the
#: reply address of an SMS or Telegram sender reaches no one.
CONCERN_SENTINELS = {
    "contact": "SENTINEL-CONCERN-CONTACT-5b1e",
    "reply_address": "SENTINEL-CONCERN-REPLY-5b1e",
}


def _sentinel_concern(unit: Any) -> Concern:
    return ConcernFactory.create(unit=unit, reply_channel="sms", **CONCERN_SENTINELS)


def _concern_leaks(text: str) -> list[str]:
    return [name for name, value in CONCERN_SENTINELS.items() if value in text]


SENTINEL_MAKERS: dict[type[Any], SentinelMaker] = {
    Concern: SentinelMaker(_sentinel_concern, _concern_leaks, never_shown=("reply_address",)),
}
