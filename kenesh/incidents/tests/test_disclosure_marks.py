"""Withheld figures read truthfully (docs/privacy.md, "Suppressed values"): ``<5`` only for a
count suppressed for being from 1 to 4 itself, ``×`` for one withheld only so that such a count
cannot be worked out from it; chart titles do not pass the published months off as the total;
the glance says in one sentence when it withholds everything."""

from __future__ import annotations

import datetime as dt
import html as html_module
import re
from typing import Any

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from kenesh.accounts.models import User
from kenesh.geo.models import AdministrativeUnit
from kenesh.incidents.dashboard import municipality_glance
from kenesh.incidents.models import Incident
from kenesh.incidents.tests.factories import IncidentFactory
from kenesh.portal.demo import JETI_OGUZ

URL = "/analysis/crime/"
DOMESTIC_2024 = [0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]
LIVESTOCK_2024 = [4, 3, 3, 4, 3, 3, 4, 3, 3, 4, 3, 3]  # 40


@pytest.fixture
def jeti_oguz_2024(db: None) -> None:
    """Jeti-Oguz with a year of 3 domestic-violence incidents (all in March) and 40 livestock
    thefts."""
    assert sum(LIVESTOCK_2024) == 40
    Incident.objects.all().delete()
    for month, (domestic, livestock) in enumerate(
        zip(DOMESTIC_2024, LIVESTOCK_2024, strict=True), start=1
    ):
        for day in range(domestic):
            IncidentFactory(
                iccs_id="0201",
                relationship="family",
                occurred_on=dt.date(2024, month, 1 + day),
                latitude=None,
                longitude=None,
            )
        for day in range(livestock):
            IncidentFactory(occurred_on=dt.date(2024, month, 10 + day))


