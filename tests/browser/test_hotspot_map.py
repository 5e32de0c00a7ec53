"""In a real browser: the hot spot map draws its cells with Leaflet on a plain background,
from the project's own static files and API, with no tile server, nothing fetched from outside
and no Content-Security-Policy violation.

With orientation: the deployment's basemap (the demo's synthetic layer, labelled so) under the
cells, significant cells at least 16 px on screen at 360 px and 1366 px (a circle where the cell
is smaller), the map of the user's own municipality on first load, nothing off-screen.

Set ``KENESH_SCREENSHOT_HOTSPOTS=docs/hotspots.png`` to save the map page (desktop).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import numpy as np
import pytest

from kenesh.incidents.tests.factories import IncidentFactory
from kenesh.portal.demo import JETI_OGUZ
from tests.browser.conftest import SCREENSHOTS, log_in, screenshot

pytestmark = pytest.mark.browser

# A year before the demo's incidents, so the map holds exactly these.
YEAR = 2019


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
    spots = int(page.get_attribute("#hotspot-map", "data-spots") or 0)
    assert page.locator("#hotspot-map path.leaflet-interactive").count() == cells + units + spots
    assert page.locator("#hotspot-map img.leaflet-tile").count() == 0
    # A hot spot cell is drawn in the 99 % colour, and tapping it tells count, class and meaning.
    assert page.locator('#hotspot-map path[fill="#b2182b"]').count() > 0
    page.locator('#hotspot-map path[fill="#b2182b"]').first.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    assert "%" in popup.inner_text() and "incident" in popup.inner_text()
    api_calls = [url for url in page.traffic.requests if "/api/v1/analytics/hotspots" in url]
    assert len(api_calls) == 1
    basemap_calls = [url for url in page.traffic.requests if "/api/v1/basemap" in url]
    assert len(basemap_calls) == 1
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


MIN_TAP_PX = 16


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_first_visit_maps_the_users_municipality_with_the_synthetic_basemap(
    open_page: Any, device: str
) -> None:
    page = open_page(device)
    log_in(page, "lcpc.jetioguz")
    page.goto(f"{page.base_url}/analysis/hotspots/")  # no "Show": the page opens on the map
    page.wait_for_selector("#hotspot-map.is-drawn")
    page.wait_for_selector("#hotspot-map.basemap-drawn")
    # The basemap: settlement names and roads, labelled synthetic in the map itself.
    assert int(page.get_attribute("#hotspot-map", "data-basemap-features") or 0) > 5
    labels = page.locator("#hotspot-map .basemap-label")
    assert labels.count() >= 3
    assert "Jeti-Oguz" in labels.all_inner_texts()  # name:en, the browser asks for English
    badge = page.locator('[data-testid="basemap-synthetic"]')
    assert badge.is_visible() and "Synthetic" in badge.inner_text()
    badge_box, map_box = badge.bounding_box(), page.locator("#hotspot-map").bounding_box()
    assert badge_box and map_box
    assert badge_box["x"] >= map_box["x"] and (
        badge_box["x"] + badge_box["width"] <= map_box["x"] + map_box["width"]
    )
    # Every hot or cold spot area offers a target of at least 16 px: its cells or a circle.
    cell_px = float(page.get_attribute("#hotspot-map", "data-cell-px") or 0)
    spots = page.locator("#hotspot-map path.hotspot-spot")
    if cell_px < MIN_TAP_PX:
        assert spots.count() > 0
        for index in range(min(spots.count(), 20)):
            box = spots.nth(index).bounding_box()
            assert box and box["width"] >= MIN_TAP_PX and box["height"] >= MIN_TAP_PX
    else:
        assert spots.count() == 0
    # The whole municipality is in view: its outline fits the map.
    outline = page.locator('#hotspot-map path[stroke="#343a40"]').first.bounding_box()
    assert outline and outline["width"] <= map_box["width"] + 1
    assert outline["height"] <= map_box["height"] + 1
    # The table names its cells by the nearest settlement.
    assert page.locator('[data-testid="cell-place"]').count() > 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"hotspot-map-{device}")
    page.locator("#hotspot-map").screenshot(path=str(SCREENSHOTS / f"hotspot-map-{device}-map.png"))
    page.traffic.assert_clean(page)


def test_tapping_a_hot_spot_on_a_phone_tells_its_incidents_in_words_within_the_screen(
    open_page: Any,
) -> None:
    page = open_page("phone")
    log_in(page, "lcpc.jetioguz")
    page.goto(f"{page.base_url}/analysis/hotspots/")
    page.wait_for_selector("#hotspot-map.is-drawn")
    target = page.locator('#hotspot-map path.hotspot-spot[fill="#b2182b"]')
    if target.count() == 0:
        target = page.locator('#hotspot-map path[fill="#b2182b"]')
    target.first.scroll_into_view_if_needed()
    target.first.tap(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    text = popup.inner_text()
    assert "incidents" in text or "incident" in text
    assert "hot spot" in text or "among hot spot cells" in text
    assert "chance" in text  # what the class means
    page.wait_for_timeout(400)  # the map pans the popup into view (Leaflet's autoPan animation)
    box = page.locator(".leaflet-popup").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360
    screenshot(page, "hotspot-popup-phone")
    page.locator("#hotspot-map").screenshot(path=str(SCREENSHOTS / "hotspot-popup-phone-map.png"))
    page.traffic.assert_clean(page)
