"""A write that finds SQLite's writer held past the busy timeout (a large import is writing)
answers 503 "try again" with Retry-After, on pages and in the API's JSON shape: not a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError
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


@access(PUBLIC)
def busy_view(request: HttpRequest) -> HttpResponse:
    raise OperationalError("database is locked")


@access(PUBLIC)
def broken_view(request: HttpRequest) -> HttpResponse:
    raise OperationalError("no such table: nowhere")


urlpatterns = [
    path("busy-page", busy_view),
    path("broken-page", broken_view),
    *site_urlpatterns,
]


@pytest.mark.urls(__name__)
def test_a_page_whose_write_finds_the_database_busy_says_to_try_again() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="ru").get("/busy-page")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"].startswith("text/html")
    assert "Ничего не потеряно" in response.content.decode()  # in the user's language


@pytest.mark.urls(__name__)
def test_another_database_error_stays_a_server_error() -> None:
    response = Client(raise_request_exception=False).get("/broken-page")

    assert response.status_code == 500


def test_an_api_write_that_finds_the_database_busy_answers_json_503(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    incident = IncidentFactory.create()

    def busy(**kwargs: Any) -> Incident:
        raise OperationalError("database is locked")

    monkeypatch.setattr(selectors, "incident_get", busy)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(username="police.jetioguz"))

    response = client.get(f"/api/v1/incidents/{incident.pk}")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.json()
    assert set(body) == {"detail", "errors"} and "try again" in body["detail"]
