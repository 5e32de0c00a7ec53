"""In a real browser, in Kyrgyz, at 360 px and 1366 px: the consultations pages (issue 10).

The LCPC coordinator of Jeti-Oguz goes through the survey list, the follow-up round of the
standard survey, its results compared with the baseline (the share feeling unsafe after dark
fell significantly, said in words and numbers), the priority matrix, the meeting list and a
meeting. A visitor without JavaScript on a 360 px phone answers the follow-up through its public
link, is thanked, is told on a second visit that this browser already answered, and then reads
the municipality's "You said, we did" page. Every page: no sideways scroll, wide tables in a
``.table-responsive`` box, Kyrgyz headings and no English sentence in the main content, no
failed request and no content security policy violation. Screenshots go to
var/screenshots/consultations-<page>-<device>.png.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from kenesh.consultations.models import Response, Survey, SurveyRound
from kenesh.consultations.surveys.public_views import RESPONSES
from kenesh.portal.demo import JETI_OGUZ
from tests.browser.conftest import PHONE, log_in, screenshot

pytestmark = pytest.mark.browser

DEVICES = ["phone", "desktop"]

# Tables that neither fit the page nor sit in a box that scrolls sideways on its own.
LOOSE_TABLES = """
() => [...document.querySelectorAll('main table')]
  .filter((table) => !table.closest('.table-responsive')
    && table.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .map((table) => table.dataset.testid || table.className)
"""
# Elements of the main content whose right edge lies beyond the page (cut off on a phone),
# leaving out what sits inside a box that scrolls sideways.
CUT = """
() => [...document.querySelectorAll('main *')]
  .filter((el) => el.getClientRects().length && !el.closest('.table-responsive, .visually-hidden')
    && el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .map((el) => el.tagName + ' ' + (el.textContent || '').trim().slice(0, 40))
"""
# The visible text of the main content, leaving out codes (monospace) and addresses.
MAIN_TEXT = """
() => {
  const parts = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const parent = node.parentElement;
    if (parent.closest('.font-monospace, code, script, style, .visually-hidden')) continue;
    if (!parent.getClientRects().length) continue;
    parts.push(node.textContent);
  }
  return parts.join(' ');
}
"""
#: Three English words in a row: a sentence or label left untranslated.
ENGLISH = re.compile(r"\b[A-Za-z][a-z]+(?:[ ,]+[A-Za-z][a-z]+){2,}\b")


def ky(message: str) -> str:
    """``message`` in Kyrgyz; it must have a translation."""
    with translation.override("ky"):
        translated = gettext(message)
    assert translated != message, f"no Kyrgyz for {message!r}"
    return translated


def assert_laid_out(page: Any, heading: str | None = None) -> None:
    """No sideways scroll, no table or element cut off, the heading and the text in Kyrgyz,
    nothing failed."""
    assert page.locator("html").get_attribute("lang") == "ky"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate(LOOSE_TABLES) == []
    assert page.evaluate(CUT) == []
    if heading is not None:
        assert heading in page.locator("main h1").inner_text()
    english = ENGLISH.findall(page.evaluate(MAIN_TEXT))
    assert english == [], f"{page.url}: {' | '.join(english)}"
    page.traffic.assert_clean(page)


def jeti_oguz_rounds() -> tuple[Survey, Survey]:
    surveys = Survey.objects.filter(unit__code=JETI_OGUZ, is_template=False, series="standard")
    return surveys.get(round=SurveyRound.BASELINE), surveys.get(round=SurveyRound.FOLLOW_UP)


@pytest.mark.parametrize("device", DEVICES)
def test_the_lcpc_coordinator_reads_the_consultations_pages_in_kyrgyz(
    open_page: Any, device: str
) -> None:
    baseline, follow_up = jeti_oguz_rounds()
    page = open_page(device)
    log_in(page, "lcpc.jetioguz", "ky")
    base = page.base_url

    page.goto(f"{base}/consultations/surveys/")
    assert_laid_out(page, ky("Surveys"))
    assert page.locator(f"main a[href='/consultations/surveys/{follow_up.pk}/']").count() == 1
    screenshot(page, f"consultations-surveys-{device}")

    page.goto(f"{base}/consultations/surveys/{follow_up.pk}/")
    assert_laid_out(page, follow_up.title_ky or None)
    assert ky("Questions") in page.locator("main h2").first.inner_text()
    # A display condition names the answer as the respondent reads it, not its code ("yes").
    yes = follow_up.questions.get(code="victim_livestock_theft").options.get(code="yes")
    condition = page.locator(
        "[data-testid=question-reported_livestock_theft] [data-testid=condition]"
    )
    assert f"“{yes.label_ky}”" in condition.inner_text()
    screenshot(page, f"consultations-survey-{device}")

    page.goto(f"{base}/consultations/surveys/{follow_up.pk}/results/?compare={baseline.pk}")
    assert_laid_out(page)
    fell = page.locator("[data-testid=change-safe_after_dark] tr[data-testid$=unsafe]")
    assert fell.count() == 2
    for row in fell.all():
        verdict = row.locator("[data-testid=verdict]").inner_text().strip()
        assert verdict == ky("fell significantly")
        points = row.locator("td").nth(3).inner_text()
        assert re.search(r"(^|\s)[−-]\d", points), points
        # The verdict is on the screen, not beyond its right edge.
        box = row.locator("[data-testid=verdict]").bounding_box()
        assert box["x"] + box["width"] <= page.viewport_size["width"]
    screenshot(page, f"consultations-results-{device}")

    # The year before the demo's last day, when its concerns were received.
    page.goto(
        f"{base}/consultations/priorities/?unit={JETI_OGUZ}&date_from=2025-01-01&date_to=2025-12-31"
    )
    assert_laid_out(page)
    score = page.locator("[data-testid=matrix-table] tbody tr [data-score]").first.bounding_box()
    assert score["x"] + score["width"] <= page.viewport_size["width"]
    assert page.locator("[data-testid=matrix-table] tbody tr").count() >= 5
    screenshot(page, f"consultations-priorities-{device}")

    page.goto(f"{base}/consultations/meetings/")
    assert_laid_out(page, ky("Meetings"))
    first = page.locator("main table a.tap-target").first
    with page.expect_navigation():
        first.click()
    assert_laid_out(page)
    assert ky("Attendance") in page.locator("main").inner_text()
    screenshot(page, f"consultations-meeting-{device}")


def test_a_visitor_without_javascript_answers_the_survey_and_reads_the_public_page(
    browser: Any, demo_server: Any, open_page: Any
) -> None:
    _, follow_up = jeti_oguz_rounds()
    # The demo's story ends on its last day (2025-12-31), when the follow-up closes: keep it
    # open until today, whatever day the tests run.
    Survey.objects.filter(pk=follow_up.pk).update(closes_on=timezone.localdate())
    RESPONSES.reset("127.0.0.1")
    before = Response.objects.filter(survey=follow_up).count()
    base = demo_server.url
    context = browser.new_context(
        viewport=PHONE,
        locale="ky-KG",
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=False,
    )
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ky", "url": base}])
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{base}/s/{follow_up.public_key}/")
        assert page.locator("html").get_attribute("lang") == "ky"
        form = page.locator("[data-testid=answer-form]")
        assert form.bounding_box()["width"] <= PHONE["width"]
        # Every choice question's first option ("yes" where a follow-up question depends on
        # it), "about you" included.
        for fieldset in page.locator("[data-testid=answer-form] fieldset").all():
            choices = fieldset.locator("input[type=radio], input[type=checkbox]")
            if choices.count():
                choices.first.check()
        screenshot(page, "consultations-answer-phone")
        with page.expect_navigation():
            page.click("[data-testid=answer-form] button[type=submit]")
        screenshot(page, "consultations-answer-sent-phone")
        assert page.locator("[data-testid=answer-done]").is_visible(), page.locator(
            "main"
        ).inner_text()
        assert Response.objects.filter(survey=follow_up).count() == before + 1

        page.goto(f"{base}/s/{follow_up.public_key}/")
        assert page.locator("[data-testid=already-answered]").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, "consultations-answer-again-phone")

        page.goto(f"{base}/public/{JETI_OGUZ}/")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        results = page.locator("[data-testid=survey-results]")
        assert results.locator("[data-testid=results-safe_after_dark]").count() >= 1
        decided = page.locator("[data-testid=decided] ol li")
        assert decided.count() >= 5
        cells = page.locator("main td").all_inner_texts()
        assert [cell for cell in cells if cell.strip() in {"1", "2", "3", "4"}] == []
        screenshot(page, "consultations-outcomes-phone")
    finally:
        context.close()

    # With JavaScript, which reports what the content security policy blocked (inline styles).
    page = open_page("phone", locale="ky-KG")
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ky", "url": base}])
    page.goto(f"{base}/public/{JETI_OGUZ}/")
    assert_laid_out(page)
