"""Every error of the API answers in its one shape, ``{"detail": ..., "errors": [...]}``:
the operations' own (401, 403, 404, 409, 413, 422, 500) and those made around them (django-ninja's
405, Django's 404 and 500 pages). Pages keep their HTML error pages."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from kenesh.accounts.models import User
from kenesh.core.access import PUBLIC, access
from kenesh.incidents import selectors
from kenesh.incidents.models import Incident
from kenesh.incidents.tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

INCIDENTS = "/api/v1/incidents"


def assert_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"detail", "errors"}
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["errors"], list)
    return body


def signed_in(username: str, **options: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", **options)
    client.force_login(User.objects.get(username=username))
    return client


def test_an_anonymous_request_gets_401(client: Client) -> None:
    assert_error(client.get(INCIDENTS), 401)


def test_a_role_without_the_permission_gets_403() -> None:
    incident = IncidentFactory.create()

    response = signed_in("lcpc.jetioguz").patch(
        f"{INCIDENTS}/{incident.pk}", data="{}", content_type="application/json"
    )

    assert_error(response, 403)


def test_a_session_write_without_the_csrf_token_gets_403() -> None:
    client = signed_in("police.jetioguz", enforce_csrf_checks=True)

    assert_error(client.post(INCIDENTS, data="{}", content_type="application/json"), 403)


@pytest.mark.parametrize(
    "address", ["/api/v1/nothing-here", "/api/v1/incidents/999999999", "/api/v2/incidents"]
)
def test_an_unknown_address_gets_404(address: str) -> None:
    assert_error(signed_in("police.jetioguz").get(address), 404)


@pytest.mark.parametrize("method", ["delete", "put", "options"])
def test_a_method_the_address_does_not_take_gets_405_with_the_allowed_ones(method: str) -> None:
    client = signed_in("police.jetioguz")

    response = client.generic(method.upper(), INCIDENTS)

    body = assert_error(response, 405)
    assert body["detail"] == "This method is not allowed at this address."
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_an_invalid_body_gets_422_naming_the_field() -> None:
    response = signed_in("police.jetioguz").post(
        INCIDENTS, data=json.dumps({"unit": "x"}), content_type="application/json"
    )

    assert "unit" in {error["loc"][-1] for error in assert_error(response, 422)["errors"]}


def test_a_json_body_over_djangos_memory_limit_gets_413() -> None:
    # Under the upload limit, over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) for non-file data.
    body = json.dumps({"narrative": "x" * (3 * 1024 * 1024)})

    response = signed_in("police.jetioguz").post(
        INCIDENTS, data=body, content_type="application/json"
    )

    assert_error(response, 413)


# 500: an exception nothing expected


def test_an_exception_in_an_operation_gets_a_json_500_and_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    incident = IncidentFactory.create()

    def broken(**kwargs: Any) -> Incident:
        raise RuntimeError("the selector broke")

    monkeypatch.setattr(selectors, "incident_get", broken)
    client = signed_in("police.jetioguz", raise_request_exception=False)

    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get(f"{INCIDENTS}/{incident.pk}")

    body = assert_error(response, 500)
    assert body["errors"] == []
    assert "the selector broke" not in response.content.decode()
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None and "the selector broke" in str(record.exc_info[1])


def test_the_test_client_still_sees_the_exception_of_an_operation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # got_request_exception is sent, as Django sends it: error reporters (and the test client)
    # hear of the exception although the API answered it.
    incident = IncidentFactory.create()

    def broken(**kwargs: Any) -> Incident:
        raise RuntimeError("the selector broke")

    monkeypatch.setattr(selectors, "incident_get", broken)

    with pytest.raises(RuntimeError, match="the selector broke"):
        signed_in("police.jetioguz").get(f"{INCIDENTS}/{incident.pk}")


@access(PUBLIC)
def failing_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("outside the API's handlers")


# The site's addresses plus two that fail outside django-ninja: under /api/ and a page.
urlpatterns = [
    path("api/v1/failing", failing_view),
    path("failing-page", failing_view),
    *site_urlpatterns,
]


@pytest.mark.urls(__name__)
def test_an_exception_outside_the_operations_under_api_gets_a_json_500() -> None:
    response = Client(raise_request_exception=False).get("/api/v1/failing")

    assert_error(response, 500)


@pytest.mark.urls(__name__)
def test_a_page_keeps_its_html_500() -> None:
    response = Client(raise_request_exception=False).get("/failing-page")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_a_page_keeps_its_html_404(client_as: Callable[[str], Client]) -> None:
    response = client_as("police.jetioguz").get("/incidents/999999999/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_the_api_documents_stay_html_and_json_as_they_are(client: Client) -> None:
    assert client.get("/api/v1/docs").status_code == 200
    assert client.get("/api/v1/openapi.json")["Content-Type"].startswith("application/json")
