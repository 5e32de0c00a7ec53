"""Test data for the incident register: incidents in the demo's Jeti-Oguz unless told otherwise."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import factory

from kenesh.accounts.tests.factories import UserFactory
from kenesh.core.models import ImportJob
from kenesh.core.permissions import Role
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


class IncidentImportJobFactory(factory.django.DjangoModelFactory[ImportJob]):
    """An incident import job as the upload leaves it (queued, the file kept), by ``created_by``.

    The job's unit is the uploader's area at upload, where the model records one.
    """

    class Meta:
        model = ImportJob
        skip_postgeneration_save = True

    kind = "incidents"
    created_by = factory.SubFactory(UserFactory, role=Role.POLICE_OFFICER)
    filename = "incidents.csv"
    content = b"unit,iccs,occurred_on\n"
    sha256 = factory.LazyAttribute(lambda job: hashlib.sha256(job.content).hexdigest())

    @factory.post_generation
    def unit(job: ImportJob, create: bool, extracted: Any, **kwargs: Any) -> None:
        if extracted is None and job.created_by is not None:
            assignment = job.created_by.role_assignments.first()
            extracted = assignment.unit if assignment is not None else None
        unit = extracted
        if create and unit is not None and hasattr(job, "unit_path"):
            ImportJob.objects.filter(pk=job.pk).update(unit_path=unit.path)
            job.unit_path = unit.path
