"""A module plugs in through its declaration alone: navigation, dashboard and demo read the
registry (kenesh.core.modules), so nothing in core or the portal names the module."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings

from kenesh.core.modules import modules, unregister
from kenesh.portal.demo import demo_load

pytestmark = pytest.mark.django_db

EXAMPLE = "kenesh.portal.tests.example_module.module"
TEMPLATES = Path(__file__).parent / "example_module" / "templates"

ClientAs = Callable[[str], Client]


@pytest.fixture
def example_module() -> Iterator[None]:
    engine: dict[str, Any] = dict(settings.TEMPLATES[0])
    engine["DIRS"] = [*engine["DIRS"], TEMPLATES]
    templates = [engine]
    with override_settings(TEMPLATES=templates):
        importlib.reload(importlib.import_module(EXAMPLE))
        try:
            yield
        finally:
            unregister("example")


def test_the_installed_apps_are_registered_in_their_order() -> None:
    assert [module.label for module in modules()] == [
        "accounts",
        "geo",
        "orgs",
        "incidents",
        "consultations",
    ]


def test_an_example_module_appears_in_the_navigation_and_on_the_dashboard(
    example_module: None, client_as: ClientAs
) -> None:
    html = client_as("lcpc.jetioguz").get("/").content.decode()
    assert "Example plans" in html
    assert "Examples" in html and "Example report" in html  # a dropdown of its own
    assert 'data-testid="panel-example"' in html
    assert "Example panel over 1 municipalities" in html


def test_a_role_without_the_modules_resource_sees_neither_link_nor_panel(
    example_module: None, client_as: ClientAs
) -> None:
    # The example declares funding, which the role table gives livestock registrars nothing of.
    html = client_as("registrar.jetioguz").get("/").content.decode()
    assert "Example plans" not in html and "panel-example" not in html


def test_an_unregistered_module_leaves_no_trace(example_module: None, client_as: ClientAs) -> None:
    unregister("example")
    html = client_as("lcpc.jetioguz").get("/").content.decode()
    assert "Example plans" not in html and "panel-example" not in html


def test_the_demo_runs_the_example_modules_loader(example_module: None) -> None:
    from kenesh.portal.tests.example_module import module as example

    summary = demo_load()
    assert "7 examples" in summary.modules
    assert example.LOADED == ["example"]
