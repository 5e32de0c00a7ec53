"""What the public sees of a concern: its status and the dates it changed, never who sent it
(no contact, no reply address, no staff names or notes), and the text only when moderation
made it public."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from kenesh.consultations.models import (
    Concern,
    ConcernStatus,
    format_reference,
    normalise_reference,
)
from kenesh.core.models import localized_name
from kenesh.geo.models import AdministrativeUnit, Level


@dataclass(frozen=True)
class PublicStep:
    status: str
    on: dt.date

    @property
    def label(self) -> str:
        return str(ConcernStatus(self.status).label)


@dataclass(frozen=True)
class PublicKept:
    """Where the concern a duplicate was merged with stands: its status and dates only, never
    its reference (the only key to it) nor its text."""

    status: str
    received_on: dt.date
    history: list[PublicStep]

    @property
    def status_label(self) -> str:
        return str(ConcernStatus(self.status).label)


@dataclass(frozen=True)
class PublicConcern:
    reference: str
    unit_name: str
    unit_code: str
    category_name: str | None
    status: str
    received_on: dt.date
    history: list[PublicStep]
    text: str | None
    kept: PublicKept | None

    @property
    def status_label(self) -> str:
        return str(ConcernStatus(self.status).label)

    @property
    def closed(self) -> bool:
        return self.status in (ConcernStatus.RESOLVED, ConcernStatus.NOT_ACTIONABLE)


def municipality_public(code: str) -> AdministrativeUnit | None:
    """The municipality of a public form's address, or None."""
    return (
        AdministrativeUnit.objects.filter(code=code, level=Level.MUNICIPALITY)
        .defer("boundary")
        .first()
    )


def _history(concern: Concern) -> list[PublicStep]:
    """Each status the concern reached, with the day (a status repeated in a row counts once)."""
    history: list[PublicStep] = []
    for status, at in concern.events.order_by("at", "pk").values_list("status", "at"):
        if not history or history[-1].status != status:
            history.append(PublicStep(status, timezone.localdate(at)))
    return history


def concern_public(reference: str) -> PublicConcern | None:
    """The public view of the concern with this reference number (as typed), or None; for a
    merged duplicate, where the concern kept stands (:class:`PublicKept`)."""
    concern = (
        Concern.objects.select_related("unit", "category", "merged_into")
        .defer("unit__boundary")
        .filter(reference=normalise_reference(reference))
        .first()
    )
    if concern is None:
        return None
    kept = None
    if concern.merged_into is not None:
        kept = PublicKept(
            status=concern.merged_into.status,
            received_on=timezone.localdate(concern.merged_into.received_at),
            history=_history(concern.merged_into),
        )
    return PublicConcern(
        reference=format_reference(concern.reference),
        unit_name=concern.unit.name,
        unit_code=concern.unit.code,
        category_name=localized_name(concern.category) if concern.category else None,
        status=concern.status,
        received_on=timezone.localdate(concern.received_at),
        history=_history(concern),
        text=concern.text if concern.public else None,
        kept=kept,
    )
