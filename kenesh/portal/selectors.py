"""The home dashboard: the user's municipality, or the programme for a coordinator."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, OuterRef, Subquery

from kenesh.core.permissions import Action, Resource
from kenesh.geo.models import AdministrativeUnit, Level, PopulationCount
from kenesh.orgs.models import Organisation, WorkingGroup

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User


@dataclass
class MunicipalitySummary:
    unit: AdministrativeUnit
    population: int | None
    population_year: int | None
    organisations: int
    working_group: WorkingGroup | None
    members: int


@dataclass
class Dashboard:
    municipalities: list[MunicipalitySummary] = field(default_factory=list)
    total_population: int = 0
    total_organisations: int = 0
    total_members: int = 0

    @property
    def single(self) -> MunicipalitySummary | None:
        return self.municipalities[0] if len(self.municipalities) == 1 else None


def dashboard_for(user: User | AnonymousUser) -> Dashboard:
    """One summary per municipality the user may see that has a working group (the programme's
    municipalities), or the user's own municipality; counts in a fixed number of queries."""
    latest = PopulationCount.objects.filter(unit=OuterRef("pk")).order_by("-year")
    municipalities = (
        AdministrativeUnit.objects.where_allowed(user, Action.READ, Resource.GEOGRAPHY)
        .filter(level=Level.MUNICIPALITY)
        .defer("boundary")  # hundreds of outlines, none of them drawn here
        .annotate(
            population_latest=Subquery(latest.values("population")[:1]),
            population_year=Subquery(latest.values("year")[:1]),
        )
    )
    groups = {
        group.unit_id: group
        for group in WorkingGroup.objects.visible_to(user).annotate(
            member_count=Count("memberships")
        )
    }
    if len(municipalities) > 1:
        municipalities = municipalities.filter(pk__in=list(groups))
    # Organisations of a municipality and of the units below it, added up per ancestor path
    # ("/417/41702/41702210/41702210830/" counts for each of its prefixes): one pass over the
    # paths, not one per municipality.
    organisation_counts: dict[str, int] = defaultdict(int)
    for path, n in (
        Organisation.objects.visible_to(user)
        .values_list("unit__path")
        .annotate(n=Count("pk"))
        .values_list("unit__path", "n")
    ):
        codes = path.strip("/").split("/")
        for depth in range(1, len(codes) + 1):
            organisation_counts["/" + "/".join(codes[:depth]) + "/"] += n
    dashboard = Dashboard()
    for unit in municipalities.order_by("code"):
        group = groups.get(unit.pk)
        organisations = organisation_counts.get(unit.path, 0)
        members = getattr(group, "member_count", 0) if group else 0
        population: int | None = getattr(unit, "population_latest", None)
        dashboard.municipalities.append(
            MunicipalitySummary(
                unit=unit,
                population=population,
                population_year=getattr(unit, "population_year", None),
                organisations=organisations,
                working_group=group,
                members=members,
            )
        )
        dashboard.total_population += population or 0
        dashboard.total_organisations += organisations
        dashboard.total_members += members
    return dashboard
