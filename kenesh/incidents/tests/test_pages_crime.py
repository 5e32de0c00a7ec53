"""The crime page of a municipality: trend chart, counts and rates per year, comparisons."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from kenesh.accounts.models import User
from kenesh.analytics.rates import rate_ratio
from kenesh.geo.models import AdministrativeUnit, PopulationCount
from kenesh.incidents.models import Incident
from kenesh.incidents.tests.factories import IncidentFactory
from kenesh.portal.demo import JETI_OGUZ, KARAKOL

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
URL = "/analysis/crime/"
SVG = "{http://www.w3.org/2000/svg}"
PERIOD = {"date_from": "2002-01-01", "date_to": "2003-12-31"}
JETI_OGUZ_USERS = [
    "admin",
    "coordinator",
    "lcpc.jetioguz",
    "police.jetioguz",
    "localgov.jetioguz",
    "civil.jetioguz",
    "registrar.jetioguz",
]


def incident(**fields: Any) -> Incident:
    """A saved incident in the demo's Jeti-Oguz unless told otherwise."""
    return IncidentFactory.create(**fields)


@pytest.fixture
def client_as(client_as: ClientAs) -> ClientAs:
    """Clients that read the pages in English."""

    def make(username: str) -> Client:
        client = client_as(username)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def year_columns(table: str) -> list[str]:
    return re.findall(r'<th scope="col" class="text-end" data-year="\d+">([^<]*)</th>', table)


def row_cells(table: str, key: str) -> list[str]:
    row = table.split(f'data-row="{key}"')[1].split("</tr>")[0]
    return re.findall(r'<td class="text-end">([^<]*)</td>', row)


def svg_charts(html: str) -> list[ET.Element]:
    return [ET.fromstring(found) for found in re.findall(r"<svg.*?</svg>", html, flags=re.S)]


@pytest.fixture
def incidents() -> list[Incident]:
    """Thefts and frauds in Jeti-Oguz over 2002–2003, a population of 10,000 counted in 2002."""
    Incident.objects.all().delete()
    PopulationCount.objects.create(
        unit=AdministrativeUnit.objects.get(code=JETI_OGUZ), year=2002, population=10_000
    )
    made = []
    for month in (1, 3, 3, 8, 12):
        made.append(incident(occurred_on=dt.date(2002, month, 5), iccs_id="05025"))
    for month in (2, 2, 6):
        made.append(incident(occurred_on=dt.date(2003, month, 9), iccs_id="05025"))
    for month in (4, 11):
        made.append(incident(occurred_on=dt.date(2003, month, 20), iccs_id="07"))
    return made


def test_an_anonymous_visitor_is_sent_to_the_login_page() -> None:
    response = Client().get(URL, {"unit": JETI_OGUZ})
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_a_user_without_any_incident_role_is_forbidden() -> None:
    client = Client()
    client.force_login(User.objects.create_user("no.role", is_demo=True))
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"unit": JETI_OGUZ}).status_code == 403


def test_a_karakol_user_gets_404_for_jeti_oguz(karakol_outsider: Client) -> None:
    assert karakol_outsider.get(URL, {"unit": JETI_OGUZ}).status_code == 404
    assert karakol_outsider.get(URL, {"unit": "41799999999999"}).status_code == 404
    assert karakol_outsider.get(URL).status_code == 200


@pytest.mark.parametrize("username", JETI_OGUZ_USERS)
def test_every_role_of_jeti_oguz_sees_its_crime_page(
    client_as: ClientAs, username: str, incidents: list[Incident]
) -> None:
    response = client_as(username).get(URL, {"unit": JETI_OGUZ, **PERIOD})
    assert response.status_code == 200
    assert "Jeti-Oguz" in response.content.decode()


