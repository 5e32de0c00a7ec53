"""The API describes itself: OpenAPI 3 at /api/v1/openapi.json and docs served from our host."""

from __future__ import annotations

import re

import pytest
from django.test import Client

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
