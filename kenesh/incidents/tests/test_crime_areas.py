"""The crime page's areas and windows (issue 9, items 2 and 3): pilots first, the programme by
default for a coordinator, each municipality compared in its own complete months."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.test import Client

from kenesh.geo.models import AdministrativeUnit
from kenesh.incidents.models import Incident
from kenesh.incidents.tests.factories import IncidentFactory
from kenesh.orgs.models import Programme
from kenesh.portal.demo import JETI_OGUZ, KARAKOL

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
URL = "/analysis/crime/"


@pytest.fixture
def client_as(client_as: ClientAs) -> ClientAs:
    def make(username: str) -> Client:
        client = client_as(username)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def unit(code: str) -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code=code)


@pytest.fixture
def two_years_to_august_2025() -> None:
    """Karakol and Jeti-Oguz with records every month from September 2023 to August 2025."""
    Incident.objects.all().delete()
    for code in (KARAKOL, JETI_OGUZ):
        day = dt.date(2023, 9, 10)
        while day <= dt.date(2025, 8, 10):
            for _ in range(3):
                IncidentFactory.create(unit=unit(code), occurred_on=day)
            day = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=10)
        IncidentFactory.create(unit=unit(code), occurred_on=dt.date(2025, 8, 31))


def area_options(html: str) -> list[str]:
    select = html.split('name="area"')[1].split("</select>")[0]
    return re.findall(r'<option value="([^"]+)"', select)


def test_the_coordinator_opens_on_the_programme_with_pilots_listed_first(
    client_as: ClientAs,
) -> None:
    html = client_as("coordinator").get(URL).content.decode()
    programme = Programme.objects.get()
    options = area_options(html)
    assert f'value="programme:{programme.pk}" selected' in html
    pilots = set(programme.municipalities.values_list("code", flat=True))
    codes = [value for value in options if value.isdigit()]
    assert set(codes[: len(pilots)]) == pilots
    assert "all" in options and any(value.startswith("oblast:") for value in options)
    assert 'data-testid="members-table"' in html


def test_two_municipalities_of_the_same_name_are_told_apart_by_rayon(
    client_as: ClientAs,
) -> None:
    html = client_as("coordinator").get(URL).content.decode()
    select = html.split('name="area"')[1].split("</select>")[0]
    labels = re.findall(r"<option[^>]*>([^<]+)</option>", select)
    assert len(labels) == len(set(labels))


def test_a_municipal_user_cannot_ask_for_another_municipality(client_as: ClientAs) -> None:
    client = client_as("lcpc.jetioguz")
    assert client.get(URL, {"area": KARAKOL}).status_code == 404
    assert client.get(URL, {"unit": KARAKOL}).status_code == 404
    programme = Programme.objects.get()
    assert client.get(URL, {"area": f"programme:{programme.pk}"}).status_code == 404
    assert client.get(URL, {"area": JETI_OGUZ}).status_code == 200


def test_old_unit_addresses_still_open_that_municipality(client_as: ClientAs) -> None:
    html = client_as("coordinator").get(URL, {"unit": KARAKOL}).content.decode()
    assert f'value="{KARAKOL}" selected' in html
    assert 'data-testid="comparison-table"' in html


def test_one_incident_far_ahead_elsewhere_does_not_empty_karakols_last_12_months(
    client_as: ClientAs, two_years_to_august_2025: None
) -> None:
    """Issue 9, item 2: one incident dated 2026-12-01 in Jeti-Oguz made Karakol's "last 12
    months" a year without data (38 against 327, rate ratio 0.12) presented as a real fall."""
    client = client_as("coordinator")
    before = client.get(URL, {"area": KARAKOL}).content.decode()
    IncidentFactory.create(unit=unit(JETI_OGUZ), occurred_on=dt.date(2026, 12, 1))
    after = client.get(URL, {"area": KARAKOL}).content.decode()
    windows = "Sep 2024 – Aug 2025 against Sep 2023 – Aug 2024"
    assert windows in before and windows in after
    ratio = after.split('data-testid="rate-ratio">')[1].split("<")[0].strip()
    assert ratio == before.split('data-testid="rate-ratio">')[1].split("<")[0].strip()
    assert 0.9 < float(ratio) < 1.1  # the same three incidents a month throughout


def test_a_municipality_whose_records_stop_early_is_flagged_and_not_compared(
    client_as: ClientAs, two_years_to_august_2025: None
) -> None:
    Incident.objects.filter(unit__code=KARAKOL, occurred_on__gte=dt.date(2025, 3, 1)).delete()
    programme = Programme.objects.get()
    html = client_as("coordinator").get(URL, {"area": f"programme:{programme.pk}"}).content
    page = html.decode()
    row = page.split(f'data-unit="{KARAKOL}"')[1].split("</tr>")[0]
    assert row.startswith(' data-stale="true"')
    assert "records stop early" in row
    assert "Feb 2025" in row  # its latest record, as a month for an aggregate-only viewer
    assert 'data-testid="stale-note"' in page
    # The sum compares only the municipalities with records up to date.
    assert "Sep 2024 – Aug 2025 against Sep 2023 – Aug 2024" in page
    jeti_oguz = page.split(f'data-unit="{JETI_OGUZ}"')[1].split("</tr>")[0]
    assert "records stop early" not in jeti_oguz

    own = client_as("lcpc.karakol").get(URL).content.decode()
    # Alone on their page, Karakol's records are compared in their own windows.
    assert 'data-testid="stale-note"' not in own
    assert "Feb 2024 – Jan 2025 against Feb 2023 – Jan 2024" in own


def test_up_to_today_is_chosen_explicitly_and_flags_records_that_stop_before_it(
    client_as: ClientAs, two_years_to_august_2025: None
) -> None:
    html = client_as("lcpc.karakol").get(URL, {"up_to": "today"}).content.decode()
    # Today is long after August 2025 in any run of this test: Karakol's records stop early.
    assert 'data-testid="stale-note"' in html
    assert "31.08.2025" in html or "31/08/2025" in html
    assert 'data-testid="rate-ratio"' not in html
