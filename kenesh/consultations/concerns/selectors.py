"""Reads on concerns for staff pages, the API and exports, always through the user's scope
(``Concern.objects.visible_to``), and the counts aggregate-only roles get instead of rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from kenesh.consultations.models import (
    Concern,
    ConcernCategory,
    ConcernEvent,
    ConcernQuerySet,
    ConcernStatus,
    normalise_reference,
)
from kenesh.core.disclosure import PublishedTable, detail_at, publish_table, whole_months
from kenesh.core.models import localized_name
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import get_for_user
from kenesh.geo.models import AdministrativeUnit

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User

    AnyUser = User | AnonymousUser | None

RELATED = ("unit", "settlement", "category", "suggested_category", "merged_into")


@dataclass(frozen=True)
class ConcernFilter:
    """What to keep: all fields optional; dates are inclusive (received on, local time)."""

    unit: AdministrativeUnit | None = None  # the unit or anything below it
    category: str = ""
    status: str = ""
    channel: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def apply(self, concerns: ConcernQuerySet) -> ConcernQuerySet:
        if self.unit is not None:
            concerns = concerns.filter(unit__path__startswith=self.unit.path)
        if self.category:
            concerns = concerns.filter(category__code=self.category)
        if self.status:
            concerns = concerns.filter(status=self.status)
        if self.channel:
            concerns = concerns.filter(channel=self.channel)
        if self.date_from is not None:
            concerns = concerns.filter(received_at__date__gte=self.date_from)
        if self.date_to is not None:
            concerns = concerns.filter(received_at__date__lte=self.date_to)
        return concerns

    def audited(self) -> dict[str, Any]:
        """The filters as the API names them, only those given (for the audit log)."""
        given = {
            "unit": self.unit.code if self.unit is not None else None,
            "category": self.category,
            "status": self.status,
            "channel": self.channel,
            "from": self.date_from,
            "to": self.date_to,
        }
        return {name: value for name, value in given.items() if value}


def concerns_for(
    *, user: AnyUser, action: Action = Action.READ, filters: ConcernFilter | None = None
) -> ConcernQuerySet:
    """Concerns the user may ``action`` (READ for records, AGGREGATE for counts), filtered."""
    return (filters or ConcernFilter()).apply(Concern.objects.visible_to(user, action))


def concerns_counted(
    *, user: AnyUser, action: Action = Action.AGGREGATE, filters: ConcernFilter | None = None
) -> ConcernQuerySet:
    """The concerns a count counts: those of :func:`concerns_for` less the merged duplicates
    (``merged_into`` set), each of which is the same problem as the concern it went into, as
    the public outcomes page and the priority matrix count them. Every count of concerns goes
    through here; lists and exports still show the duplicates."""
    return concerns_for(user=user, action=action, filters=filters).filter(merged_into__isnull=True)


def concern_list(*, user: AnyUser, filters: ConcernFilter) -> ConcernQuerySet:
    """Concerns the user may read, newest first, with what a list row shows."""
    return (
        concerns_for(user=user, filters=filters)
        .select_related(*RELATED)
        .defer("unit__boundary", "settlement__boundary")
        .order_by("-received_at", "-pk")
    )


def concern_get(*, user: AnyUser, pk: int, action: Action = Action.READ) -> Concern:
    """One concern: 404 outside the user's scope, 403 when their role may not ``action`` it."""
    return get_for_user(Concern.objects.select_related(*RELATED), user, action, pk=pk)


def concern_events(concern: Concern) -> QuerySet[ConcernEvent]:
    """The concern's history, oldest first, with who made each step."""
    return concern.events.select_related("actor").order_by("at", "pk")


def merge_target(*, user: AnyUser, duplicate: Concern, reference: str) -> Concern | None:
    """The concern to keep when merging ``duplicate``: the one with this reference number (as
    typed) in the same municipality, among those the user may change; None when there is none
    (a reference elsewhere reads the same as an unknown one)."""
    return (
        Concern.objects.visible_to(user, Action.WRITE)
        .select_related("merged_into")
        .filter(reference=normalise_reference(reference), unit_id=duplicate.unit_id)
        .first()
    )


def possible_duplicates(concern: Concern, *, limit: int = 10) -> list[Concern]:
    """Other open concerns of the same municipality, same category first: candidates for a
    merge, shown on the concern's page with their reference numbers."""
    others = (
        Concern.objects.filter(unit_id=concern.unit_id, merged_into__isnull=True)
        .open()
        .exclude(pk=concern.pk)
        .select_related("category")
        .order_by("-received_at")
    )
    if concern.category_id:
        same = list(others.filter(category__code=concern.category_id)[:limit])
        if same:
            return same
    return list(others[:limit])


def categories() -> QuerySet[ConcernCategory]:
    return ConcernCategory.objects.filter(active=True).order_by("order", "code")


@dataclass(frozen=True)
class ConcernCounts:
    """Counts of concerns by category (rows) and status (columns), as published for an
    aggregate-only viewer: every count from 1 to 4 suppressed, with its complements."""

    categories: list[str]
    statuses: list[str]
    table: PublishedTable
    #: The dates counted over: those asked for, widened to whole months (None: open end).
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @property
    def status_labels(self) -> list[str]:
        return [str(ConcernStatus(status).label) for status in self.statuses]

    @property
    def rows(self) -> list[tuple[str, Any]]:
        return list(zip(self.categories, self.table.rows, strict=True))


def concern_counts(*, user: AnyUser, filters: ConcernFilter) -> ConcernCounts:
    """How many concerns the user may count, by category and status, small counts suppressed
    (kenesh.core.disclosure: an aggregate-only role sees no count from 1 to 4).

    At aggregate-only or public detail the dates are widened to whole months
    (:func:`kenesh.core.disclosure.whole_months`), so two requests a few days apart cannot be
    subtracted to give back a count from 1 to 4; the dates used are in the answer."""
    detail = detail_at(
        user, Resource.CONCERNS, filters.unit.path if filters.unit is not None else None
    )
    if detail is not None:
        date_from, date_to = whole_months(detail, filters.date_from, filters.date_to)
        filters = replace(filters, date_from=date_from, date_to=date_to)
    found = (
        concerns_counted(user=user, filters=filters)
        .order_by()
        .values_list("category_id", "status")
        .annotate(n=Count("pk"))
    )
    counts: dict[tuple[str, str], int] = {}
    for category, status, n in found:
        key = (category or "", status)
        counts[key] = counts.get(key, 0) + n
    statuses = list(ConcernStatus.values)
    known = list(categories())
    codes = [category.code for category in known]
    labels = {category.code: localized_name(category) for category in known}
    extra = sorted({code for code, _status in counts if code not in labels})
    codes += extra
    rows = [[counts.get((code, status), 0) for status in statuses] for code in codes]
    table = publish_table(rows, suppress_rows=[True] * len(rows), suppress_totals=True)
    names = [labels.get(code) or code or str(_("no category")) for code in codes]
    return ConcernCounts(
        categories=names,
        statuses=statuses,
        table=table,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
