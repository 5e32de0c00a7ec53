"""In a real browser: each role's first screen at 360 px and 1366 px, in Kyrgyz and Russian.

No horizontal scroll; card titles, figure labels and table headers wrap between words, never
inside one (Bootstrap's cards broke "Муниципалитеттер" into "Муниципалитет/тер"); the police's
register button at the top of a phone's first screen and at least 44 px tall. Screenshots go to
var/screenshots/dashboard-<role>-<device>-<language>.png.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from kenesh.geo.models import AdministrativeUnit
from kenesh.portal.demo import DEMO_PASSWORD, JETI_OGUZ
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

VIEWPORT_HEIGHT = {"phone": 740, "desktop": 768}
#: What must wrap between words only.
TITLES = (
    ".dashboard h1, .dashboard h2, .dashboard h3, .dashboard .card-title, "
    ".dashboard .figure-label, .dashboard th"
)

# For each element, whether a line ends inside a word: two letters of one word (no space,
# hyphen, dash or slash between them) laid out on different lines.
MID_WORD_BREAKS = """
(selector) => {
  const broken = [];
  for (const element of document.querySelectorAll(selector)) {
    if (!element.getClientRects().length) continue;
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    let node, previous = null;
    while ((node = walker.nextNode())) {
      const text = node.textContent;
      for (let i = 0; i < text.length; i++) {
        if (/[\\s\\-–—/]/.test(text[i])) { previous = null; continue; }
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getClientRects()[0];
        if (!rect) continue;
        if (previous !== null && rect.top - previous > 2) {
          broken.push(element.textContent.trim().replace(/\\s+/g, " "));
          break;
        }
        previous = rect.top;
      }
    }
  }
  return broken;
}
"""

# Labels wider than their box (a word that neither breaks nor fits runs out of its card).
OVERFLOWING = """
(selector) => [...document.querySelectorAll(selector)]
  .filter((element) => element.getClientRects().length
    && element.scrollWidth > element.clientWidth + 1)
  .map((element) => element.textContent.trim())
"""


def log_in(page: Any, username: str, language: str) -> None:
    page.goto(f"{page.base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    with page.expect_navigation():
        page.click(f"[data-testid=language-{language}]")
    assert page.locator("html").get_attribute("lang") == language


def assert_laid_out(page: Any, device: str) -> None:
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(MID_WORD_BREAKS, TITLES) == []
    assert page.evaluate(OVERFLOWING, ".dashboard .figure-label, .dashboard .card-title") == []
    # Nothing of the dashboard sticks out of the page.
    outside = page.evaluate(
        """() => [...document.querySelectorAll('.dashboard .figure, .dashboard section')]
          .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
          .map((el) => el.className)"""
    )
    assert outside == []
    # The dashboard's tables fit: nothing to scroll sideways inside them either.
    cut = page.evaluate(
        """() => [...document.querySelectorAll('.dashboard .table-responsive')]
          .filter((el) => el.scrollWidth > el.clientWidth + 1)
          .map((el) => el.querySelector('table').dataset.testid || 'table')"""
    )
    assert cut == []


def incidents_today() -> None:
    from kenesh.incidents.tests.factories import IncidentFactory

    unit = AdministrativeUnit.objects.get(code=JETI_OGUZ)
    IncidentFactory.create_batch(3, unit=unit, occurred_on=timezone.localdate())


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_police_first_screen(open_page: Any, device: str) -> None:
    incidents_today()
    for language in ("ky", "ru"):
        page = open_page(device)
        log_in(page, "police.jetioguz", language)
        button = page.locator("[data-testid=register-incident]")
        box = button.bounding_box()
        assert box is not None
        assert box["height"] >= 44
        # On the first screen, above everything else the dashboard shows.
        assert box["y"] + box["height"] <= VIEWPORT_HEIGHT[device]
        today = page.locator("[data-testid=police-today]").bounding_box()
        assert today is not None and box["y"] < today["y"]
        if device == "phone":
            main = page.locator("main").bounding_box()
            assert main is not None
            assert box["width"] >= main["width"] - 40  # full width: one tap with a thumb
        assert page.locator("[data-testid=police-recent] li").count() == 3
        screenshot(page, f"dashboard-police-{device}-{language}")
        assert_laid_out(page, device)
        with page.expect_navigation():
            button.click()
        assert page.url == f"{page.base_url}/incidents/new/"
        page.traffic.assert_clean(page)


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_lcpc_first_screen(open_page: Any, device: str) -> None:
    for language in ("ky", "ru"):
        page = open_page(device)
        log_in(page, "lcpc.jetioguz", language)
        assert page.locator("[data-testid=glance-table] tbody tr").count() > 2
        assert page.locator("[data-testid=analysis-crime]").is_visible()
        screenshot(page, f"dashboard-lcpc-{device}-{language}")
        assert_laid_out(page, device)
        page.traffic.assert_clean(page)


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_coordinator_first_screen(open_page: Any, device: str) -> None:
    for language in ("ky", "ru"):
        page = open_page(device)
        log_in(page, "coordinator", language)
        rows = page.locator("[data-testid=programme-table] tbody tr")
        assert rows.count() == 10
        screenshot(page, f"dashboard-coordinator-{device}-{language}")
        assert_laid_out(page, device)
        # The secondary figures: "Муниципалитеттер" (ky) / "Муниципалитеты" (ru) whole.
        label = page.locator("[data-testid=programme-people] .figure-label").first
        assert page.evaluate(MID_WORD_BREAKS, "[data-testid=programme-people] .figure-label") == []
        assert label.inner_text().strip()
        # Sorting is a link: no script needed.
        with page.expect_navigation():
            page.click("[data-testid=programme-table] th a[data-sort=incidents]")
        assert page.url.endswith("/?sort=incidents")
        assert (
            page.locator("[data-testid=programme-table] th[aria-sort=ascending] a").get_attribute(
                "data-sort"
            )
            == "incidents"
        )
        assert_laid_out(page, device)
        page.traffic.assert_clean(page)
