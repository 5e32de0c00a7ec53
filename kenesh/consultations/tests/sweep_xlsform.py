"""The permission sweep's samples for the XLSForm feature (kenesh/portal/tests/sweeping.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from kenesh.accounts.tests.factories import UserFactory
from kenesh.consultations.models import Survey
from kenesh.consultations.tests.factories import QuestionFactory, SurveyFactory
from kenesh.core.imports import import_job_create
from kenesh.core.models import ImportJob
from kenesh.core.permissions import Resource, Role
from kenesh.portal.tests.sweeping import Place, Sample


def xlsform_survey(place: Place) -> Survey:
    def make() -> Survey:
        survey: Survey = SurveyFactory.create(unit=place.a, series="sweep")
        QuestionFactory.create(survey=survey, code="comment", kind="text")
        return survey

    made: Survey = place.once("xlsform_survey", make)
    return made


def responses_job(place: Place) -> ImportJob:
    """A response import into A's survey by a coordinator of A (someone else's job)."""

    def make() -> ImportJob:
        owner = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=place.a)
        job = import_job_create(
            actor=owner,
            kind="survey-responses",
            filename="kobo.csv",
            content=b"_uuid,comment\nx,y\n",
            unit_path=place.a.path,
            target=xlsform_survey(place).pk,
        )
        ImportJob.objects.filter(pk=job.pk).update(
            status="rejected", rejects=b"x", report=b"x", rejected_count=1
        )
        return job

    made: ImportJob = place.once("responses_job", make)
    return made


def _survey(place: Place) -> dict[str, Any]:
    return {"pk": xlsform_survey(place).pk}


def _job(place: Place) -> dict[str, Any]:
    return {"job_id": responses_job(place).pk}


SAMPLES = {
    "consultations:xlsform:export": Sample(_survey),
    "consultations:xlsform:responses_import": Sample(_survey),
    "consultations:xlsform:responses_template": Sample(
        lambda p: {"pk": xlsform_survey(p).pk, "fmt": "csv"}
    ),
    "consultations:xlsform:responses:job": Sample(_job),
    "consultations:xlsform:responses:rejects": Sample(_job),
    "consultations:xlsform:responses:report": Sample(_job),
    # The unit travels in the body: outside the user's area it is a 422, as for every create.
    "api:survey_import_xlsform": Sample(names_object=False, resource=Resource.SURVEYS),
    "api:survey_export_xlsform": Sample(lambda p: {"survey_id": xlsform_survey(p).pk}),
}

MULTIPART: dict[str, Callable[[Place], dict[str, Any]]] = {
    "api:survey_import_xlsform": lambda p: {
        "unit": p.a.code,
        "round": "baseline",
        "file": SimpleUploadedFile("form.xlsx", b"PK\x03\x04 not a workbook"),
    },
}
