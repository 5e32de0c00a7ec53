"""Shared test fixtures: the demo programme loaded once per test database, clients per user."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Hashing speed is not under test here (test_settings checks argon2 is the default).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The demo's story as designed (2023–2025, nothing after), whatever day the tests run.
    settings.KENESH_DEMO_DATE = "2025-12-31"
    # Production's manifest storage needs `collectstatic` before a page can render; tests use
    # the plain storage (the live server serves the files through the staticfiles finders).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> None:
    """Every test database starts with the demo programme; each test rolls back its changes."""
    from kenesh.portal.demo import demo_load

    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        demo_load()


@pytest.fixture
def client_as(db: None) -> Callable[[str], Client]:
    """A logged-in client for a demo username (``client_as("lcpc.jetioguz")``)."""
    from kenesh.accounts.models import User

    def make(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    return make
