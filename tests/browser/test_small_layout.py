"""In a real browser, at 360 px and 1366 px: the smaller layout faults officials met (issue 9,
item 12). A working group's labels stay clear of their links in Russian; the language buttons
and the folded menu's entries are tap targets (44 px on a phone, 24 px at least on a desktop);
the main navigation and the admin's model menu keep one line at 1366 px in ky, ru and en; the
API documentation has a phone viewport, fits 360 px and is linked from the account menu.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from django.conf import settings

from kenesh.orgs.models import WorkingGroup
from kenesh.portal.demo import JETI_OGUZ
from tests.browser.conftest import log_in as browser_log_in
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

DEVICES = ["phone", "desktop"]
LANGUAGES = ["ky", "ru", "en"]
#: WCAG 2.2 target size: 24 px is the minimum (2.5.8), 44 px where fingers tap (2.5.5).
PHONE_TARGET = 44
DESKTOP_TARGET = 24


def log_in(page: Any, username: str, language: str) -> None:
    browser_log_in(page, username, language)
    assert page.url == f"{page.base_url}/"


def set_language(page: Any, language: str) -> None:
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": page.base_url}]
    )


def horizontal_overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


# Each label's text (its line boxes, which a long word can push past the label's own box), the
# box of the value's link, and the label's box: measured in the page.
LABEL_AND_VALUE_BOXES = """
() => [...document.querySelectorAll("main dl.row > dt")].map((label) => {
  const text = document.createRange();
  text.selectNodeContents(label);
  const value = label.nextElementSibling;
  const link = value.querySelector("a") || value;
  const box = (r) => ({x: r.left, y: r.top, right: r.right, bottom: r.bottom});
  return {
    label: label.innerText,
    lines: [...text.getClientRects()].map(box),
    labelBox: box(label.getBoundingClientRect()),
    links: [...link.getClientRects()].map(box),
  };
})
"""


def intersects(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["right"] - 0.5
        and b["x"] < a["right"] - 0.5
        and a["y"] < b["bottom"] - 0.5
        and b["y"] < a["bottom"] - 0.5
    )


@pytest.mark.parametrize("device", DEVICES)
def test_a_working_groups_labels_stay_clear_of_their_links_in_russian(
    open_page: Any, device: str
) -> None:
    group = WorkingGroup.objects.get(unit__code=JETI_OGUZ)
    assert group.lcpc is not None, "the demo group names its LCPC, the longest label"
    page = open_page(device)
    log_in(page, "lcpc.jetioguz", "ru")
    page.goto(f"{page.base_url}/working-groups/{group.pk}/")
    rows = page.evaluate(LABEL_AND_VALUE_BOXES)
    screenshot(page, f"small-layout-working-group-ru-{device}")

    assert len(rows) == 3
    for row in rows:
        for line in row["lines"]:
            assert line["right"] <= row["labelBox"]["right"] + 0.5, row["label"]
            for link in row["links"]:
                assert not intersects(line, link), row["label"]
    # A label of several lines ends before the next one begins, with a gap between the rows.
    for above, below in pairwise(rows):
        assert above["labelBox"]["bottom"] + 4 <= below["labelBox"]["y"], above["label"]
    assert horizontal_overflow(page) <= 0
    page.traffic.assert_clean(page)


# The top-level entries of the main navigation and the controls beside it.
NAVIGATION_BOXES = """
() => [...document.querySelectorAll(
  "#main-nav > .navbar-nav > .nav-item > .nav-link, #main-nav .account-menu > .dropdown-toggle,"
  + " #main-nav form .btn"
)].map((item) => {
  const r = item.getBoundingClientRect();
  return {text: item.innerText.trim(), y: r.top, height: r.height, width: r.width};
})
"""


def language_button_boxes(page: Any) -> list[dict[str, float]]:
    buttons = page.locator(".language-switcher button")
    assert buttons.count() == len(settings.LANGUAGES)
    return [dict(buttons.nth(i).bounding_box()) for i in range(buttons.count())]


def test_on_a_phone_the_language_buttons_and_the_folded_menu_are_44_px_tap_targets(
    open_page: Any,
) -> None:
    page = open_page("phone")
    for language in LANGUAGES:
        log_in(page, "admin", language)
        for button in language_button_boxes(page):
            assert button["height"] >= PHONE_TARGET and button["width"] >= PHONE_TARGET
        page.click(".navbar-toggler")
        page.locator("#main-nav [data-testid=log-out]").wait_for(state="visible")
        # Bootstrap's collapse has finished opening (a tap while it slides open can be lost).
        page.locator("#main-nav.collapse.show").wait_for()
        entries = page.evaluate(NAVIGATION_BOXES)
        assert len(entries) >= 5
        for entry in entries:
            assert entry["height"] >= PHONE_TARGET, (language, entry)
        # The account menu holds the administration and the API documentation.
        page.click("#main-nav [data-testid=current-user]")
        for testid in ("admin-link", "api-docs-link"):
            item = page.locator(f"#main-nav [data-testid={testid}]")
            item.wait_for(state="visible")
            assert item.bounding_box()["height"] >= PHONE_TARGET
        assert horizontal_overflow(page) <= 0
        screenshot(page, f"small-layout-menu-{language}-phone")
        page.goto(f"{page.base_url}/working-groups/")
        names = page.locator("#working-group-table a.tap-target")
        assert names.count() > 0
        for i in range(names.count()):
            assert names.nth(i).bounding_box()["height"] >= PHONE_TARGET
        page.context.clear_cookies()  # logged out, for the next language
    page.traffic.assert_clean(page)


def test_on_a_desktop_the_navigation_keeps_one_line_and_the_language_buttons_are_targets(
    open_page: Any,
) -> None:
    page = open_page("desktop")
    for language in LANGUAGES:
        # The administrator sees the most entries (the audit log among them).
        log_in(page, "admin", language)
        for button in language_button_boxes(page):
            assert button["height"] >= DESKTOP_TARGET and button["width"] >= DESKTOP_TARGET
        entries = page.evaluate(NAVIGATION_BOXES)
        assert len(entries) >= 9  # eight links, the account menu and "Log out"
        first = entries[0]
        for entry in entries:
            # Every entry one line high (a wrapped one is 64 px), all on the first one's line.
            assert entry["height"] <= first["height"] < 48, (language, entry)
            assert first["y"] <= entry["y"] < first["y"] + first["height"], (language, entry)
        assert page.locator("nav.navbar").bounding_box()["height"] <= 64
        assert horizontal_overflow(page) <= 0
        screenshot(page, f"small-layout-navigation-{language}-desktop")
        page.context.clear_cookies()  # logged out, for the next language
    page.traffic.assert_clean(page)


SIDEBAR_ROWS = """
() => [...document.querySelectorAll("#nav-sidebar .module th a")].map((link) => ({
  text: link.innerText, lines: link.getClientRects().length,
  row: link.closest("tr").getBoundingClientRect().height,
}))
"""


def test_the_admin_model_menu_keeps_one_line_per_model_at_1366_px_and_folds_away_at_360(
    open_page: Any,
) -> None:
    for device in DEVICES:
        page = open_page(device)
        for language in LANGUAGES:
            log_in(page, "admin", language)
            page.goto(f"{page.base_url}/admin/accounts/user/")
            assert page.locator("#result_list").is_visible()
            if device == "desktop":
                rows = page.evaluate(SIDEBAR_ROWS)
                assert len(rows) >= 10
                for row in rows:
                    assert row["lines"] == 1 and row["row"] <= 40, (language, row)
                # The model names and the page's table stay side by side.
                sidebar = page.locator("#nav-sidebar").bounding_box()
                content = page.locator("#content").bounding_box()
                assert sidebar["x"] + sidebar["width"] <= content["x"]
            else:
                # Below 768 px Django folds the menu away; the page still fits the phone.
                assert not page.locator("#nav-sidebar").is_visible()
            assert horizontal_overflow(page) <= 0
            screenshot(page, f"small-layout-admin-{language}-{device}")
            page.context.clear_cookies()
        page.traffic.assert_clean(page)


@pytest.mark.parametrize("device", DEVICES)
def test_the_api_documentation_is_linked_from_the_account_menu_and_fits_the_screen(
    open_page: Any, device: str
) -> None:
    page = open_page(device)
    log_in(page, "lcpc.jetioguz", "ru")
    if device == "phone":
        page.click(".navbar-toggler")
    page.click("[data-testid=current-user]")
    with page.expect_navigation():
        page.click("[data-testid=api-docs-link]")
    assert page.url == f"{page.base_url}/api/v1/docs"
    page.locator(".opblock").first.wait_for(state="visible")

    viewport = page.locator("meta[name=viewport]")
    assert viewport.count() == 1
    assert "width=device-width" in str(viewport.get_attribute("content"))
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.evaluate("window.innerWidth") == (360 if device == "phone" else 1366)
    # An operation opened: its parameters and answers still fit the screen.
    page.locator(".opblock-summary-control").first.click()
    page.locator(".opblock-body").first.wait_for(state="visible")
    assert horizontal_overflow(page) <= 0
    screenshot(page, f"small-layout-api-docs-{device}")

    back = page.get_by_role("link", name="← Kenesh")
    assert back.bounding_box()["height"] >= PHONE_TARGET
    with page.expect_navigation():
        back.click()
    assert page.url == f"{page.base_url}/"
    page.traffic.assert_clean(page)
