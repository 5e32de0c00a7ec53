"""The exact location of an incident in a sensitive category is restricted row by row: only the
police in scope see the point, everyone else the settlement's name — on the incident's page,
in the API, in the admin and in the audit log's snapshots (docs/privacy.md)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kenesh.accounts.tests.factories import UserFactory
from kenesh.core.models import AuditEntry
from kenesh.core.permissions import Role
from kenesh.geo.tests.factories import MunicipalityFactory, SettlementFactory
from kenesh.incidents.models import Incident
from kenesh.incidents.services import incident_create, incident_update
from kenesh.incidents.tests.factories import IncidentFactory, incident_payload
from kenesh.incidents.tests.masking_support import SENTINELS, sensitive_incident

pytestmark = pytest.mark.django_db

SHOWN_LATITUDE = "42,34568"  # the sentinel latitude as the (Kyrgyz) page rounds it


def client_of(role: Role, unit: Any) -> Client:
    client = Client()
    client.force_login(UserFactory.create(role=role, unit=unit))
    return client


def test_the_page_of_a_sensitive_incident_shows_the_settlement_not_the_point() -> None:
    unit = MunicipalityFactory.create()
    settlement = SettlementFactory.create(parent=unit)
    incident = sensitive_incident(unit, settlement=settlement)
    url = f"/incidents/{incident.pk}/"
    staff = client_of(Role.LCPC_COORDINATOR, unit).get(url, HTTP_ACCEPT_LANGUAGE="en")
    html = staff.content.decode()
    assert SHOWN_LATITUDE not in html
    assert settlement.name in html and "restricted" in html
    police = client_of(Role.POLICE_OFFICER, unit).get(url).content.decode()
    assert SHOWN_LATITUDE in police


def test_staff_see_the_point_of_an_incident_outside_the_sensitive_categories() -> None:
    unit = MunicipalityFactory.create()
    theft = IncidentFactory.create(unit=unit, iccs_id="0502", latitude=42.3456789, longitude=78.2)
    client = client_of(Role.LCPC_COORDINATOR, unit)
    assert SHOWN_LATITUDE in client.get(f"/incidents/{theft.pk}/").content.decode()
    assert client.get(f"/api/v1/incidents/{theft.pk}").json()["latitude"] == 42.3456789


def test_the_api_gives_staff_a_null_point_for_domestic_violence() -> None:
    unit = MunicipalityFactory.create()
    assault = IncidentFactory.create(
        unit=unit, iccs_id="0201", relationship="family", latitude=42.3456789, longitude=78.2
    )
    body = client_of(Role.LCPC_COORDINATOR, unit).get(f"/api/v1/incidents/{assault.pk}").json()
    assert (body["latitude"], body["longitude"]) == (None, None)
    police = client_of(Role.POLICE_OFFICER, unit).get(f"/api/v1/incidents/{assault.pk}").json()
    assert police["latitude"] == 42.3456789


def test_the_admin_shows_no_point_of_a_sensitive_incident() -> None:
    incident = sensitive_incident()
    admin = Client()
    admin.force_login(UserFactory.create(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True))
    response = admin.get(f"/admin/incidents/incident/{incident.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "0301" in page  # the record is there, its point and narrative are not
    assert str(SENTINELS["latitude"]) not in page and str(SENTINELS["longitude"]) not in page
    assert str(SENTINELS["narrative"]) not in page
    admin.raise_request_exception = False
    response = admin.get("/admin/incidents/incident/?latitude__gt=42")
    assert response.status_code == 400  # a filter on the point would tell it row by row


def test_the_audit_log_keeps_a_fingerprint_of_the_point_of_a_sensitive_incident() -> None:
    unit = MunicipalityFactory.create()
    police = UserFactory.create(role=Role.POLICE_OFFICER, unit=unit)
    assault = incident_create(
        actor=police,
        data=incident_payload(unit=unit, iccs_id="0301", latitude=42.3456789, longitude=78.2345678),
    )
    created = AuditEntry.objects.filter(object_id=str(assault.pk)).latest("pk")
    assert created.changes["latitude"][1].startswith("restricted:")
    assert "42.3456789" not in str(created.changes)
    theft = incident_create(
        actor=police,
        data=incident_payload(unit=unit, iccs_id="0502", latitude=42.3456789, longitude=78.2),
    )
    plain = AuditEntry.objects.filter(object_id=str(theft.pk)).latest("pk")
    assert plain.changes["latitude"][1] == 42.3456789
    # Reclassified as a sexual assault: the point it had is fingerprinted on both sides.
    incident_update(
        actor=police, incident=Incident.objects.get(pk=theft.pk), data={"iccs_id": "0301"}
    )
    update = AuditEntry.objects.filter(object_id=str(theft.pk)).latest("pk")
    assert "42.3456789" not in str(update.changes)
    assert "latitude" not in update.changes  # the point itself did not change
