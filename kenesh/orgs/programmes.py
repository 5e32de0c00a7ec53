"""Selectors of programmes and of the areas an analysis can cover.

An analysis page (crime statistics, evaluation, hot spots) lets a user choose what it covers: one
municipality, a programme's municipalities, an oblast's, or everything the user may see. The
municipalities a user may see for that page come from its module (scope is decided in one place,
by the caller's queryset); these selectors only arrange them for people:

- programmes first, then oblasts, then the programmes' municipalities (the pilots), then the
  others, each group in alphabetical order of the names in the active language;
- a municipality whose name is shared by another in the list is named with its rayon
  ("Ak-Bulun (Ton rayon)"), so two "Ak-Bulun" are told apart;
- a programme's area is its municipalities that the user may see, never the user's whole area.

Choice values are what the pages put in their query strings: a municipality's code,
``programme:<id>``, ``oblast:<code>`` and ``all``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kenesh.geo.models import AdministrativeUnit, Level
from kenesh.orgs.models import Programme

AreaKind = Literal["municipality", "programme", "oblast", "all"]
ALL = "all"
PROGRAMME_PREFIX = "programme:"
OBLAST_PREFIX = "oblast:"

#: A grouped choice list as Django's ChoiceField takes it: ``[(group label, [(value, label)])]``,
#: or a flat list when there is nothing to group.
Choices = list[tuple[str, str]] | list[tuple[str, list[tuple[str, str]]]]


@dataclass(frozen=True)
class Area:
    """What an analysis covers: ``municipalities`` (in the user's scope), named for the page."""

    kind: AreaKind
    value: str
    name: str
    municipalities: list[AdministrativeUnit]
    #: The municipality or oblast itself (None for a programme and for everything).
    unit: AdministrativeUnit | None = None
    programme: Programme | None = None

    @property
    def is_municipality(self) -> bool:
        return self.kind == "municipality"


@dataclass
class AreaCatalogue:
    """The areas open to a user on one page, built once from the municipalities they may see."""

    municipalities: list[AdministrativeUnit]
    programmes: list[Programme] = field(default_factory=list)
    #: Programme id → the ids of its municipalities in the user's scope.
    programme_members: dict[int, set[int]] = field(default_factory=dict)
    oblasts: list[AdministrativeUnit] = field(default_factory=list)
    labels: dict[int, str] = field(default_factory=dict)

    @property
    def pilot_ids(self) -> set[int]:
        return set().union(*self.programme_members.values()) if self.programme_members else set()

    def municipality_label(self, unit: AdministrativeUnit) -> str:
        return self.labels.get(unit.pk, unit.name)

    def pilots(self) -> list[AdministrativeUnit]:
        """The municipalities of any programme, alphabetically."""
        pilots = self.pilot_ids
        return self._sorted(unit for unit in self.municipalities if unit.pk in pilots)

    def others(self) -> list[AdministrativeUnit]:
        pilots = self.pilot_ids
        return self._sorted(unit for unit in self.municipalities if unit.pk not in pilots)

    def ordered(self) -> list[AdministrativeUnit]:
        """Every municipality, the pilots first."""
        return self.pilots() + self.others()

    def _sorted(self, units: Iterable[AdministrativeUnit]) -> list[AdministrativeUnit]:
        return sorted(units, key=lambda unit: (self.municipality_label(unit).casefold(), unit.code))

    def choices(self, *, areas: bool = True) -> Choices:
        """The choice list of a page's area field. ``areas=False`` lists municipalities only
        (pages that work on one municipality, such as the hot spot map)."""
        municipality_choices = [
            (unit.code, self.municipality_label(unit)) for unit in self.ordered()
        ]
        if len(self.municipalities) <= 1:
            return municipality_choices
        groups: list[tuple[str, list[tuple[str, str]]]] = []
        if areas:
            wider = [
                (f"{PROGRAMME_PREFIX}{programme.pk}", self.programme_label(programme))
                for programme in self.programmes
            ]
            wider += [
                (f"{OBLAST_PREFIX}{oblast.code}", oblast.name)
                for oblast in self.oblasts
                if len(self.in_oblast(oblast)) > 1
            ]
            wider.append((ALL, self.all_label()))
            groups.append((_("Programmes and regions"), wider))
        pilots, others = self.pilots(), self.others()
        if pilots:
            groups.append(
                (
                    _("Programme municipalities"),
                    [(unit.code, self.municipality_label(unit)) for unit in pilots],
                )
            )
        if others:
            groups.append(
                (
                    _("Other municipalities") if pilots else _("Municipalities"),
                    [(unit.code, self.municipality_label(unit)) for unit in others],
                )
            )
        return groups

    def programme_label(self, programme: Programme) -> str:
        count = len(self.programme_members.get(programme.pk, ()))
        return ngettext(
            "%(name)s (%(count)d municipality)", "%(name)s (%(count)d municipalities)", count
        ) % {"name": programme.name, "count": count}

    def all_label(self) -> str:
        count = len(self.municipalities)
        return ngettext(
            "Everything I may see (%(count)d municipality)",
            "Everything I may see (%(count)d municipalities)",
            count,
        ) % {"count": count}

    def in_oblast(self, oblast: AdministrativeUnit) -> list[AdministrativeUnit]:
        return [unit for unit in self.municipalities if unit.path.startswith(oblast.path)]

    def resolve(self, value: str) -> Area | None:
        """The area a choice value names, or None when the user's choices do not offer it (a
        wider area is offered only where it holds more than one of the user's municipalities:
        a programme of which a user sees one municipality is that municipality)."""
        if value != ALL and not value.startswith((PROGRAMME_PREFIX, OBLAST_PREFIX)):
            unit = next((u for u in self.municipalities if u.code == value), None)
            if unit is None:
                return None
            return Area("municipality", unit.code, self.municipality_label(unit), [unit], unit=unit)
        if len(self.municipalities) <= 1:
            return None
        if value == ALL:
            return Area("all", ALL, self.all_label(), self.ordered())
        if value.startswith(PROGRAMME_PREFIX):
            key = value.removeprefix(PROGRAMME_PREFIX)
            programme = next((p for p in self.programmes if str(p.pk) == key), None)
            if programme is None:
                return None
            members = self.programme_members[programme.pk]
            units = [unit for unit in self.ordered() if unit.pk in members]
            return Area("programme", value, programme.name, units, programme=programme)
        if value.startswith(OBLAST_PREFIX):
            code = value.removeprefix(OBLAST_PREFIX)
            oblast = next((o for o in self.oblasts if o.code == code), None)
            if oblast is None:
                return None
            units = self._sorted(self.in_oblast(oblast))
            if len(units) <= 1:
                return None
            return Area("oblast", value, oblast.name, units, unit=oblast)
        return None

    def default(self) -> Area | None:
        """Where a page opens: the user's municipality when they have one, else the current
        programme with the most of their municipalities, else everything they may see."""
        if not self.municipalities:
            return None
        if len(self.municipalities) == 1:
            return self.resolve(self.municipalities[0].code)
        if self.programmes:
            return self.resolve(f"{PROGRAMME_PREFIX}{self.programmes[0].pk}")
        return self.resolve(ALL)

    def default_municipality(self) -> AdministrativeUnit | None:
        """The municipality a one-municipality page opens on: the first pilot (alphabetically),
        else the first municipality."""
        ordered = self.ordered()
        return ordered[0] if ordered else None


def area_catalogue(municipalities: Sequence[AdministrativeUnit]) -> AreaCatalogue:
    """Arrange ``municipalities`` (the caller's scoped list) into programmes, oblasts, pilots
    and others, with names told apart by rayon. Three queries whatever the number."""
    units = list(municipalities)
    catalogue = AreaCatalogue(municipalities=units)
    if not units:
        return catalogue
    ids = {unit.pk for unit in units}
    memberships = Programme.municipalities.through.objects.filter(
        administrativeunit_id__in=ids
    ).values_list("programme_id", "administrativeunit_id")
    members: dict[int, set[int]] = {}
    for programme_id, unit_id in memberships:
        members.setdefault(programme_id, set()).add(unit_id)
    today = timezone.localdate()
    programmes = list(Programme.objects.filter(pk__in=members))
    # Current programmes first, then by how many of the user's municipalities they hold.
    programmes.sort(
        key=lambda p: (
            not (p.start <= today and (p.end is None or p.end >= today)),
            -len(members[p.pk]),
            p.name.casefold(),
        )
    )
    catalogue.programmes = programmes
    catalogue.programme_members = members

    path_codes = {code for unit in units for code in unit.path.strip("/").split("/")}
    parent_ids = {unit.parent_id for unit in units if unit.parent_id}
    above = {
        unit.pk: unit
        for unit in AdministrativeUnit.objects.filter(
            Q(pk__in=parent_ids) | Q(code__in=path_codes, level=Level.OBLAST)
        ).defer("boundary")
    }
    catalogue.oblasts = sorted(
        (unit for unit in above.values() if unit.level == Level.OBLAST),
        key=lambda unit: unit.name.casefold(),
    )
    names = Counter(unit.name.casefold() for unit in units)
    for unit in units:
        if names[unit.name.casefold()] > 1 and unit.parent_id in above:
            catalogue.labels[unit.pk] = f"{unit.name} ({above[unit.parent_id].name})"
    return catalogue


def programme_queryset() -> QuerySet[Programme]:
    """Every programme, the newest first, with its donor, partner and municipalities."""
    return (
        Programme.objects.select_related("donor", "partner")
        .prefetch_related(
            Prefetch("municipalities", queryset=AdministrativeUnit.objects.defer("boundary"))
        )
        .order_by("-start", "name_ru", "pk")
    )