def test_the_trend_charts_are_one_panel_per_category_with_a_point_per_month(
    client_as: ClientAs, incidents: list[Incident]
) -> None:
    """Issue 9, item 9: small multiples, not every category's line crossed in one chart."""
    html = client_as("lcpc.jetioguz").get(URL, {"unit": JETI_OGUZ, **PERIOD}).content.decode()
    panels = [svg for svg in svg_charts(html) if svg.get("id", "").startswith("crime-trend-")]
    # Livestock theft and fraud are the categories with incidents: two panels of 24 months.
    assert len(panels) == 2
    for panel in panels:
        assert panel.get("role") == "img"
        assert panel.find(f"{SVG}title") is not None and panel.find(f"{SVG}desc") is not None
        assert len(panel.findall(f".//{SVG}g[@class='chart-series']")) == 1
        assert len(panel.findall(f".//{SVG}circle")) == 24
    titles = [point.findtext(f"{SVG}title", "") for point in panels[0].findall(f".//{SVG}circle")]
    assert titles[2].endswith(": 2")  # March 2002: two thefts


def test_one_chosen_category_draws_one_line(client_as: ClientAs, incidents: list[Incident]) -> None:
    html = (
        client_as("civil.jetioguz")
        .get(URL, {"unit": JETI_OGUZ, "category": "fraud", **PERIOD})
        .content.decode()
    )
    trend = svg_charts(html)[0]
    assert len(trend.findall(f".//{SVG}g[@class='chart-series']")) == 1
    values = [
        int(point.findtext(f"{SVG}title", "").rsplit(": ", 1)[1])
        for point in trend.findall(f".//{SVG}circle")
    ]
    assert sum(values) == 2


def test_the_year_table_gives_counts_and_rates_per_10000(
    client_as: ClientAs, incidents: list[Incident]
) -> None:
    response = client_as("police.jetioguz").get(URL, {"unit": JETI_OGUZ, **PERIOD})
    table = response.content.decode().split('data-testid="year-table"')[1].split("</table>")[0]
    per_year = Counter(incident.occurred_on.year for incident in incidents)
    # Years are columns, categories rows (issue 9: a column per category was cut at 1366 px).
    assert year_columns(table) == ["2002", "2003"]
    totals, populations, rates = (row_cells(table, key) for key in ("total", "population", "rate"))
    for index, year in enumerate((2002, 2003)):
        # population 10,000: rate = count
        assert int(totals[index]) == per_year[year]
        assert populations[index].replace("\u202f", "").replace("\xa0", "") == "10000"
        assert float(rates[index].replace(",", ".")) == pytest.approx(per_year[year])


def test_the_rate_ratio_of_the_last_12_months_matches_the_exact_poisson_kernel(
    client_as: ClientAs, incidents: list[Incident]
) -> None:
    response = client_as("lcpc.jetioguz").get(URL, {"unit": JETI_OGUZ, **PERIOD})
    html = response.content.decode()
    # The latest record is 20 November 2003, so the last complete month is October 2003 (issue
    # 9: windows of complete months up to the municipality's own records, not to the chosen
    # end): Nov 2002 – Oct 2003 (5 Dec 2002, 9 Feb ×2, 20 Apr, 9 Jun 2003) against
    # Nov 2001 – Oct 2002 cut to the first record, 5 Jan 2002 (5 Jan, 5 Mar ×2, 5 Aug), 300 days.
    after = 10_000 * 61 / 365 + 10_000 * 304 / 365
    expected = rate_ratio(4, 10_000 * 300 / 365, 5, after)
    shown = html.split('data-testid="rate-ratio">')[1].split("<")[0].strip()
    assert shown == f"{expected.ratio:.2f}"
    assert f"{expected.lower:.2f}\xa0– {expected.upper:.2f}" in html
    assert "Nov 2002 – Oct 2003 against Nov 2001 – Oct 2002" in html


def test_the_coordinator_compares_with_the_rayon_and_the_programme(
    client_as: ClientAs, incidents: list[Incident]
) -> None:
    html = client_as("coordinator").get(URL, {"unit": JETI_OGUZ, **PERIOD}).content.decode()
    table = html.split('data-testid="comparison-table"')[1].split("</table>")[0]
    assert 'data-area="unit"' in table
    assert 'data-area="rayon"' in table and "Jeti-Oguz District" in table
    assert 'data-area="programme"' in table and 'data-area="oblast"' in table
    assert "public level" not in table  # the coordinator's own scope covers them
    assert [svg.get("id") for svg in svg_charts(html)][-1] == "crime-comparison"


