"""Fixtures of the incident register tests: an incident of a year no demo data reaches, and
users of another municipality."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from kenesh.accounts.models import User
from kenesh.accounts.services import role_assign
from kenesh.core.permissions import Role
from kenesh.geo.models import AdministrativeUnit
from kenesh.incidents.models import Incident
from kenesh.incidents.tests.factories import IncidentFactory
from kenesh.portal.demo import KARAKOL

# Demo incidents cover recent years; tests that count put theirs in 2003 and filter on it.
TEST_YEAR = {"from": "2003-01-01", "to": "2003-12-31"}


@pytest.fixture
def jeti_oguz_incident(db: None) -> Incident:
    """A livestock theft in Jeti-Oguz, with the restricted fields filled in."""
    incident = IncidentFactory.create(
        occurred_on=dt.date(2003, 6, 15),
        narrative="Three sheep taken from the summer pasture at night.",
        reporter_name="Asel Toktosunova",
        reporter_contact="+996 555 123 456",
        external_ref="TEST-2003-1",
    )
    return incident


# The roles held in a municipality (programme coordinators and administrators are national,
# so never outsiders).
MUNICIPAL_ROLES = [
    Role.LCPC_COORDINATOR,
    Role.POLICE_OFFICER,
    Role.LOCAL_GOVERNMENT,
    Role.CIVIL_SOCIETY,
    Role.LIVESTOCK_REGISTRAR,
]


@pytest.fixture(params=MUNICIPAL_ROLES, ids=str)
def karakol_outsider(request: pytest.FixtureRequest, db: None) -> Client:
    """A logged-in client of a Karakol user holding each municipal role in turn: for them
    Jeti-Oguz's incidents do not exist."""
    role: Role = request.param
    user = User.objects.create_user(f"karakol.{role.value}", is_demo=True)
    role_assign(actor=None, user=user, role=role, unit=AdministrativeUnit.objects.get(code=KARAKOL))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_as(client_as: Callable[[str], Client]) -> Callable[[str], Client]:
    """The root fixture's clients, asking for English: these tests read messages in English
    (the default language is Kyrgyz; test_translated_pages checks ky and ru)."""

    def make(username: str) -> Client:
        client = client_as(username)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def demo_restored_afterwards(django_db_blocker: Any) -> Iterator[None]:
    """A transactional test empties every table when it ends; put back what the other tests
    of the session expect (the ICCS table from its migration, the demo programme).
    Listed before ``transactional_db``, so this runs after that fixture's flush."""
    yield
    from kenesh.incidents.models import IccsCategory
    from kenesh.incidents.reference import iccs_load
    from kenesh.portal.demo import demo_load

    with django_db_blocker.unblock():
        if not IccsCategory.objects.exists():
            iccs_load(IccsCategory)
        demo_load()
