"""In a real browser: the crime page at 360 px and 1366 px, in Kyrgyz and Russian (issue 9,
item 9).

No horizontal scroll of the page; every chart text at least 11 px as rendered (an SVG scales its
text with its viewBox: 13 units in a 480-wide chart drawn 300 px wide were 8 px); the monthly
chart as small multiples across the full width; the per-year table not cut at 1366 px (on a
phone it scrolls inside its own box); links at least 24 px tall. Screenshots go to
var/screenshots/crime-<role>-<device>-<language>.png.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_dashboards import log_in

pytestmark = pytest.mark.browser

URL = "/analysis/crime/"

CHART_TEXT_SIZES = """
() => [...document.querySelectorAll('svg.kenesh-chart text')]
  .filter((el) => el.getClientRects().length && el.textContent.trim())
  .map((el) => el.getBoundingClientRect().height)
"""

SMALL_CHART_TEXT = """
() => [...document.querySelectorAll('svg.kenesh-chart')].map((svg) => {
  const box = svg.getBoundingClientRect();
  const scale = box.width / svg.viewBox.baseVal.width;
  return parseFloat(svg.getAttribute('font-size')) * scale;
}).filter((px) => px < 11)
"""

TABLES_CUT = """
(selector) => [...document.querySelectorAll(selector)]
  .filter((el) => el.scrollWidth > el.clientWidth + 1)
  .map((el) => el.querySelector('table').dataset.testid)
"""

SHORT_LINKS = """
() => [...document.querySelectorAll('main a')]
  .filter((el) => el.getClientRects().length)
  .filter((el) => el.getBoundingClientRect().height < 24)
  .map((el) => el.textContent.trim())
"""


def assert_readable(page: Any, device: str) -> None:
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(SMALL_CHART_TEXT) == []
    # Rendered glyph boxes: a line of 11 px text is at least about 11 px tall.
    sizes = page.evaluate(CHART_TEXT_SIZES)
    assert sizes and min(sizes) >= 11
    assert page.evaluate(SHORT_LINKS) == []
    if device == "desktop":
        assert page.evaluate(TABLES_CUT, "main .table-responsive") == []


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_municipality_page_reads_at_every_width(open_page: Any, device: str) -> None:
    for language in ("ky", "ru"):
        page = open_page(device)
        log_in(page, "lcpc.jetioguz", language)
        page.goto(f"{page.base_url}{URL}")
        panels = page.locator("[data-testid=trend-panel]")
        assert panels.count() >= 2
        # Small multiples across the full width: on a desktop several panels side by side.
        first, second = panels.nth(0).bounding_box(), panels.nth(1).bounding_box()
        assert first is not None and second is not None
        if device == "desktop":
            assert abs(first["y"] - second["y"]) < 2 and second["x"] > first["x"]
        main = page.locator("main").bounding_box()
        assert main is not None
        row = page.locator("[data-testid=trend-panels]").bounding_box()
        assert row is not None and row["width"] >= main["width"] - 48
        # The comparison with the rayon and the programme is filled (the public level).
        assert page.locator("[data-testid=comparison-table] tr[data-area=rayon]").count() == 1
        screenshot(page, f"crime-lcpc-{device}-{language}")
        assert_readable(page, device)
        page.traffic.assert_clean(page)


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_coordinators_programme_page_reads_at_every_width(open_page: Any, device: str) -> None:
    for language in ("ky", "ru"):
        page = open_page(device)
        log_in(page, "coordinator", language)
        page.goto(f"{page.base_url}{URL}")
        assert page.locator("[data-testid=members-table] tbody tr").count() >= 2
        screenshot(page, f"crime-coordinator-{device}-{language}")
        assert_readable(page, device)
        page.traffic.assert_clean(page)