def test_a_municipal_user_compares_with_the_rayon_at_the_public_level(
    client_as: ClientAs, incidents: list[Incident]
) -> None:
    """Issue 9, item 9: "compared with rayon and programme" showed only the user's own
    municipality; every signed-in user holds the public level for the whole country."""
    html = client_as("lcpc.jetioguz").get(URL, {"unit": JETI_OGUZ, **PERIOD}).content.decode()
    table = html.split('data-testid="comparison-table"')[1].split("</table>")[0]
    assert 'data-area="rayon"' in table and 'data-area="programme"' in table
    assert "public level" in table
    assert "nothing to compare" not in html


def test_a_karakol_user_sees_karakol_and_no_jeti_oguz_incident(
    client_as: ClientAs, incidents: list[Incident]
) -> None:
    html = client_as("lcpc.karakol").get(URL, PERIOD).content.decode()
    assert "Karakol" in html
    assert 'data-testid="no-incidents"' in html


def test_a_period_ending_before_it_starts_is_refused_and_the_form_kept(
    client_as: ClientAs,
) -> None:
    response = client_as("lcpc.jetioguz").get(
        URL, {"unit": JETI_OGUZ, "date_from": "2003-05-01", "date_to": "2003-01-01"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "must not be before its start" in html
    assert 'value="2003-05-01"' in html


def test_a_karakol_unit_is_not_offered_to_jeti_oguz(client_as: ClientAs) -> None:
    html = client_as("lcpc.jetioguz").get(URL).content.decode()
    assert f'value="{JETI_OGUZ}"' in html
    assert f'value="{KARAKOL}"' not in html


def test_a_municipality_without_population_shows_counts_and_says_why_there_is_no_rate(
    client_as: ClientAs,
) -> None:
    Incident.objects.all().delete()
    ak_dobo = AdministrativeUnit.objects.get(code="41702210805000")
    incident(unit=ak_dobo, occurred_on=dt.date(2003, 4, 1), latitude=None, longitude=None)
    response = client_as("coordinator").get(URL, {"unit": ak_dobo.code, **PERIOD})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="rate-note"' in html
    assert "No population is known" in html
    comparison = next(svg for svg in svg_charts(html) if svg.get("id") == "crime-comparison")
    unit_bars = comparison.findall(f".//{SVG}g[@data-series='0']/{SVG}rect")
    assert unit_bars == []  # no rate, no bar; the rayon and the programme have theirs


def test_without_dates_the_page_shows_the_two_years_before_the_last_recorded_incident(
    client_as: ClientAs,
) -> None:
    Incident.objects.all().delete()
    incident(occurred_on=dt.date(2004, 3, 10))
    incident(occurred_on=dt.date(2004, 5, 6))
    html = client_as("lcpc.jetioguz").get(URL).content.decode()
    # To the last complete month of the records: April 2004 (May is not complete).
    assert 'value="2002-01-01"' in html and 'value="2004-04-30"' in html
    assert len(svg_charts(html)[0].findall(f".//{SVG}circle")) == 28  # Jan 2002 – Apr 2004


@pytest.mark.parametrize(
    "dates",
    [
        {"date_from": "0001-01-01", "date_to": "0001-03-01"},
        {"date_from": "1990-12-31", "date_to": "1992-01-01"},
        {"date_from": "", "date_to": "1990-06-01"},
        {"date_from": "1900-01-01", "date_to": ""},
    ],
)
def test_dates_before_1991_are_refused_with_a_message_and_the_form_kept(
    client_as: ClientAs, incidents: list[Incident], dates: dict[str, str]
) -> None:
    response = client_as("lcpc.jetioguz").get(URL, {"unit": JETI_OGUZ, **dates})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Dates before 1991 are not accepted" in html
    typed = dates["date_from"] or dates["date_to"]
    assert f'value="{typed}"' in html
    assert 'data-testid="year-table"' not in html


def test_an_empty_end_date_does_not_skip_the_20_year_limit(client_as: ClientAs) -> None:
    Incident.objects.all().delete()
    incident(occurred_on=dt.date(2020, 5, 6))
    response = client_as("lcpc.jetioguz").get(
        URL, {"unit": JETI_OGUZ, "date_from": "1995-01-01", "date_to": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "at most 20 years" in html
    assert 'value="1995-01-01"' in html


def test_an_end_date_alone_shows_the_two_years_before_it(client_as: ClientAs) -> None:
    Incident.objects.all().delete()
    incident(occurred_on=dt.date(2004, 5, 6))
    response = client_as("lcpc.jetioguz").get(
        URL, {"unit": JETI_OGUZ, "date_from": "", "date_to": "2001-06-30"}
    )
    assert response.status_code == 200
    rows = response.content.decode().split('data-testid="year-table"')[1].split("</table>")[0]
    assert [label.split(" ")[0] for label in year_columns(rows)] == ["1999", "2000", "2001"]


def test_a_part_year_has_an_annualised_rate_and_says_which_days_it_covers(
    client_as: ClientAs, incidents: list[Incident]
) -> None:
    period = {"date_from": "2002-01-01", "date_to": "2003-06-30"}
    html = client_as("coordinator").get(URL, {"unit": JETI_OGUZ, **period}).content.decode()
    # By hand: 2003 up to 30 June holds four incidents (9 Feb twice, 20 Apr, 9 Jun) in 181 of
    # 365 days, 10,000 residents: 4 / (10,000 × 181 / 365) × 10,000 per year.
    part_rate = 4 / (10_000 * 181 / 365) * 10_000
    assert f"{part_rate:.1f}" == "8.1"
    year_table = html.split('data-testid="year-table"')[1].split("</table>")[0]
    assert "Per 10,000 residents per year" in year_table
    assert year_columns(year_table)[1] == "2003 (1 Jan – 30 Jun)"
    assert row_cells(year_table, "rate") == ["5.0", "8.1"]
    comparison = html.split('data-testid="comparison-table"')[1].split("</table>")[0]
    assert "2003 (1 Jan – 30 Jun)" in comparison
    assert "per 10,000 residents per year" in comparison
    unit_row = comparison.split('data-area="unit"')[1].split("</tr>")[0]
    assert re.findall(r'<td class="text-end">([0-9.—]+)</td>', unit_row)[:2] == ["5.0", "8.1"]
    chart = next(svg for svg in svg_charts(html) if svg.get("id") == "crime-comparison")
    bars = chart.findall(f".//{SVG}g[@data-series='0']/{SVG}rect")
    titles = [bar.findtext(f"{SVG}title", "") for bar in bars]
    assert titles[1].startswith("2003 (1 Jan – 30 Jun)")
    assert titles[1].endswith(f": {part_rate:.2f}")


def test_the_12_months_before_are_cut_to_the_first_record_and_said_so(
    client_as: ClientAs, incidents: list[Incident]
) -> None:
    period = {"date_from": "2002-07-01", "date_to": "2003-10-31"}
    html = client_as("lcpc.jetioguz").get(URL, {"unit": JETI_OGUZ, **period}).content.decode()
    # The records begin on 5 January 2002: the 12 months before (1 Nov 2001 – 31 Oct 2002) are
    # cut to 5 Jan – 31 Oct 2002 (300 days); after: 1 Nov 2002 – 31 Oct 2003, 365 days.
    before = 10_000 * 300 / 365
    after = 10_000 * 61 / 365 + 10_000 * 304 / 365
    # Before: 5 Jan, 5 Mar ×2, 5 Aug 2002; after: 5 Dec 2002, 9 Feb ×2, 20 Apr, 9 Jun 2003.
    expected = rate_ratio(4, before, 5, after)
    shown = html.split('data-testid="rate-ratio">')[1].split("<")[0].strip()
    assert shown == f"{expected.ratio:.2f}"
    assert "The records begin on 05.01.2002" in html
