"""In a real browser: the import form of every registered kind, at 360 px and 1366 px, in
Kyrgyz, Russian and English. The "if some rows have errors" choice is a group of radio buttons
whose labels sit beside their own button, each option visible, nothing running over the
"only check" box, the mapping select or the Import button, and no horizontal scroll.
"""

from __future__ import annotations

from typing import Any

import pytest

from kenesh.core.imports import import_kinds
from kenesh.core.permissions import Resource
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser

Box = dict[str, float]


def box(page: Any, selector: str) -> Box:
    found = page.locator(selector)
    assert found.count() == 1, selector
    measured = found.bounding_box()
    assert measured is not None, f"{selector} is not displayed"
    return dict(measured)


def overlap(a: Box, b: Box) -> bool:
    return (
        a["x"] < b["x"] + b["width"] - 0.5
        and b["x"] < a["x"] + a["width"] - 0.5
        and a["y"] < b["y"] + b["height"] - 0.5
        and b["y"] < a["y"] + a["height"] - 0.5
    )


def visible_on_screen(page: Any, item: Box) -> bool:
    width = page.evaluate("window.innerWidth")
    return (
        item["width"] >= 8
        and item["height"] >= 8
        and item["x"] >= 0
        and item["x"] + item["width"] <= width
    )


IMPORTER = {Resource.INCIDENTS: "police.jetioguz", Resource.SURVEYS: "lcpc.jetioguz"}


def upload_addresses() -> dict[str, str]:
    """The upload page of every registered kind, wherever its module mounts it (found in the
    URL configuration: the platform's upload page bound to the kind)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found: dict[str, str] = {}

    def walk(patterns: list[Any], prefix: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern) and entry.name == "upload":
                kind = entry.default_args.get("kind_key")
                if kind:
                    found[kind] = "/" + prefix + str(entry.pattern)

    walk(get_resolver().url_patterns, "")
    assert set(found) == set(import_kinds()), "an import kind without an upload page"
    return found


@pytest.mark.parametrize("device", ["phone", "desktop"])
@pytest.mark.parametrize("language", ["ky", "ru", "en"])
def test_the_import_form_lays_out_its_choices_without_overlap(
    open_page: Any, device: str, language: str
) -> None:
    page = open_page(device)
    kinds = import_kinds()
    signed_in = ""
    for kind, address in upload_addresses().items():
        # Someone who may import this kind in Jeti-Oguz.
        username = IMPORTER[kinds[kind].resource]
        if username != signed_in:
            if signed_in:
                page.context.clear_cookies()
            log_in(page, username, language)
            signed_in = username
        page.goto(f"{page.base_url}{address}")
        # A kind that imports into one record (a survey's responses) first lists the records.
        if kinds[kind].resolve_target is not None:
            with page.expect_navigation():
                page.locator("main [data-testid=targets] a").first.click()
        assert page.locator("html").get_attribute("lang") == language
        # A real group: a fieldset named by its legend, one labelled radio button per option.
        group = page.locator("fieldset:has(input[name=mode])")
        assert group.count() == 1
        assert group.locator("legend").inner_text().strip()
        radios = group.locator("input[type=radio][name=mode]")
        assert radios.count() == 2
        assert page.locator('label[for=""]').count() == 0
        items: dict[str, Box] = {}
        for index in range(radios.count()):
            radio = radios.nth(index)
            radio_id = radio.get_attribute("id")
            assert radio_id
            items[f"radio {index}"] = box(page, f"#{radio_id}")
            items[f"option {index}"] = box(page, f"label[for={radio_id}]")
            # The label is beside its button, on the same line, not a word per line.
            label, button = items[f"option {index}"], items[f"radio {index}"]
            assert label["x"] >= button["x"] + button["width"] - 0.5
            assert abs((label["y"]) - button["y"]) < button["height"] + 8
        items["only check"] = box(page, "#id_dry_run")
        items["only check label"] = box(page, "label[for=id_dry_run]")
        items["mapping"] = box(page, "#id_mapping")
        items["import"] = box(page, "main form button[type=submit]")
        names = list(items)
        for i, first in enumerate(names):
            assert visible_on_screen(page, items[first]), (first, items[first])
            for second in names[i + 1 :]:
                assert not overlap(items[first], items[second]), (first, second)
        # Each option is where a tap reaches it, not under the button.
        for index in range(radios.count()):
            label = page.locator(f"label[for={radios.nth(index).get_attribute('id')}]")
            label.scroll_into_view_if_needed()
            item = label.bounding_box()
            hit = page.evaluate(
                "([x, y]) => document.elementFromPoint(x, y)?.closest('label')?.htmlFor || ''",
                [item["x"] + item["width"] / 2, item["y"] + item["height"] / 2],
            )
            assert hit == radios.nth(index).get_attribute("id"), index
        radios.nth(1).check()
        assert radios.nth(1).is_checked() and not radios.nth(0).is_checked()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        screenshot(page, f"import-form-{kind}-{device}-{language}")
        page.traffic.assert_clean(page)
