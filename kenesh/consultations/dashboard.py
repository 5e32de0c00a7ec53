"""The consultations module's panels of the home dashboard and of a territory's page.

What each role sees first (docs/dashboard-consultations.md):

- **whoever answers concerns in one municipality** (LCPC, police, civil society: the roles
  that write concerns): the new concerns nobody has acknowledged yet, the oldest first with
  their age in days, the acknowledged ones that have not moved for 30 days, and the public form
  and poster to hand out;
- **one municipality** (anyone who reads its surveys): its open surveys with their responses
  and public links, the next and the last meeting, the priorities the working group adopted
  last, and the public "You said, we did" page;
- **several municipalities** (programme coordinator): per municipality of the programme, the
  concerns received in the last 12 complete months, the share acknowledged within 14 days, the
  share resolved and the latest survey round; counts from 1 to 4 withheld at an aggregate-only
  level (:mod:`kenesh.core.disclosure`), and any share that would give one back;
- **a territory's page** (/units/<code>/ of a municipality): its concerns by status and its
  adopted priorities.

Each context function runs a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from kenesh.consultations.concerns.selectors import (
    ConcernFilter,
    concerns_counted,
    concerns_for,
)
from kenesh.consultations.models import (
    AdoptedPriority,
    ConcernEvent,
    ConcernStatus,
    Meeting,
    Survey,
    SurveyStatus,
)
from kenesh.consultations.priorities.selectors import default_period
from kenesh.core.disclosure import (
    SMALL_COUNT,
    Detail,
    Published,
    detail_at,
    publish_series,
)
from kenesh.core.models import localized_name
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import allowed
from kenesh.geo.models import AdministrativeUnit, Level
from kenesh.orgs.programmes import area_catalogue

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User
    from kenesh.orgs.models import Programme

    AnyUser = User | AnonymousUser

#: How many of the oldest new concerns the panel lists.
OLDEST_SHOWN = 5
#: An acknowledged concern that has not moved for this many days is waiting too long.
STALLED_DAYS = 30
#: A concern is answered in time when acknowledged (or closed) within this many days.
ANSWER_DAYS = 14
#: How many priorities of the latest decision a panel lists.
PRIORITIES_SHOWN = 10


def _single(units: list[AdministrativeUnit]) -> AdministrativeUnit | None:
    """The municipality of a dashboard that shows exactly one (as the incidents' glance)."""
    return units[0] if len(units) == 1 else None


def _concern_list_url(unit: AdministrativeUnit, **params: str) -> str:
    query = urlencode({"unit": unit.code, **params})
    return f"{reverse('consultations:concerns:list')}?{query}"


def _matrix_url(unit: AdministrativeUnit) -> str:
    return f"{reverse('consultations:priorities:matrix')}?{urlencode({'unit': unit.code})}"


# --- Concerns to answer ---------------------------------------------------------------------


@dataclass(frozen=True)
class WaitingConcern:
    """A new concern nobody has acknowledged yet, with how long it has waited."""

    pk: int
    reference: str
    category: str
    channel: str
    received_at: dt.datetime
    age_days: int


def concerns_to_answer(
    *, user: AnyUser, unit: AdministrativeUnit, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The concerns of ``unit`` waiting for its working group: the new ones (count, and the
    :data:`OLDEST_SHOWN` oldest with their age in whole days), and the acknowledged ones whose
    status has not changed for :data:`STALLED_DAYS` days. Two queries."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    concerns = concerns_for(user=user, filters=ConcernFilter(unit=unit))
    stalled_before = now - dt.timedelta(days=STALLED_DAYS)
    counts = concerns.order_by().aggregate(
        new=Count("pk", filter=Q(status=ConcernStatus.NEW)),
        stalled=Count(
            "pk",
            filter=Q(status=ConcernStatus.ACKNOWLEDGED, status_changed_at__lt=stalled_before),
        ),
    )
    oldest = (
        concerns.filter(status=ConcernStatus.NEW)
        .select_related("category")
        .only(
            "pk",
            "reference",
            "channel",
            "received_at",
            "category__code",
            "category__name_ky",
            "category__name_ru",
            "category__name_en",
        )
        .order_by("received_at", "pk")[:OLDEST_SHOWN]
    )
    waiting = [
        WaitingConcern(
            pk=concern.pk,
            reference=concern.display_reference,
            category=localized_name(concern.category) if concern.category is not None else "",
            channel=str(concern.get_channel_display()),
            received_at=concern.received_at,
            age_days=max(0, (today - timezone.localdate(concern.received_at)).days),
        )
        for concern in oldest
    ]
    return {
        "unit": unit,
        "new_count": counts["new"],
        "oldest": waiting,
        "stalled_count": counts["stalled"],
        "stalled_days": STALLED_DAYS,
        "new_url": _concern_list_url(unit, status=ConcernStatus.NEW),
        "stalled_url": _concern_list_url(unit, status=ConcernStatus.ACKNOWLEDGED),
        "form_url": reverse("consultations:public:concern_form", args=[unit.code]),
        "poster_url": reverse("consultations:public:poster", args=[unit.code]),
        "create_url": reverse("consultations:concerns:create"),
    }


def concerns_panel(user: AnyUser, units: list[AdministrativeUnit]) -> dict[str, Any] | None:
    """The concerns to answer, on a dashboard of one municipality where the user may write
    concerns (LCPC, police, civil society)."""
    unit = _single(units)
    if unit is None or not allowed(user, Action.WRITE, Resource.CONCERNS, unit.path):
        return None
    return concerns_to_answer(user=user, unit=unit)


# --- One municipality's consultations -------------------------------------------------------


@dataclass(frozen=True)
class PriorityLine:
    rank: int
    category: str


def latest_priorities(
    *, user: AnyUser, unit: AdministrativeUnit
) -> tuple[dt.date | None, list[PriorityLine]]:
    """The date of the working group's latest decision in ``unit`` the user may read, and its
    priorities by rank (one query: the latest date is a subquery)."""
    adopted = AdoptedPriority.objects.visible_to(user).filter(unit=unit)
    latest = adopted.order_by("-adopted_on").values("adopted_on")[:1]
    rows = list(
        adopted.filter(adopted_on=Subquery(latest))
        .select_related("category")
        .order_by("rank", "pk")[:PRIORITIES_SHOWN]
    )
    lines = [PriorityLine(one.rank, localized_name(one.category)) for one in rows]
    return (rows[0].adopted_on if rows else None), lines


@dataclass(frozen=True)
class OpenSurvey:
    pk: int
    title: str
    round: str
    closes_on: dt.date | None
    responses: int
    public_url: str | None


def consultations_of(
    *, user: AnyUser, unit: AdministrativeUnit, today: dt.date | None = None
) -> dict[str, Any]:
    """What ``unit``'s consultations stand at (module docstring): open surveys, the next and
    the last meeting, the latest adopted priorities. Each part only where the user may read it;
    a fixed number of queries."""
    today = today or timezone.localdate()
    may_surveys = allowed(user, Action.READ, Resource.SURVEYS, unit.path)
    may_priorities = allowed(user, Action.READ, Resource.PRIORITIES, unit.path)
    context: dict[str, Any] = {
        "unit": unit,
        "may_surveys": may_surveys,
        "may_priorities": may_priorities,
        "surveys": [],
        "next_meeting": None,
        "last_meeting": None,
        "priorities": [],
        "adopted_on": None,
        "outcomes_url": reverse("consultations:outcomes:page", args=[unit.code]),
    }
    if may_surveys:
        surveys = (
            Survey.objects.visible_to(user)
            .filter(unit=unit, status=SurveyStatus.OPEN, is_template=False)
            .filter(Q(closes_on__isnull=True) | Q(closes_on__gte=today))
            .annotate(response_count=Count("responses"))
            .order_by("closes_on", "pk")
        )
        context["surveys"] = [
            OpenSurvey(
                pk=survey.pk,
                title=survey.title,
                round=str(survey.get_round_display()),
                closes_on=survey.closes_on,
                responses=survey.response_count,  # type: ignore[attr-defined]
                public_url=(
                    reverse("consultations:answer:form", args=[survey.public_key])
                    if survey.is_open_on(today)
                    else None
                ),
            )
            for survey in surveys
        ]
        meetings = Meeting.objects.visible_to(user).filter(unit=unit)
        context["next_meeting"] = meetings.filter(held_on__gte=today).order_by("held_on").first()
        context["last_meeting"] = (
            meetings.filter(held_on__lt=today).order_by("-held_on", "-pk").first()
        )
        context["surveys_url"] = reverse("consultations:surveys:list")
        context["meetings_url"] = reverse("consultations:meetings:list")
    if may_priorities:
        context["adopted_on"], context["priorities"] = latest_priorities(user=user, unit=unit)
        context["matrix_url"] = _matrix_url(unit)
        context["adopted_url"] = reverse("consultations:priorities:adopted", args=[unit.code])
    return context


def municipality_panel(user: AnyUser, units: list[AdministrativeUnit]) -> dict[str, Any] | None:
    """A municipality's consultations, on a dashboard of one municipality whose surveys the
    user may read."""
    unit = _single(units)
    if unit is None or not allowed(user, Action.READ, Resource.SURVEYS, unit.path):
        return None
    return consultations_of(user=user, unit=unit)


# --- The programme's municipalities ---------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """A share of concerns as published: ``value`` in percent, None when withheld (its count
    or the rest of its base is from 1 to 4 at an aggregate-only level) or when nothing counts."""

    value: float | None
    withheld: bool = False

    @property
    def mark(self) -> Published:
        """How a withheld share reads (``×``: it says nothing of its size)."""
        return Published.withheld()


def publish_share(part: int, base: int, *, suppress: bool) -> Share:
    """``part`` of ``base`` in percent. When ``suppress``, a share whose part or rest
    (``base - part``) is from 1 to 4 is withheld: with the base known, either gives it back."""
    if base <= 0:
        return Share(None)
    if suppress and any(1 <= n < SMALL_COUNT for n in (part, base - part, base)):
        return Share(None, withheld=True)
    return Share(100 * part / base)


@dataclass(frozen=True)
class ProgrammeConcernRow:
    unit: AdministrativeUnit
    name: str
    received: Published
    answered_in_time: Share
    resolved: Share
    latest_survey: Survey | None


def _programme_area(
    user: AnyUser,
) -> tuple[Programme | None, str, list[AdministrativeUnit], dict[int, str]] | None:
    """The programme of the coordinator's table (:mod:`kenesh.orgs.programmes`'s default
    area) among the municipalities whose concerns the user may count; None for one or none."""
    municipalities = list(
        AdministrativeUnit.objects.where_allowed(user, Action.AGGREGATE, Resource.CONCERNS)
        .filter(level=Level.MUNICIPALITY)
        .defer("boundary")
        .order_by("code")
    )
    if len(municipalities) <= 1:
        return None
    catalogue = area_catalogue(municipalities)
    area = catalogue.default()
    if area is None or area.kind != "programme":
        return None
    labels = {unit.pk: catalogue.municipality_label(unit) for unit in area.municipalities}
    return area.programme, area.name, area.municipalities, labels


def programme_concerns(*, user: AnyUser, now: dt.datetime | None = None) -> dict[str, Any] | None:
    """Per municipality of the user's programme: concerns received in the last 12 complete
    months (merged duplicates left out), the share of those received at least 14 days ago that
    were acknowledged or closed within 14 days of receipt (their first step out of "new"), the
    share resolved now, and the latest survey (not a draft, not a template). Counts from 1 to 4
    are withheld where the user's level over the municipality is aggregate-only, and shares
    that would give one back. Three queries beside the programme's (area_catalogue)."""
    found = _programme_area(user)
    if found is None:
        return None
    programme, name, units, labels = found
    now = now or timezone.now()
    start, end = default_period(timezone.localdate(now))
    due_before = now - dt.timedelta(days=ANSWER_DAYS)
    answered = ConcernEvent.objects.filter(
        concern=OuterRef("pk"),
        at__lte=OuterRef("received_at") + dt.timedelta(days=ANSWER_DAYS),
    ).exclude(status=ConcernStatus.NEW)
    due = Q(received_at__lte=due_before)
    counts = {
        row["unit_id"]: row
        for row in concerns_counted(user=user, action=Action.AGGREGATE)
        .filter(
            unit__in=units,
            received_at__date__gte=start,
            received_at__date__lte=end,
        )
        .order_by()
        .values("unit_id")
        .annotate(
            received=Count("pk"),
            due=Count("pk", filter=due),
            in_time=Count("pk", filter=due & Q(Exists(answered))),
            resolved=Count("pk", filter=Q(status=ConcernStatus.RESOLVED)),
        )
    }
    latest: dict[int, Survey] = {}
    surveys = (
        Survey.objects.visible_to(user)
        .filter(unit__in=units, is_template=False)
        .exclude(status=SurveyStatus.DRAFT)
        .only("pk", "unit_id", "round", "status", "opens_on", "closes_on")
        .order_by("unit_id", "-opens_on", "-pk")
    )
    for survey in surveys:
        if survey.opens_on is None:
            # Without a date it says nothing of when; a dated round is the latest one.
            latest.setdefault(survey.unit_id, survey)
        elif survey.unit_id not in latest or latest[survey.unit_id].opens_on is None:
            latest[survey.unit_id] = survey
    rows = []
    for unit in units:
        row = counts.get(unit.pk, {"received": 0, "due": 0, "in_time": 0, "resolved": 0})
        suppress = (detail_at(user, Resource.CONCERNS, unit.path) or Detail.PUBLIC).aggregate_only
        received = publish_series([row["received"]], suppress=suppress).total
        rows.append(
            ProgrammeConcernRow(
                unit=unit,
                name=labels.get(unit.pk, unit.name),
                received=received,
                answered_in_time=publish_share(row["in_time"], row["due"], suppress=suppress),
                resolved=publish_share(row["resolved"], row["received"], suppress=suppress),
                latest_survey=latest.get(unit.pk),
            )
        )
    rows.sort(key=lambda one: (one.name.casefold(), one.unit.code))
    return {
        "programme": programme,
        "name": name,
        "rows": rows,
        "start": start,
        "end": end,
        "answer_days": ANSWER_DAYS,
        "withheld": any(
            one.received.suppressed or one.answered_in_time.withheld or one.resolved.withheld
            for one in rows
        ),
        "concerns_url": reverse("consultations:concerns:list"),
    }


