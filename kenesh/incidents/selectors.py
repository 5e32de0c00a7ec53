"""Reads on the incident register, always through the user's scope (see `filters.py`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Max, Min, OuterRef, QuerySet, Subquery

from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import get_for_user
from kenesh.geo.models import AdministrativeUnit, Level
from kenesh.incidents.filters import IncidentFilter, incidents_for
from kenesh.incidents.models import Incident, IncidentQuerySet

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User
    from kenesh.incidents.analysis.trends import RateChange

    AnyUser = User | AnonymousUser

# What a list row and a detail show beside the incident itself: one query, not one per row.
RELATED = ("unit", "settlement", "iccs")


def incident_list(*, user: AnyUser, filters: IncidentFilter) -> IncidentQuerySet:
    """Incidents the user may read (records, not aggregates), narrowed by ``filters``,
    newest first."""
    incidents = incidents_for(user=user, action=Action.READ, filters=filters)
    return (
        incidents.select_related(*RELATED)
        # Outlines are never shown in a list; a city's is kilobytes of JSON on every row.
        .defer("unit__boundary", "settlement__boundary")
        .order_by("-occurred_on", "-pk")
    )


def incident_get(*, user: AnyUser, pk: int, action: Action = Action.READ) -> Incident:
    """One incident: 404 outside the user's scope, 403 when their role may not ``action`` it."""
    return get_for_user(Incident.objects.select_related(*RELATED), user, action, pk=pk)


def recorded_span(
    *,
    user: AnyUser,
    action: Action = Action.AGGREGATE,
    units: list[AdministrativeUnit] | None = None,
) -> tuple[dt.date | None, dt.date | None]:
    """The days of the first and the last incident the user may ``action``, of ``units`` only
    when given; ``(None, None)`` when there is none.

    Asked unit by unit, two index probes each on (unit, occurred_on), rather than as one
    MIN/MAX over the incidents joined to their scope: PostgreSQL's shortcut for MIN/MAX does
    not cross a join, so that reads every incident in scope (a second on a national register).
    """
    in_unit = Incident.objects.filter(unit=OuterRef("pk")).values("occurred_on")
    scope = AdministrativeUnit.objects.where_allowed(user, action, Resource.INCIDENTS)
    if units is not None:
        scope = scope.filter(pk__in=[unit.pk for unit in units])
    found = scope.annotate(
        unit_first=Subquery(in_unit.order_by("occurred_on")[:1]),
        unit_last=Subquery(in_unit.order_by("-occurred_on")[:1]),
    ).aggregate(first=Min("unit_first"), last=Max("unit_last"))
    return found["first"], found["last"]


def incident_units(*, user: AnyUser) -> QuerySet[AdministrativeUnit]:
    """The municipalities that hold incidents the user may read: the choices of a unit filter."""
    readable = incidents_for(user=user, action=Action.READ).values("unit_id")
    return AdministrativeUnit.objects.filter(pk__in=readable, level=Level.MUNICIPALITY).order_by(
        "name_ru", "code"
    )


def category_rates(
    *,
    user: AnyUser,
    units: list[AdministrativeUnit],
    start: dt.date,
    end: dt.date,
    categories: list[str] | None = None,
) -> dict[str, RateChange]:
    """Per prevention category (all of :class:`~kenesh.incidents.categories.Category` unless
    ``categories`` names some): incidents of the municipalities ``units`` that the user may
    aggregate, per 10,000 person-years, over the whole months from ``start``'s to ``end``'s
    and over as many months before them, with the rate ratio (later over earlier).

    For other modules (the priority matrix of consultations), which meet incidents only through
    this selector. Each category is :func:`kenesh.incidents.analysis.trends.rate_change` over
    the period (person-years from :mod:`kenesh.geo.population`, the exact ratio of
    :func:`kenesh.analytics.rates.rate_ratio`; windows cut to the municipalities' first record,
    with its caveat), so the figures are the crime page's."""
    # Imported here: the statistics import this module.
    from kenesh.incidents.analysis.trends import rate_change
    from kenesh.incidents.analysis.windows import month_end, months_between
    from kenesh.incidents.categories import Category

    last = month_end(end)
    months = months_between(start, last) + 1
    if months < 1:
        raise ValueError("the period ends before it starts")
    data_start, _last = recorded_span(user=user, units=units)
    return {
        category: rate_change(
            user=user,
            area=None,
            end=last,
            category=category,
            months=months,
            data_start=data_start,
            municipalities=units,
        )
        for category in (categories if categories is not None else Category.values)
    }
