"""Test data for accounts: users holding one role at one unit, made per test.

``UserFactory(role=Role.POLICE_OFFICER, unit=municipality)`` is a police officer of that
municipality; without ``unit`` the user gets a fresh municipality of their own, without
``role`` an LCPC coordinator's. ``UserFactory(role=None)`` holds no role at all. Assignments are
saved directly (not audited): for tests of reads and permissions, not of ``role_assign``.
"""

from __future__ import annotations

import factory

from kenesh.accounts.models import RoleAssignment, User
from kenesh.core.permissions import Role
from kenesh.geo.tests.factories import MunicipalityFactory


class RoleAssignmentFactory(factory.django.DjangoModelFactory[RoleAssignment]):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory("kenesh.accounts.tests.factories.UserFactory", role=None)
    role = Role.LCPC_COORDINATOR
    unit = factory.SubFactory(MunicipalityFactory)


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        role: Role | str | None = Role.LCPC_COORDINATOR
        # A fresh municipality only for a user who holds a role.
        unit = factory.Maybe(
            "role", yes_declaration=factory.SubFactory(MunicipalityFactory), no_declaration=None
        )

    username = factory.Sequence(lambda n: f"test.user{n}")
    first_name = "Тест"
    last_name = factory.Sequence(lambda n: f"Колдонуучу {n}")
    # Tests log in with force_login; a password nobody knows keeps the account closed otherwise.
    password = factory.django.Password(None)

    assignment = factory.Maybe(
        "role",
        yes_declaration=factory.RelatedFactory(
            RoleAssignmentFactory,
            factory_related_name="user",
            role=factory.SelfAttribute("..role"),
            unit=factory.SelfAttribute("..unit"),
        ),
        no_declaration=None,
    )
