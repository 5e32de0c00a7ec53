"""In a real browser: registering incidents on a 360 px phone and a 1366 px desktop, in Kyrgyz,
Russian and English. The people sections fit the screen (every count input at least 44 px wide,
none off-screen, no horizontal scroll), the report date is today and the officer's municipality
chosen, "use my location" fills the coordinates from the browser, a decimal comma is a decimal
comma, and "save and add another" comes back to an empty form with the municipality and dates
kept. No inline script: the page's Content-Security-Policy holds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kenesh.geo.models import AdministrativeUnit
from kenesh.incidents.models import Incident
from kenesh.portal.demo import JETI_OGUZ
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser

MIN_TAP = 44  # px: the smallest input a thumb hits reliably


def off_screen(page: Any, selector: str) -> list[str]:
    """The elements matching ``selector`` that are not wholly within the viewport's width."""
    return list(
        page.evaluate(
            """(selector) => Array.from(document.querySelectorAll(selector))
                 .filter((el) => el.offsetParent !== null)
                 .filter((el) => {
                   const box = el.getBoundingClientRect();
                   return box.left < 0 || box.right > window.innerWidth + 0.5;
                 })
                 .map((el) => el.name || el.id || el.tagName)""",
            selector,
        )
    )


@pytest.mark.parametrize("device", ["phone", "desktop"])
@pytest.mark.parametrize("language", ["ky", "ru", "en"])
def test_the_people_sections_and_the_whole_form_fit_the_screen(
    open_page: Any, device: str, language: str
) -> None:
    page = open_page(device)
    log_in(page, "police.jetioguz", language)
    page.goto(f"{page.base_url}/incidents/new/")
    assert page.locator("html").get_attribute("lang") == language
    for role in ("victims", "offenders"):
        page.click(f"[data-testid=people-{role}] > summary")
    counts = page.locator("input.people-count")
    assert counts.count() == 36
    widths = [counts.nth(i).bounding_box()["width"] for i in range(counts.count())]
    assert min(widths) >= MIN_TAP, widths
    assert off_screen(page, "main input, main select, main textarea, main button") == []
    # No heading of the people tables runs out of its cell ("возраст неизвестен").
    overflowing = page.evaluate(
        """Array.from(document.querySelectorAll('.people-table th'))
             .filter((th) => th.scrollWidth > th.clientWidth + 1)
             .map((th) => th.textContent.trim())"""
    )
    assert overflowing == []
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    # The defaults: today's report date, the officer's one municipality.
    today = timezone.localdate().isoformat()
    assert page.input_value("#id_reported_on") == today
    municipality = AdministrativeUnit.objects.get(code=JETI_OGUZ)
    assert page.input_value("#id_unit") == str(municipality.pk)
    screenshot(page, f"quick-entry-{device}-{language}")
    page.traffic.assert_clean(page)


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_an_officer_registers_two_incidents_in_a_row_with_location_and_a_decimal_comma(
    open_page: Any, device: str
) -> None:
    page = open_page(device)
    page.context.grant_permissions(["geolocation"], origin=page.base_url)
    page.context.set_geolocation({"latitude": 42.33712, "longitude": 78.22431, "accuracy": 12})
    log_in(page, "police.jetioguz", "ky")
    page.goto(f"{page.base_url}/incidents/new/")
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    page.fill("#id_external_ref", "QE-B-1")
    page.select_option("#id_iccs", "05025")
    page.fill("#id_occurred_on", yesterday)
    # "Use my location" appears (the live server is a secure context) and fills both fields.
    button = page.locator("#use-my-location")
    assert button.is_visible()
    button.click()
    page.wait_for_function("document.getElementById('id_latitude').value !== ''")
    assert page.input_value("#id_latitude") == "42.33712"
    assert page.input_value("#id_longitude") == "78.22431"
    assert "12" in page.inner_text("#location-status")
    page.click("[data-testid=people-victims] > summary")
    page.fill("#id_victims_female_30_59", "2")
    assert page.inner_text("[data-testid=people-victims] [data-people-total]") == "2"
    screenshot(page, f"quick-entry-filled-{device}")
    with page.expect_navigation():
        page.click("[data-testid=save-and-add-another]")
    first = Incident.objects.get(external_ref="QE-B-1")
    assert (first.latitude, first.longitude, first.victims_female_30_59) == (
        42.33712,
        78.22431,
        2,
    )
    # Back on an empty form: a success message, the municipality and both dates kept.
    assert page.locator(".alert-success").count() == 1
    assert "QE-B-1" in page.inner_text(".alert-success")
    assert page.input_value("#id_occurred_on") == yesterday
    assert page.input_value("#id_reported_on") == timezone.localdate().isoformat()
    assert page.input_value("#id_external_ref") == ""
    assert page.input_value("#id_latitude") == ""
    page.fill("#id_external_ref", "QE-B-2")
    page.select_option("#id_iccs", "05025")
    page.fill("#id_latitude", "42,337")
    page.fill("#id_longitude", "78,224")
    screenshot(page, f"quick-entry-next-{device}")
    with page.expect_navigation():
        page.click("main form button[value=view]")
    second = Incident.objects.get(external_ref="QE-B-2")
    assert (second.latitude, second.longitude) == (42.337, 78.224)
    assert second.occurred_on.isoformat() == yesterday
    page.traffic.assert_clean(page)
