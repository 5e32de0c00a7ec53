"""Reads on community meetings, always through the user's scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from kenesh.consultations.models import (
    ATTENDANCE_BANDS,
    ATTENDANCE_SEXES,
    Concern,
    Meeting,
    MeetingAttachment,
)
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import allowed, get_for_user
from kenesh.geo.models import AdministrativeUnit, Level
from kenesh.orgs.models import Organisation

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User

    AnyUser = User | AnonymousUser

SEX_LABELS = {"female": _("women"), "male": _("men")}
BAND_LABELS = {"under_18": _("under 18"), "18_29": "18–29", "30_59": "30–59", "60_plus": "60+"}


@dataclass(frozen=True)
class MeetingFilter:
    unit: AdministrativeUnit | None = None
    kind: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def meeting_list(*, user: AnyUser, filters: MeetingFilter | None = None) -> QuerySet[Meeting]:
    """Meetings the user may read, newest first, with what a list row shows."""
    filters = filters or MeetingFilter()
    meetings = Meeting.objects.visible_to(user).select_related("unit", "settlement")
    if filters.unit is not None:
        meetings = meetings.filter(unit__path__startswith=filters.unit.path)
    if filters.kind:
        meetings = meetings.filter(kind=filters.kind)
    if filters.date_from:
        meetings = meetings.filter(held_on__gte=filters.date_from)
    if filters.date_to:
        meetings = meetings.filter(held_on__lte=filters.date_to)
    return meetings.order_by("-held_on", "-id")


def meeting_list_with_details(
    *, user: AnyUser, filters: MeetingFilter | None = None
) -> QuerySet[Meeting]:
    """:func:`meeting_list` with organisers and attachments fetched (the API's items)."""
    # Organisations are ordered by name, attachments by when they came (their models' order).
    return meeting_list(user=user, filters=filters).prefetch_related(
        "organisers__unit", "attachments"
    )


def meeting_get(*, user: AnyUser, pk: int, action: Action = Action.READ) -> Meeting:
    """One meeting: 404 outside the user's area, 403 in it without ``action`` on surveys."""
    queryset = Meeting.objects.select_related("unit", "settlement").prefetch_related(
        "organisers__unit", "attachments"
    )
    return get_for_user(queryset, user, action, pk=pk)


def attachment_get(*, meeting: Meeting, pk: int) -> MeetingAttachment:
    """An attachment of ``meeting`` (already checked): 404 for another meeting's."""
    try:
        return MeetingAttachment.objects.get(meeting=meeting, pk=pk)
    except MeetingAttachment.DoesNotExist as exc:
        raise Http404 from exc


def meeting_units(*, user: AnyUser) -> QuerySet[AdministrativeUnit]:
    """Municipalities in which the user may read meetings (the list's filter)."""
    return (
        AdministrativeUnit.objects.where_allowed(user, Action.READ, Resource.SURVEYS)
        .filter(level=Level.MUNICIPALITY)
        .order_by("code")
    )


def writable_municipalities(*, user: AnyUser) -> QuerySet[AdministrativeUnit]:
    """Municipalities in which the user may record meetings."""
    return (
        AdministrativeUnit.objects.where_allowed(user, Action.WRITE, Resource.SURVEYS)
        .filter(level=Level.MUNICIPALITY)
        .order_by("code")
    )


def settlements_of(units: QuerySet[AdministrativeUnit]) -> QuerySet[AdministrativeUnit]:
    """The settlements of the given municipalities."""
    query = Q(pk__in=[])
    for path in units.values_list("path", flat=True):
        query |= Q(path__startswith=path)
    return AdministrativeUnit.objects.filter(query, level=Level.SETTLEMENT).order_by("code")


def organiser_choices(*, user: AnyUser, current: list[int] | None = None) -> QuerySet[Organisation]:
    """Organisations the user may name as organisers: those they may see, and a meeting's
    present organisers, which stay choosable whoever edits it. Which of them fit a meeting
    (at its municipality, below or above it) is the service's check."""
    query = Q(pk__in=Organisation.objects.visible_to(user).values("pk"))
    if current:
        query |= Q(pk__in=current)
    return Organisation.objects.filter(query).select_related("unit").order_by("name_ru", "pk")


def attendance_table(meeting: Meeting) -> dict[str, Any]:
    """The attendance as rows by sex, columns by age band, with totals of rows and columns."""
    rows: list[dict[str, Any]] = []
    for sex in ATTENDANCE_SEXES:
        counts = [int(getattr(meeting, f"attended_{sex}_{band}")) for band in ATTENDANCE_BANDS]
        rows.append({"sex": SEX_LABELS[sex], "counts": counts, "total": sum(counts)})
    columns = [sum(row["counts"][i] for row in rows) for i in range(len(ATTENDANCE_BANDS))]
    return {
        "bands": [BAND_LABELS[band] for band in ATTENDANCE_BANDS],
        "rows": rows,
        "columns": columns,
        "total": sum(columns),
    }


def meeting_concerns(*, user: AnyUser, meeting: Meeting) -> list[Concern] | None:
    """The concerns raised at the meeting, for a user who may read concerns there (``None``
    otherwise: aggregate-only roles do not read concerns one by one)."""
    if not allowed(user, Action.READ, Resource.CONCERNS, meeting.unit.path):
        return None
    concerns = list(
        Concern.objects.visible_to(user)
        .filter(meeting=meeting)
        .select_related("category", "settlement")
        .order_by("received_at", "id")
    )
    for concern in concerns:
        concern.link = concern_link(concern.pk)  # type: ignore[attr-defined]
    return concerns


def concern_link(pk: int) -> str:
    """The concern's page: the concerns feature's name when it exists, its path otherwise."""
    try:
        return reverse("consultations:concerns:detail", kwargs={"pk": pk})
    except NoReverseMatch:
        return f"/consultations/concerns/{pk}/"