def english(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def crime_page(client: Client, **params: Any) -> str:
    response = client.get(
        URL,
        {"unit": JETI_OGUZ, "date_from": "2024-01-01", "date_to": "2024-12-31", **params},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200, response.content
    return response.content.decode()


def year_cells(html: str) -> dict[str, list[str]]:
    """Per row of the per-year table, the cells' marks (``small``/``complementary``) or text."""
    table = html[html.index('data-testid="year-table"') :]
    table = table[: table.index("</table>")]
    cells: dict[str, list[str]] = {}
    for key, row in re.findall(r'<tr data-row="([^"]+)"[^>]*>(.*?)</tr>', table, re.S):
        cells[key] = [
            _mark(cell) for cell in re.findall(r'<td class="text-end">(.*?)</td>', row, re.S)
        ]
    return cells


def _mark(cell: str) -> str:
    if mark := re.search(r'data-withheld="(\w+)"', cell):
        return mark.group(1)
    text = html_module.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
    return "small" if text == "<5" else text


def test_a_livestock_year_withheld_to_protect_domestic_violence_reads_as_a_complement(
    jeti_oguz_2024: None,
) -> None:
    html = crime_page(english("civil.jetioguz"))
    cells = year_cells(html)
    # The 3 domestic-violence incidents are a primary suppression: "<5" is true of them.
    assert cells["domestic_violence"] == ["small"]
    assert 'data-withheld="small"' in html and "&lt;5</span>" in html
    # Livestock theft (40 in truth) is withheld only so that the 3 cannot be worked out.
    assert cells["livestock_theft"] == ["complementary"]
    assert cells["total"] in (["43"], ["complementary"])  # never "<5"
    livestock_row = re.search(r'data-row="livestock_theft".*?</tr>', html, re.S)
    assert livestock_row is not None and "&lt;5" not in livestock_row.group(0)
    assert ">×</span>" in livestock_row.group(0)
    assert 'aria-label="withheld so that a hidden count cannot be worked out from it"' in html
    # The legend explains both marks.
    assert 'data-testid="legend-small"' in html
    assert 'data-testid="legend-complementary"' in html
    assert "fewer than 5 incidents of domestic or sexual violence" in html


def test_staff_see_the_true_counts_and_no_marks(jeti_oguz_2024: None) -> None:
    cells = year_cells(crime_page(english("lcpc.jetioguz")))
    assert cells["domestic_violence"] == ["3"]
    assert cells["livestock_theft"] == ["40"]
    assert cells["total"] == ["43"]


def test_no_total_of_the_year_table_reads_less_than_five_unless_it_is(
    jeti_oguz_2024: None,
) -> None:
    # 2025, cut short at March: 6 incidents of domestic violence in January, 2 in February.
    # February is withheld, so the part of 2025 (8 incidents) is withheld with it: "<5" would
    # say something false of it.
    for day, month in [(1 + k, 1) for k in range(6)] + [(1, 2), (2, 2)]:
        IncidentFactory(
            iccs_id="0201",
            relationship="family",
            occurred_on=dt.date(2025, month, day),
            latitude=None,
            longitude=None,
        )
    params = {"date_to": "2025-03-31", "category": "domestic_violence"}
    shown = year_cells(crime_page(english("civil.jetioguz"), **params))
    truth = year_cells(crime_page(english("lcpc.jetioguz"), **params))
    assert truth["total"] == ["3", "8"]
    assert shown["total"][1] == "complementary"
    for key in ("domestic_violence", "total"):
        for mark, value in zip(shown[key], truth[key], strict=True):
            if mark == "small":
                assert 1 <= int(value) <= 4, (key, value)
            elif mark != "complementary":
                assert mark == value, (key, value)


def test_a_chart_with_withheld_months_says_its_total_is_of_the_published_months(
    jeti_oguz_2024: None,
) -> None:
    html = crime_page(english("civil.jetioguz"), category="domestic_violence")
    titles = re.findall(r'data-testid="trend-panel-title">(.*?)</figcaption>', html, re.S)
    assert len(titles) == 1
    assert "in published months" in titles[0] and "in all" not in titles[0]
    # A withheld month is a gap, not a zero: 11 points drawn out of 12 months.
    panel = html[html.index('data-testid="trend-panels"') :]
    panel = panel[: panel.index("</figure>")]
    points = re.findall(r'class="chart-point".*?<title>(.*?)</title>', panel)
    assert len(points) < 12
    assert not [title for title in points if title.endswith(": 0") and "Mar" in title]


def test_a_chart_without_withheld_months_gives_its_total_in_all(jeti_oguz_2024: None) -> None:
    html = crime_page(english("lcpc.jetioguz"))
    titles = re.findall(r'data-testid="trend-panel-title">(.*?)</figcaption>', html, re.S)
    assert titles and all("in all" in title for title in titles)
    assert not [title for title in titles if "published months" in title]


def glance(username: str, today: dt.date | None = None) -> str:
    user = User.objects.get(username=username)
    unit = AdministrativeUnit.objects.get(code=JETI_OGUZ)
    with translation.override("en"):
        panel = municipality_glance(user=user, unit=unit, today=today)
        return render_to_string("incidents/_dashboard_municipality.html", {"panel": panel})


def test_the_glance_says_in_one_sentence_when_every_count_is_withheld(db: None) -> None:
    # The demo's Jeti-Oguz: small monthly counts of domestic violence in both windows, so that
    # every 12-month count would give one of them back to a civil society member.
    html = glance("civil.jetioguz")
    assert 'data-testid="glance-withheld"' in html
    assert "At your level of access the 12-month counts of this municipality are withheld" in (
        " ".join(html.split())
    )
    assert f"/analysis/crime/?area={JETI_OGUZ}#years-heading" in html
    assert 'data-testid="glance-table"' not in html
    assert "&lt;5" not in html and "—" not in html


def test_the_glance_of_staff_keeps_its_table(db: None) -> None:
    html = glance("lcpc.jetioguz")
    assert 'data-testid="glance-table"' in html
    assert 'data-testid="glance-withheld"' not in html


def test_a_glance_withholding_some_counts_marks_them_and_explains_the_mark(
    jeti_oguz_2024: None,
) -> None:
    # The windows (Dec 2023 - Nov 2024 against the 12 before) cut across calendar years: a
    # withheld window is a sum holding a withheld month, marked "×", whatever its size.
    html = glance("civil.jetioguz", dt.date(2025, 1, 15))
    assert 'data-testid="glance-table"' in html
    row = re.search(r'data-category="livestock_theft".*?</tr>', html, re.S)
    assert row is not None and 'data-withheld="complementary"' in row.group(0)
    assert "&lt;5" not in row.group(0) and "—" not in html
    assert 'data-testid="glance-legend-complementary"' in html
