"""Population denominators: resident population of municipalities by year, and person-years.

A municipality's population for a year is the count of that year (1 January), else of the
nearest earlier year (the latest figure known at the time), else of the nearest later year (the
first figure known). An area's population is the sum over its municipalities. Person-years over
a window are each calendar year's population times the share of that year's days the window
covers. Every rate per 10,000 (incidents, thefts, accidents) divides by these.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kenesh.geo.models import AdministrativeUnit, Level, PopulationCount


def parent_area(unit: AdministrativeUnit) -> AdministrativeUnit | None:
    """The rayon of a municipality; for a city of oblast significance, which lies in no
    rayon, its oblast."""
    ancestors = list(unit.ancestors())
    for ancestor in reversed(ancestors):
        if ancestor.level == Level.RAYON:
            return ancestor
    return ancestors[-1] if ancestors and ancestors[-1].level != Level.COUNTRY else None


@dataclass(frozen=True)
class PopulationTable:
    """Population counts of some municipalities, by unit id and year."""

    counts: dict[int, dict[int, int]]

    @classmethod
    def of(cls, unit_ids: Iterable[int]) -> PopulationTable:
        table: dict[int, dict[int, int]] = {}
        rows = PopulationCount.objects.filter(unit_id__in=list(unit_ids)).values_list(
            "unit_id", "year", "population"
        )
        for unit_id, year, population in rows:
            table.setdefault(unit_id, {})[year] = population
        return cls(table)

    def known(self, unit_ids: Iterable[int]) -> list[int]:
        return [unit_id for unit_id in unit_ids if self.counts.get(unit_id)]

    def of_unit(self, unit_id: int, year: int) -> tuple[int, int] | None:
        """(population, year counted) of one unit for ``year``: that year's count, else the
        nearest earlier, else the nearest later; ``None`` when the unit has no count at all."""
        years = self.counts.get(unit_id)
        if not years:
            return None
        if year in years:
            return years[year], year
        earlier = [counted for counted in years if counted < year]
        chosen = max(earlier) if earlier else min(years)
        return years[chosen], chosen

    def total(self, unit_ids: Iterable[int], year: int) -> int | None:
        """The population of the units with a known count, for ``year``; ``None`` if none."""
        found = [self.of_unit(unit_id, year) for unit_id in unit_ids]
        values = [value[0] for value in found if value is not None]
        return sum(values) if values else None

    def person_years(self, unit_ids: Iterable[int], start: dt.date, end: dt.date) -> float:
        """Person-years lived from ``start`` to ``end`` (inclusive) by the units' residents:
        Σ over calendar years of population × (days covered / days in the year)."""
        ids = list(unit_ids)
        total = 0.0
        for year in range(start.year, end.year + 1):
            first, last = max(start, dt.date(year, 1, 1)), min(end, dt.date(year, 12, 31))
            if first > last:
                continue
            population = self.total(ids, year) or 0
            days = (last - first).days + 1
            total += population * days / (366 if calendar.isleap(year) else 365)
        return total


def units_without_population_note(names: Sequence[str], shown: int = 5) -> str:
    """Which municipalities' incidents a rate leaves out (the first ``shown`` named)."""
    listed = ", ".join(names[:shown])
    if len(names) > shown:
        listed = _("%(names)s and %(n)d more") % {"names": listed, "n": len(names) - shown}
    return ngettext(
        "No population is known for %(names)s; its incidents are left out of the rates.",
        "No population is known for %(names)s; their incidents are left out of the rates.",
        len(names),
    ) % {"names": listed}


def no_population_note() -> str:
    return _(
        "No population is known for this area, so no rate per 10,000 can be given; "
        "the counts stand alone."
    )
