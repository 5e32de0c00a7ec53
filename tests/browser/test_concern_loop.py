"""In a real browser: the loop of a citizen's concern. A visitor on a 360 px phone, in Kyrgyz,
with JavaScript switched off, opens the demo municipality's public concern form, sends a concern
and gets its reference number; the LCPC coordinator of Jeti-Oguz acknowledges and categorises
it; the public status page then shows the new status to the visitor.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.utils import translation

from kenesh.consultations.models import Concern, ConcernStatus, normalise_reference
from kenesh.consultations.public.limits import concern_limit_reset
from kenesh.portal.demo import JETI_OGUZ
from tests.browser.conftest import DESKTOP, PHONE, log_in, screenshot

pytestmark = pytest.mark.browser

TEXT = "Мектептин жанындагы көчөдө кечинде жарык жок, балдар караңгыда басышат."


def test_a_concern_goes_round_the_loop_on_a_phone_without_javascript(
    browser: Any, demo_server: Any, open_page: Any
) -> None:
    # The live server sees every browser at 127.0.0.1: start its count afresh.
    concern_limit_reset(RequestFactory().get("/", REMOTE_ADDR="127.0.0.1"))
    base = demo_server.url
    phone_context = browser.new_context(
        viewport=PHONE,
        locale="ky-KG",
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=False,
    )
    phone_context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ky", "url": base}])
    try:
        phone = phone_context.new_page()
        phone.set_default_timeout(15_000)
        phone.goto(f"{base}/public/{JETI_OGUZ}/concern/")
        assert phone.locator("html").get_attribute("lang") == "ky"
        form = phone.locator("[data-testid=public-concern-form]")
        assert form.bounding_box()["width"] <= PHONE["width"]
        phone.fill("#id_text", TEXT)
        phone.check("#id_public_requested")
        screenshot(phone, "concern-form-phone-ky")
        with phone.expect_navigation():
            phone.click("[data-testid=send]")
        shown = phone.locator("[data-testid=reference]").inner_text().strip()
        concern = Concern.objects.get(reference=normalise_reference(shown))
        assert concern.text == TEXT and concern.channel == "web" and concern.language == "ky"
        send = phone.locator("[data-testid=follow]").bounding_box()
        assert send["x"] + send["width"] <= PHONE["width"]
        screenshot(phone, "concern-thanks-phone-ky")

        staff = open_page("desktop")
        log_in(staff, "lcpc.jetioguz", "ky")
        staff.goto(f"{base}/consultations/concerns/{concern.pk}/")
        staff.select_option("[data-testid=status-form] select[name=status]", "acknowledged")
        with staff.expect_navigation():
            staff.click("[data-testid=status-form] button[type=submit]")
        staff.select_option(
            "[data-testid=categorise-form] select[name=category]", "street_lighting"
        )
        with staff.expect_navigation():
            staff.click("[data-testid=categorise-form] button[type=submit]")
        concern.refresh_from_db()
        assert (concern.status, concern.category_id) == ("acknowledged", "street_lighting")
        assert staff.viewport_size == DESKTOP
        screenshot(staff, "concern-detail-desktop-ky")
        staff.traffic.assert_clean(staff)

        phone.goto(f"{base}/public/concern/")
        phone.fill("#id_reference", shown.lower())
        with phone.expect_navigation():
            phone.click("[data-testid=reference-form] button[type=submit]")
        with translation.override("ky"):
            acknowledged = str(ConcernStatus.ACKNOWLEDGED.label)
        status = phone.locator("[data-testid=public-status]").inner_text().strip()
        assert status.lower() == acknowledged.lower()
        history = phone.locator("[data-testid=public-history] li")
        assert history.count() == 2
        body = phone.locator("main").inner_text()
        assert TEXT not in body  # not shown publicly until moderation says so
        screenshot(phone, "concern-status-phone-ky")

        desktop = open_page("desktop", locale="ky-KG")
        desktop.goto(f"{base}/public/concern/{concern.reference}/")
        assert desktop.locator("[data-testid=public-status]").inner_text().strip().lower() == (
            acknowledged.lower()
        )
        screenshot(desktop, "concern-status-desktop-ky")
        desktop.traffic.assert_clean(desktop)
    finally:
        phone_context.close()
