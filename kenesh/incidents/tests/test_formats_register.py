"""Dates, decimals and intervals on the register's pages read as the official's language writes
them (kenesh.core.formats): day-first dates in ky, ru and en, a decimal comma in ky and ru, and
never two decimal separators in one row."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable

import pytest
from django.test import Client

from kenesh.incidents.models import Incident
from kenesh.incidents.tests.factories import IncidentFactory
from kenesh.incidents.tests.test_evaluation import PAGE, incidents, query  # noqa: F401

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
# language → (decimal separator, the other one, which must not appear in the same row)
SEPARATORS = {"ky": (",", "."), "ru": (",", "."), "en": (".", ",")}


def in_language(client: Client, language: str) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def by_testid(html: str, name: str, tag: str = "dd") -> str:
    found = re.search(rf'data-testid="{name}">(.*?)</{tag}>', html, re.S)
    assert found, f"no {name} on the page"
    return found.group(1)


@pytest.fixture
def located_incident(db: None) -> Incident:
    return IncidentFactory.create(
        occurred_on=dt.date(2025, 12, 2),
        reported_on=dt.date(2025, 12, 3),
        latitude=42.337251,
        longitude=78.224,
    )


@pytest.mark.parametrize("language", ["ky", "ru", "en"])
def test_the_incident_page_shows_day_first_dates_and_the_languages_decimals(
    client_as: ClientAs, located_incident: Incident, language: str
) -> None:
    client = in_language(client_as("police.jetioguz"), language)
    html = client.get(f"/incidents/{located_incident.pk}/").content.decode()
    decimal, other = SEPARATORS[language]

    assert by_testid(html, "occurred").strip() == "02.12.2025"
    assert "2025-12-02" not in html and "12/02/2025" not in html
    location = by_testid(html, "location")
    assert location == f"42{decimal}33725; 78{decimal}22400"
    assert not re.search(rf"\d{re.escape(other)}\d", location)


@pytest.mark.parametrize("language", ["ky", "ru", "en"])
def test_the_incident_list_shows_day_first_dates(
    client_as: ClientAs, located_incident: Incident, language: str
) -> None:
    client = in_language(client_as("police.jetioguz"), language)
    html = client.get("/incidents/", {"from": "2025-12-01", "to": "2025-12-31"}).content.decode()
    assert f'href="/incidents/{located_incident.pk}/">02.12.2025</a>' in html


@pytest.mark.usefixtures("incidents")
@pytest.mark.parametrize("language", ["ky", "ru", "en"])
def test_the_evaluation_reading_gives_its_estimate_and_interval_with_one_separator(
    client_as: ClientAs, language: str
) -> None:
    client = in_language(client_as("coordinator"), language)
    response = client.get(PAGE, {**query(), "before_months": 12, "after_months": 12})
    reading = by_testid(response.content.decode(), "evaluation-reading", "p")
    decimal, other = SEPARATORS[language]

    # Figures with one or two decimals ("per 10,000 person-years" is words, not a figure).
    numbers = re.findall(r"\d+[.,]\d{1,2}(?!\d)", reading)
    assert len(numbers) >= 7, reading  # four rates, the ratio and its interval's two limits
    assert all(decimal in number for number in numbers), reading
    assert not re.search(rf"\d{re.escape(other)}\d{{1,2}}(?!\d)", reading)


@pytest.mark.parametrize("language", ["ky", "ru", "en"])
def test_the_csv_download_keeps_iso_dates_and_a_decimal_point_in_every_language(
    client_as: ClientAs, located_incident: Incident, language: str
) -> None:
    client = in_language(client_as("police.jetioguz"), language)
    response = client.get(
        "/api/v1/incidents/export/csv", {"from": "2025-12-02", "to": "2025-12-02"}
    )
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]

    row = list(csv.reader(io.StringIO(text)))[1]
    assert "2025-12-02" in row and "02.12.2025" not in text
    assert "42.337251" in row and "78.224" in row
