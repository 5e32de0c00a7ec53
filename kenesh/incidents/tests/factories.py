"""Test data for the incident register: incidents in the demo's Jeti-Oguz unless told otherwise."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory

from kenesh.geo.models import AdministrativeUnit
from kenesh.incidents.models import Incident
from kenesh.portal.demo import JETI_OGUZ


class IncidentFactory(factory.django.DjangoModelFactory[Incident]):
    """An incident saved directly (no audit): for reads. Writes under test go through services."""

    class Meta:
        model = Incident

    unit = factory.LazyFunction(lambda: AdministrativeUnit.objects.get(code=JETI_OGUZ))
    iccs_id = "05025"
    occurred_on = dt.date(2024, 6, 15)
    reported_on = factory.LazyAttribute(lambda incident: incident.occurred_on)
    latitude = 42.337
    longitude = 78.224


def incident_payload(**overrides: Any) -> dict[str, Any]:
    """Valid service data for a new incident in Jeti-Oguz (a livestock theft in June 2024)."""
    data: dict[str, Any] = {
        "unit": AdministrativeUnit.objects.get(code=JETI_OGUZ),
        "iccs_id": "05025",
        "occurred_on": dt.date(2024, 6, 15),
        "reported_on": dt.date(2024, 6, 16),
        "latitude": 42.337,
        "longitude": 78.224,
    }
    data.update(overrides)
    return data
