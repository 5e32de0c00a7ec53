"""The API describes itself: OpenAPI 3 at /api/v1/openapi.json and docs served from our host."""

from __future__ import annotations

import enum
import re
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from pydantic import BaseModel

from kenesh.core.access import endpoints

pytestmark = pytest.mark.django_db

EXPECTED_PATHS = {
    "/api/v1/me",
    "/api/v1/me/tokens",
    "/api/v1/me/tokens/{prefix}",
    "/api/v1/auth/token",
    "/api/v1/units",
    "/api/v1/units/{code}",
    "/api/v1/units/{code}/children",
    "/api/v1/organisations",
    "/api/v1/organisations/{organisation_id}",
    "/api/v1/programmes",
    "/api/v1/working-groups",
    "/api/v1/working-groups/{group_id}",
    "/api/v1/working-groups/{group_id}/members",
    "/api/v1/working-groups/{group_id}/members/{membership_id}",
    "/api/v1/incidents",
    "/api/v1/incidents/{incident_id}",
    "/api/v1/incidents/stats",
    "/api/v1/incidents/export/{fmt}",
    "/api/v1/incidents/import",
    "/api/v1/imports",
    "/api/v1/imports/{job_id}",
    "/api/v1/imports/{job_id}/rejects",
    "/api/v1/imports/{job_id}/report",
    "/api/v1/analytics/hotspots",
    "/api/v1/analytics/near-repeat",
    "/api/v1/analytics/evaluation",
    "/api/v1/basemap",
    "/api/v1/surveys",
    "/api/v1/surveys/import-xlsform",
    "/api/v1/surveys/{survey_id}",
    "/api/v1/surveys/{survey_id}/questions",
    "/api/v1/surveys/{survey_id}/responses",
    "/api/v1/surveys/{survey_id}/results",
    "/api/v1/surveys/{survey_id}/xlsform",
    "/api/v1/meetings",
    "/api/v1/meetings/{meeting_id}",
    "/api/v1/meetings/{meeting_id}/attachments/{attachment_id}",
    "/api/v1/concerns",
    "/api/v1/concerns/{concern_id}",
    "/api/v1/concerns/export/{fmt}",
    "/api/v1/public/concerns",
    "/api/v1/public/concerns/{reference}",
    "/api/v1/intake/sms",
    "/api/v1/intake/telegram",
    "/api/v1/priorities",
    "/api/v1/priorities/adopt",
}


def test_the_openapi_document_lists_every_endpoint_and_both_ways_to_authenticate(
    client: Client,
) -> None:
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == EXPECTED_PATHS
    schemes = document["components"]["securitySchemes"]
    assert {scheme["type"] for scheme in schemes.values()} >= {"http", "apiKey"}


def test_the_interactive_docs_load_nothing_from_other_hosts(client: Client) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, "the docs page should reference its scripts and styles"
    assert all(source.startswith("/") for source in sources), sources
    assert "<script>" not in html  # CSP allows no inline script


def _named_types(annotation: Any) -> Iterator[type]:
    """The schema classes and enumerations an annotation names, nested ones included."""
    if isinstance(annotation, type) and issubclass(annotation, (BaseModel, enum.Enum)):
        # ninja's own wrappers (the response, path and query models it builds per operation)
        # are made on the fly and never named in the document.
        if annotation.__module__ != "abc":
            yield annotation
        if issubclass(annotation, BaseModel):
            for field in annotation.model_fields.values():
                yield from _named_types(field.annotation)
        return
    for argument in typing.get_args(annotation):
        yield from _named_types(argument)


def test_no_two_schemas_or_enumerations_of_the_api_share_a_name() -> None:
    """The OpenAPI document keys its components by class name: two classes of one name (a
    respondent's sex and a person's) would silently become one, and answers would break the
    schema the document gives."""
    found: dict[str, set[type]] = {}
    for endpoint in endpoints():
        operation = endpoint.operation
        if operation is None:
            continue
        annotations = [*operation.response_models.values(), *getattr(operation, "models", [])]
        for annotation in annotations:
            for named in _named_types(annotation):
                found.setdefault(named.__name__, set()).add(named)
    shared = {name: classes for name, classes in found.items() if len(classes) > 1}
    assert not shared, {name: sorted(c.__module__ for c in cs) for name, cs in shared.items()}
