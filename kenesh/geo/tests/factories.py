"""Test data for geography: oblast → rayon → municipality → settlement chains of invented units.

Codes come from the 41799… range, which the national classifier does not use, so factory units
never meet the demo's or a real unit. A test that needs two municipalities of different rayons
asks for two ``MunicipalityFactory()``; two of one rayon share ``parent=``.
"""

from __future__ import annotations

import itertools
from typing import Any

import factory

from kenesh.geo.models import AdministrativeUnit, Level, PopulationCount, UnitKind

COUNTRY_CODE = "41700000000000"

# One counter for every level: codes stay unique whatever mix of levels a test creates.
_codes = itertools.count(1)


def next_code() -> str:
    """A fresh 14-digit SOATE-shaped code no real unit has."""
    return f"41799{next(_codes):09d}"


def country() -> AdministrativeUnit:
    """The country unit: the demo's, or one made for a database without it."""
    unit, _created = AdministrativeUnit.objects.get_or_create(
        code=COUNTRY_CODE,
        defaults={
            "level": Level.COUNTRY,
            "kind": UnitKind.COUNTRY,
            "name_ru": "Кыргызская Республика",
            "name_ky": "Кыргыз Республикасы",
            "name_en": "Kyrgyz Republic",
        },
    )
    return unit


class UnitFactory(factory.django.DjangoModelFactory[AdministrativeUnit]):
    """A unit below the country; the subclasses fix its level."""

    class Meta:
        model = AdministrativeUnit

    code = factory.LazyFunction(next_code)
    level = Level.OBLAST
    kind = UnitKind.OBLAST
    # Any: each level sets its parent with a different declaration.
    parent: Any = factory.LazyFunction(country)
    name_ru = factory.LazyAttribute(lambda unit: f"Тестовая единица {unit.code[-4:]}")
    name_ky = factory.LazyAttribute(lambda unit: f"Сыноо бирдиги {unit.code[-4:]}")
    name_en = factory.LazyAttribute(lambda unit: f"Test unit {unit.code[-4:]}")


class OblastFactory(UnitFactory):
    level = Level.OBLAST
    kind = UnitKind.OBLAST
    name_en = factory.LazyAttribute(lambda unit: f"Test oblast {unit.code[-4:]}")


class RayonFactory(UnitFactory):
    level = Level.RAYON
    kind = UnitKind.RAYON
    parent = factory.SubFactory(OblastFactory)
    name_en = factory.LazyAttribute(lambda unit: f"Test rayon {unit.code[-4:]}")


class MunicipalityFactory(UnitFactory):
    """An aiyl aimak with a centroid by Issyk-Kul (inside the country, no boundary)."""

    level = Level.MUNICIPALITY
    kind = UnitKind.AIYL_AIMAK
    parent = factory.SubFactory(RayonFactory)
    latitude = 42.34
    longitude = 78.22
    name_en = factory.LazyAttribute(lambda unit: f"Test municipality {unit.code[-4:]}")


class SettlementFactory(UnitFactory):
    level = Level.SETTLEMENT
    kind = UnitKind.SETTLEMENT
    parent = factory.SubFactory(MunicipalityFactory)
    name_en = factory.LazyAttribute(lambda unit: f"Test village {unit.code[-4:]}")


class PopulationCountFactory(factory.django.DjangoModelFactory[PopulationCount]):
    class Meta:
        model = PopulationCount

    unit = factory.SubFactory(MunicipalityFactory)
    year = 2024
    population = 10_000
