"""Every public address of earlier releases still answers after the module layout (issue 7):
pages, API paths and URL names that bookmarks, scripts and other agencies' systems use."""

from __future__ import annotations

import pytest
from django.urls import Resolver404, resolve

from config.api import api

# The pages of release 0.1 (issue 3), with an id or code where the address takes one.
PAGES = [
    "/",
    "/login/",
    "/logout/",
    "/audit/",
    "/units/",
    "/units/41702210830000/",
    "/organisations/",
    "/organisations/new/",
    "/organisations/1/",
    "/organisations/1/edit/",
    "/working-groups/",
    "/working-groups/new/",
    "/working-groups/1/",
    "/working-groups/1/edit/",
    "/working-groups/1/members/new/",
    "/working-groups/1/members/2/edit/",
    "/incidents/",
    "/incidents/new/",
    "/incidents/1/",
    "/incidents/1/edit/",
    "/incidents/import/",
    "/incidents/import/template.csv",
    "/incidents/import/1/",
    "/incidents/import/1/rejects.csv",
    "/analysis/crime/",
    "/analysis/evaluation/",
    "/analysis/hotspots/",
    "/analysis/near-repeat/",
    "/healthz",
]

# The API operations of release 0.1 as (method, path in the OpenAPI document).
OPERATIONS = [
    ("get", "/api/v1/me"),
    ("post", "/api/v1/auth/token"),
    ("get", "/api/v1/units"),
    ("get", "/api/v1/units/{code}"),
    ("get", "/api/v1/units/{code}/children"),
    ("get", "/api/v1/organisations"),
    ("post", "/api/v1/organisations"),
    ("get", "/api/v1/organisations/{organisation_id}"),
    ("patch", "/api/v1/organisations/{organisation_id}"),
    ("get", "/api/v1/working-groups"),
    ("post", "/api/v1/working-groups"),
    ("get", "/api/v1/working-groups/{group_id}"),
    ("patch", "/api/v1/working-groups/{group_id}"),
    ("get", "/api/v1/working-groups/{group_id}/members"),
    ("post", "/api/v1/working-groups/{group_id}/members"),
    ("patch", "/api/v1/working-groups/{group_id}/members/{membership_id}"),
    ("get", "/api/v1/incidents"),
    ("post", "/api/v1/incidents"),
    ("get", "/api/v1/incidents/{incident_id}"),
    ("patch", "/api/v1/incidents/{incident_id}"),
    ("get", "/api/v1/incidents/stats"),
    ("post", "/api/v1/incidents/import"),
    ("get", "/api/v1/imports/{job_id}"),
    ("get", "/api/v1/imports/{job_id}/rejects"),
    ("get", "/api/v1/analytics/hotspots"),
    ("get", "/api/v1/analytics/near-repeat"),
    ("get", "/api/v1/analytics/evaluation"),
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_address_of_the_last_release_still_resolves(path: str) -> None:
    try:
        resolve(path)
    except Resolver404:
        pytest.fail(f"{path} no longer resolves")


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_api_operation_of_the_last_release_is_still_in_the_openapi_document(
    method: str, path: str
) -> None:
    paths = api.get_openapi_schema()["paths"]
    assert method in paths.get(path, {}), f"{method.upper()} {path} is gone"


@pytest.mark.parametrize(
    "path", ["/api/v1/incidents", "/api/v1/incidents/stats", "/api/v1/incidents/7"]
)
def test_fixed_incident_paths_do_not_depend_on_the_order_of_mounting(path: str) -> None:
    match = resolve(path)
    expected = {"/api/v1/incidents/7": "7"}.get(path)
    assert match.kwargs.get("incident_id") == (int(expected) if expected else None)
