"""Disclosure control of the crime page (docs/privacy.md): the monthly chart, the year table and
the 12-month comparison of an aggregate-only viewer follow the statistics API's rule."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from kenesh.incidents.models import Incident
from kenesh.incidents.tests.factories import IncidentFactory
from kenesh.portal.demo import JETI_OGUZ

URL = "/analysis/crime/"
DOMESTIC_2024 = [2, 6, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0]


@pytest.fixture
def domestic_violence(db: None) -> None:
    Incident.objects.all().delete()
    for month, count in enumerate(DOMESTIC_2024, start=1):
        for day in range(count):
            IncidentFactory(
                iccs_id="0201",
                relationship="family",
                occurred_on=dt.date(2024, month, 1 + day),
                latitude=None,
                longitude=None,
            )


def page(client: Any, **params: Any) -> str:
    response = client.get(
        URL,
        {
            "unit": JETI_OGUZ,
            "date_from": "2024-01-01",
            "date_to": "2024-12-31",
            "category": "domestic_violence",
            **params,
        },
    )
    assert response.status_code == 200, response.content
    return response.content.decode()


def chart_points(html: str) -> list[str]:
    chart = html[html.index('data-testid="trend-panels"') :]
    chart = chart[: chart.index("</figure>")]  # the one panel of the chosen category
    return re.findall(r'class="chart-point".*?<title>(.*?)</title>', chart)


def test_an_aggregate_only_viewer_gets_no_small_month_of_domestic_violence(
    domestic_violence: None, client_as: Any
) -> None:
    html = page(client_as("civil.jetioguz"))
    points = chart_points(html)
    assert len(points) < 12
    assert not [title for title in points if re.search(r": [1-4]$", title)]
    assert 'data-testid="disclosure-note"' in html
    # The year is a whole calendar year: its total (13) is published.
    table = html[html.index('data-testid="year-table"') :]
    table = table[: table.index("</table>")]
    assert ">13<" in table


def test_staff_see_every_month(domestic_violence: None, client_as: Any) -> None:
    html = page(client_as("lcpc.jetioguz"))
    points = chart_points(html)
    assert len(points) == 12
    assert any(title.endswith(": 2") for title in points)
    assert 'data-testid="disclosure-note"' not in html


def test_a_12_month_comparison_that_would_give_a_month_back_is_withheld(
    domestic_violence: None, client_as: Any
) -> None:
    # The last 12 months from February 2024 start in March 2023 and hold January 2024 (2)
    # but not the year's whole table: withheld.
    html = page(client_as("civil.jetioguz"), date_to="2024-02-10")
    assert 'data-testid="rate-change-withheld"' in html
    staff = page(client_as("lcpc.jetioguz"), date_to="2024-02-10")
    assert 'data-testid="rate-change-withheld"' not in staff
