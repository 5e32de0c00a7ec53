"""``Cache-Control: no-store`` on every answer to a signed-in user or a token holder (pages, API
answers, export downloads); anonymous answers and static files keep their own caching."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.utils.cache import patch_cache_control

from kenesh.accounts.models import User
from kenesh.accounts.services import token_create
from kenesh.core.middleware import NoStoreWhenSignedIn
from kenesh.incidents.tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def directives(response: object) -> set[str]:
    value = getattr(response, "headers", {}).get("Cache-Control", "")
    return {part.strip() for part in value.split(",") if part.strip()}


def bearer_client(username: str) -> Client:
    user = User.objects.get(username=username)
    _token, raw = token_create(actor=user, user=user, name="cache test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.mark.parametrize("address", ["/", "/incidents/", "/incidents/new/"])
def test_a_signed_in_page_is_not_stored(client_as: Callable[[str], Client], address: str) -> None:
    response = client_as("police.jetioguz").get(address)

    assert response.status_code == 200
    assert {"no-store", "private"} <= directives(response)


def test_an_incident_with_restricted_fields_is_not_stored(
    client_as: Callable[[str], Client],
) -> None:
    incident = IncidentFactory.create(reporter_contact="+996 555 000 111")

    page = client_as("police.jetioguz").get(f"/incidents/{incident.pk}/")

    assert "+996 555 000 111" in page.content.decode()
    assert "no-store" in directives(page)


def test_an_api_answer_to_a_bearer_token_is_not_stored() -> None:
    incident = IncidentFactory.create()

    response = bearer_client("police.jetioguz").get(f"/api/v1/incidents/{incident.pk}")

    assert response.status_code == 200
    assert {"no-store", "private"} <= directives(response)


def test_an_api_answer_to_a_session_is_not_stored(client_as: Callable[[str], Client]) -> None:
    response = client_as("police.jetioguz").get("/api/v1/incidents")

    assert response.status_code == 200
    assert "no-store" in directives(response)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_download_is_not_stored(fmt: str) -> None:
    IncidentFactory.create()

    response = bearer_client("police.jetioguz").get(f"/api/v1/incidents/export/{fmt}")

    response.close()  # as the server does once sent: the XLSX's temporary file goes with it

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert {"no-store", "private"} <= directives(response)


def test_a_refused_token_gets_no_store_too() -> None:
    response = Client(HTTP_AUTHORIZATION="Bearer not-a-token").get("/api/v1/incidents")

    assert response.status_code == 401
    assert "no-store" in directives(response)


def test_an_anonymous_answer_keeps_its_own_caching_and_does_not_vary_on_the_cookie(
    client: Client,
) -> None:
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert "no-store" not in directives(response)
    assert "Cookie" not in response.headers.get("Vary", "")


def test_public_caching_chosen_by_a_view_is_kept_for_anonymous_and_replaced_when_signed_in(
    client_as: Callable[[str], Client],
) -> None:
    def public_view(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("public")
        patch_cache_control(response, public=True, max_age=3600)
        return response

    middleware = NoStoreWhenSignedIn(public_view)
    anonymous = Client().get("/healthz").wsgi_request
    signed_in = client_as("police.jetioguz").get("/").wsgi_request

    assert directives(middleware(anonymous)) == {"public", "max-age=3600"}
    assert {"no-store", "private"} <= directives(middleware(signed_in))
    assert "public" not in directives(middleware(signed_in))


def test_a_static_file_keeps_its_caching_for_a_signed_in_user(
    client_as: Callable[[str], Client],
) -> None:
    with override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True):
        client = client_as("police.jetioguz")
        response = client.get("/static/kenesh/kenesh.css")
    response.close()  # WhiteNoise streams the file

    assert response.status_code == 200
    assert "no-store" not in directives(response)
