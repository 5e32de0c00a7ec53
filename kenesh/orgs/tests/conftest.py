"""Fixtures of the organisation tests: a user of another municipality, for every role."""

from __future__ import annotations

import pytest
from django.test import Client

from kenesh.accounts.models import User
from kenesh.accounts.services import role_assign
from kenesh.core.permissions import Role
from kenesh.geo.models import AdministrativeUnit
from kenesh.portal.demo import KARAKOL

# The roles held in a municipality. Programme coordinators and administrators are national
# and see every municipality, so they are never outsiders.
MUNICIPAL_ROLES = [
    Role.LCPC_COORDINATOR,
    Role.POLICE_OFFICER,
    Role.LOCAL_GOVERNMENT,
    Role.CIVIL_SOCIETY,
    Role.LIVESTOCK_REGISTRAR,
]


@pytest.fixture(params=MUNICIPAL_ROLES, ids=str)
def municipal_role(request: pytest.FixtureRequest) -> Role:
    """Each municipal role in turn (a test using it runs once per role)."""
    role: Role = request.param
    return role


@pytest.fixture
def karakol_outsider(municipal_role: Role, db: None) -> Client:
    """A logged-in client of a Karakol user holding ``municipal_role``: for them Jeti-Oguz's
    organisations and working group do not exist."""
    user = User.objects.create_user(f"karakol.{municipal_role.value}", is_demo=True)
    role_assign(
        actor=None,
        user=user,
        role=municipal_role,
        unit=AdministrativeUnit.objects.get(code=KARAKOL),
    )
    client = Client()
    client.force_login(user)
    return client
