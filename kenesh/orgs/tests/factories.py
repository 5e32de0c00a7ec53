"""Test data for organisations: organisations, people and working groups with members.

Saved directly (not audited): for tests of reads, scope and permissions. Writes under test go
through the services.
"""

from __future__ import annotations

import factory

from kenesh.geo.tests.factories import MunicipalityFactory
from kenesh.orgs.models import (
    Membership,
    MemberType,
    Organisation,
    OrganisationKind,
    Person,
    Sex,
    WorkingGroup,
)


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    kind = OrganisationKind.NGO
    unit = factory.SubFactory(MunicipalityFactory)
    name_ru = factory.Sequence(lambda n: f"Тестовая организация {n}")
    name_en = factory.Sequence(lambda n: f"Test organisation {n}")


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    class Meta:
        model = Person

    full_name = factory.Sequence(lambda n: f"Тест Адамов {n}")
    sex = Sex.UNKNOWN
    unit = factory.SubFactory(MunicipalityFactory)


class WorkingGroupFactory(factory.django.DjangoModelFactory[WorkingGroup]):
    """The working group of a fresh municipality, around an LCPC of the same municipality."""

    class Meta:
        model = WorkingGroup

    unit = factory.SubFactory(MunicipalityFactory)
    lcpc = factory.SubFactory(
        OrganisationFactory, kind=OrganisationKind.LCPC, unit=factory.SelfAttribute("..unit")
    )
    name_ru = factory.Sequence(lambda n: f"Рабочая группа {n}")
    name_en = factory.Sequence(lambda n: f"Working group {n}")


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    """A member of a working group, a person of the group's municipality."""

    class Meta:
        model = Membership

    working_group = factory.SubFactory(WorkingGroupFactory)
    person = factory.SubFactory(PersonFactory, unit=factory.SelfAttribute("..working_group.unit"))
    member_type = MemberType.CIVIL_SOCIETY
    role_in_group = "Член группы"
