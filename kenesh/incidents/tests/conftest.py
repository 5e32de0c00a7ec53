"""Fixtures of the incident register tests: incidents of a year no demo data reaches."""

from __future__ import annotations

import datetime as dt

import pytest

from kenesh.incidents.models import Incident
from kenesh.incidents.tests.factories import IncidentFactory

# Demo incidents cover recent years; tests that count put theirs in 2003 and filter on it.
TEST_YEAR = {"from": "2003-01-01", "to": "2003-12-31"}


@pytest.fixture
def jeti_oguz_incident(db: None) -> Incident:
    """A livestock theft in Jeti-Oguz, with the restricted fields filled in."""
    incident: Incident = IncidentFactory(
        occurred_on=dt.date(2003, 6, 15),
        narrative="Three sheep taken from the summer pasture at night.",
        reporter_name="Asel Toktosunova",
        reporter_contact="+996 555 123 456",
        external_ref="TEST-2003-1",
    )
    return incident
