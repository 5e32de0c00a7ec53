"""The account menu of every signed-in page: the API tokens, the API documentation, and for
administrators the administration; and the API documentation itself, readable on a phone."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
DOCS = "/api/v1/docs"


def test_the_api_documentation_is_linked_from_every_signed_in_page(client_as: ClientAs) -> None:
    assert reverse("api:openapi-view") == DOCS
    for username in ("lcpc.jetioguz", "police.jetioguz", "coordinator", "admin"):
        for path in ("/", "/working-groups/", "/account/tokens/"):
            page = client_as(username).get(path).content.decode()
            assert f'href="{DOCS}" data-testid="api-docs-link"' in page, (username, path)


def test_the_login_page_does_not_link_the_api_documentation() -> None:
    page = Client().get("/login/").content.decode()
    assert DOCS not in page


def test_only_administrators_find_the_administration_in_the_account_menu(
    client_as: ClientAs,
) -> None:
    admin_link = 'href="/admin/" data-testid="admin-link"'
    assert admin_link in client_as("admin").get("/").content.decode()
    for username in ("lcpc.jetioguz", "coordinator", "police.jetioguz"):
        assert "/admin/" not in client_as(username).get("/").content.decode(), username


@pytest.mark.parametrize("language", ["ky", "ru", "en"])
def test_the_api_documentation_has_a_phone_viewport_its_language_and_a_way_back(
    language: str,
) -> None:
    response = Client().get(DOCS, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert f'<html lang="{language}">' in page
    assert '<a href="/">← Kenesh</a>' in page
    assert "/static/kenesh/api-docs.css" in page
    # Still django-ninja's explorer, served from the wheel.
    assert "/static/ninja/swagger-ui-bundle.js" in page and 'id="swagger-settings"' in page
