"""In a real browser: the hot spot map draws its cells with Leaflet on a plain background,
from the project's own static files and API, with no tile server, nothing fetched from outside
and no Content-Security-Policy violation.

Set ``KENESH_SCREENSHOT_HOTSPOTS=docs/hotspots.png`` to save the map page (desktop).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import numpy as np
import pytest

from kenesh.incidents.tests.factories import IncidentFactory
from kenesh.portal.demo import DEMO_PASSWORD, JETI_OGUZ

pytestmark = pytest.mark.browser

# A year before the demo's incidents, so the map holds exactly these.
YEAR = 2019


def log_in(page: Any, username: str) -> None:
    page.goto(f"{page.base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def make_incidents() -> int:
    """A cluster of thefts near Jeti-Oguz and a few scattered ones; returns how many."""
    rng = np.random.default_rng(5)
    cluster = rng.normal(0.0, 0.002, (25, 2)) + np.array([42.33, 78.22])
    scattered = rng.uniform(-0.03, 0.03, (10, 2)) + np.array([42.33, 78.22])
    for lat, lon in np.vstack([cluster, scattered]):
        IncidentFactory(latitude=float(lat), longitude=float(lon), occurred_on=dt.date(YEAR, 7, 1))
    return 35


def hotspot_url(page: Any) -> str:
    return (
        f"{page.base_url}/analysis/hotspots/?unit={JETI_OGUZ}&date_from={YEAR}-01-01"
        f"&date_to={YEAR}-12-31&category=&cell_m=300"
    )


def test_the_hotspot_map_draws_cells_without_tiles_or_foreign_requests(open_page: Any) -> None:
    make_incidents()
    page = open_page("desktop")
    log_in(page, "lcpc.jetioguz")
    page.goto(hotspot_url(page))
    page.wait_for_selector("#hotspot-map.is-drawn")
    cells = int(page.get_attribute("#hotspot-map", "data-cells") or 0)
    assert cells > 0
    units = int(page.get_attribute("#hotspot-map", "data-units") or 0)
    assert page.locator("#hotspot-map path.leaflet-interactive").count() == cells + units
    assert page.locator("#hotspot-map img.leaflet-tile").count() == 0
    # A hot spot cell is drawn in the 99 % colour, and its tooltip tells count and class.
    assert page.locator('#hotspot-map path[fill="#b2182b"]').count() > 0
    page.locator('#hotspot-map path[fill="#b2182b"]').first.hover(force=True)
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for(state="visible")
    assert "%" in tooltip.inner_text()
    api_calls = [url for url in page.traffic.requests if "/api/v1/analytics/hotspots" in url]
    assert len(api_calls) == 1
    screenshot = os.environ.get("KENESH_SCREENSHOT_HOTSPOTS")
    if screenshot:
        page.screenshot(path=screenshot, full_page=True)
    page.traffic.assert_clean(page)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (404, "The map could not be loaded. The table below lists the same cells."),
        (500, "The map could not be loaded. The table below lists the same cells."),
        (401, "Your session has ended: log in again to see the map."),
    ],
)
def test_a_failed_map_request_is_told_in_words_not_as_a_status(
    open_page: Any, status: int, message: str
) -> None:
    make_incidents()
    page = open_page("desktop")
    log_in(page, "lcpc.jetioguz")
    page.route(
        "**/api/v1/analytics/hotspots*",
        lambda route: route.fulfill(status=status, body="Not Found", content_type="text/plain"),
    )
    page.goto(hotspot_url(page))
    page.wait_for_selector("#hotspot-map.is-failed")
    text = page.inner_text("#hotspot-map")
    assert text == message
    assert str(status) not in text and "Error" not in text
    assert page.locator('[data-testid="hotspot-table"] tbody tr').count() > 0
    assert page.traffic.page_errors == [] and page.traffic.csp_messages() == []
    assert page.evaluate("window.__cspViolations") == []


def test_the_failure_message_is_in_the_users_language(open_page: Any) -> None:
    make_incidents()
    page = open_page("desktop", locale="ru-RU")
    log_in(page, "lcpc.jetioguz")
    page.route("**/api/v1/analytics/hotspots*", lambda route: route.abort())
    page.goto(hotspot_url(page))
    page.wait_for_selector("#hotspot-map.is-failed")
    expected = page.get_attribute("#hotspot-map", "data-message-failed")
    assert expected and page.inner_text("#hotspot-map") == expected
    html_lang = page.get_attribute("html", "lang")
    assert html_lang == "ru"
