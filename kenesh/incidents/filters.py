"""The one filter every incident list, statistic and analysis applies, after scope.

Pages, the API and the analytics selectors parse their parameters into :class:`IncidentFilter`
and call :func:`incidents_for`; scope (``visible_to``) is applied there and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef

from kenesh.core.permissions import Action, Resource
from kenesh.geo.models import AdministrativeUnit
from kenesh.incidents.models import Incident, IncidentQuerySet

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User


@dataclass(frozen=True)
class IncidentFilter:
    """What to keep: all fields optional; dates are inclusive (occurred on)."""

    unit: AdministrativeUnit | None = None  # the unit or anything below it
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    category: str = ""  # a prevention category (kenesh.incidents.categories.Category)
    iccs: str = ""  # an ICCS code prefix: "05" keeps every act against property only
    status: str = ""

    def apply(self, incidents: IncidentQuerySet) -> IncidentQuerySet:
        if self.unit is not None:
            incidents = incidents.filter(unit__path__startswith=self.unit.path)
        if self.date_from is not None:
            incidents = incidents.filter(occurred_on__gte=self.date_from)
        if self.date_to is not None:
            incidents = incidents.filter(occurred_on__lte=self.date_to)
        if self.category:
            incidents = incidents.in_category(self.category)
        if self.iccs:
            incidents = incidents.under_iccs(self.iccs)
        if self.status:
            incidents = incidents.filter(status=self.status)
        return incidents


#: Scope names the units holding its incidents when there are at most this many.
NAMED_UNITS_MAX = 60


def incidents_for(
    *,
    user: User | AnonymousUser,
    action: Action = Action.READ,
    filters: IncidentFilter | None = None,
) -> IncidentQuerySet:
    """Incidents the user may ``action`` (READ for records, AGGREGATE for statistics),
    narrowed by ``filters``."""
    filters = filters or IncidentFilter()
    incidents = filters.apply(Incident.objects.visible_to(user, action))
    # Scope and the unit filter reach the incidents through a join to the unit tree by path,
    # which PostgreSQL plans blind: it cannot tell how many incidents the units hold, nor use
    # the (unit, date) index through the join, so it read every incident of the period, or
    # fetched and sorted every incident of a city to list 50. The same condition again as the
    # ids of the units that hold incidents (one index probe each) lets it estimate from its
    # statistics and read the units' own rows, for one municipality newest first off an index.
    holding = AdministrativeUnit.objects.where_allowed(user, action, Resource.INCIDENTS)
    if filters.unit is not None:
        holding = holding.filter(path__startswith=filters.unit.path)
    holding = holding.filter(Exists(Incident.objects.filter(unit=OuterRef("pk"))))
    named = list(holding.order_by().values_list("pk", flat=True)[: NAMED_UNITS_MAX + 1])
    if len(named) <= NAMED_UNITS_MAX:
        incidents = incidents.filter(unit_id__in=named)
    return incidents
