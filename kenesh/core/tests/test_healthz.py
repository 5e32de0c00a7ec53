"""/healthz tells a load balancer whether this node can reach its database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import django, json
django.setup()
from django.test import Client
response = Client().get("/healthz")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


@pytest.mark.django_db
def test_healthz_answers_ok_when_the_database_answers(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_with_the_reason_when_the_database_is_unreachable() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        KENESH_SECRET_KEY="test-only-secret-key-for-the-probe-0123456789",
        KENESH_SSL_REDIRECT="0",
        # Nothing listens on port 9: the connection is refused at once.
        DATABASE_URL="postgres://postgres@127.0.0.1:9/none",
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert answer["body"]["database"] == "unreachable"
    assert answer["body"]["reason"]


def test_unknown_api_addresses_answer_json_not_found(client: Client) -> None:
    response = client.get("/api/v1/no-such-thing/here")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"detail", "errors"}


@pytest.mark.django_db
def test_a_malformed_session_cookie_makes_the_request_anonymous_not_an_error(
    client: Client,
) -> None:
    client.cookies["sessionid"] = "abc\x00def"
    assert client.get("/api/v1/me").status_code == 401
    page = client.get("/")
    assert page.status_code == 302 and page["Location"].startswith("/login/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "address", ["/units/%00/", "/units/?q=%00", "/organisations/?q=a%00", "/audit/?username=%00"]
)
def test_a_nul_character_in_a_page_address_is_a_bad_request(
    client_as: Callable[[str], Client], address: str
) -> None:
    assert client_as("admin").get(address).status_code == 400


@pytest.mark.django_db
def test_a_nul_character_in_an_api_query_is_refused_in_the_api_error_shape(
    client_as: Callable[[str], Client],
) -> None:
    response = client_as("admin").get("/api/v1/organisations?q=%00")
    assert response.status_code == 422
    assert set(response.json()) == {"detail", "errors"}


@pytest.mark.django_db
def test_htmx_fragments_vary_on_the_htmx_header_and_history_restores_get_the_page(
    client_as: Callable[[str], Client],
) -> None:
    client = client_as("lcpc.jetioguz")
    fragment = client.get("/organisations/", HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"]
    restore = client.get(
        "/organisations/", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in restore.content.decode()