def programme_panel(user: AnyUser, units: list[AdministrativeUnit]) -> dict[str, Any] | None:
    """The programme's concerns and surveys side by side; absent for one municipality."""
    return programme_concerns(user=user)


# --- A territory's page ---------------------------------------------------------------------


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: Published
    url: str | None


def unit_panel(user: AnyUser, unit: AdministrativeUnit) -> dict[str, Any] | None:
    """A municipality's concerns by status (counts from 1 to 4 withheld for an aggregate-only
    viewer; each count a link to the list for those who may read the rows) and its latest
    adopted priorities, each part only where the user's roles there allow it."""
    if unit.level != Level.MUNICIPALITY:
        return None
    may_count = allowed(user, Action.AGGREGATE, Resource.CONCERNS, unit.path)
    may_read = allowed(user, Action.READ, Resource.CONCERNS, unit.path)
    may_priorities = allowed(user, Action.READ, Resource.PRIORITIES, unit.path)
    if not (may_count or may_priorities):
        return None
    context: dict[str, Any] = {
        "unit": unit,
        "statuses": [],
        "total": None,
        "priorities": [],
        "adopted_on": None,
        "may_priorities": may_priorities,
    }
    if may_count:
        found = dict(
            concerns_counted(user=user, action=Action.AGGREGATE, filters=ConcernFilter(unit=unit))
            .order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
        )
        statuses = list(ConcernStatus)
        detail = detail_at(user, Resource.CONCERNS, unit.path) or Detail.PUBLIC
        series = publish_series(
            [int(found.get(status.value, 0)) for status in statuses],
            suppress=detail.aggregate_only,
        )
        context["statuses"] = [
            StatusCount(
                status.value,
                str(status.label),
                count,
                _concern_list_url(unit, status=status.value) if may_read else None,
            )
            for status, count in zip(statuses, series.counts, strict=True)
        ]
        context["total"] = series.total
        context["marks"] = series.marks
        context["list_url"] = reverse("consultations:concerns:list") + (
            f"?{urlencode({'unit': unit.code})}"
        )
    if may_priorities:
        context["adopted_on"], context["priorities"] = latest_priorities(user=user, unit=unit)
        context["matrix_url"] = _matrix_url(unit)
        context["adopted_url"] = reverse("consultations:priorities:adopted", args=[unit.code])
    return context
