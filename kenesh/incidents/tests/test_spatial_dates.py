"""Periods of the hot spot and near-repeat analyses: a date before the register's first day
(1991-01-01) is a translated message, on the page and in the API, and no date the browser or a
client can send, however extreme, is a server error."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation

from kenesh.incidents.models import Incident
from kenesh.incidents.tests.factories import IncidentFactory
from kenesh.portal.demo import JETI_OGUZ

PAGES = ["/analysis/hotspots/", "/analysis/near-repeat/"]
APIS = ["/api/v1/analytics/hotspots", "/api/v1/analytics/near-repeat"]
MESSAGE = "Dates before 1991 are not accepted; check the year."
PAGE_DEFAULTS: dict[str, dict[str, Any]] = {
    "/analysis/hotspots/": {"cell_m": 500},
    "/analysis/near-repeat/": {
        "space_edges": "0,100,200",
        "time_edges": "0,7,14",
        "permutations": 9,
    },
}


@pytest.fixture
def incidents(db: None) -> None:
    Incident.objects.all().delete()
    for day in range(3):
        IncidentFactory(
            latitude=42.33 + day * 0.0005, longitude=78.22, occurred_on=dt.date(2024, 5, 1 + day)
        )


def test_the_earliest_date_is_the_registers_first_day_with_one_message() -> None:
    from kenesh.core import dates
    from kenesh.incidents import models

    assert dt.date(1991, 1, 1) == dates.EARLIEST_DATE == models.MIN_DATE
    with translation.override("en"):
        assert dates.earliest_date_message() == MESSAGE


@pytest.mark.parametrize("url", APIS)
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "1990-12-31"}, "from"),
        ({"to": "1990-12-31"}, "to"),
        ({"from": "0001-01-01"}, "from"),
        ({"from": "0001-01-01", "to": "0001-01-02"}, "from"),
    ],
)
def test_the_api_refuses_dates_before_1991_with_a_message(
    incidents: None, client_as: Any, url: str, params: dict[str, str], field: str
) -> None:
    response = client_as("lcpc.jetioguz").get(
        url, {"unit": JETI_OGUZ, **params}, headers={"accept-language": "en"}
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert any(error["loc"][-1] == field and MESSAGE in error["msg"] for error in errors)


@pytest.mark.parametrize("url", APIS)
def test_the_message_is_translated(incidents: None, client_as: Any, url: str) -> None:
    with translation.override("ru"):
        russian = str(translation.gettext(MESSAGE))
    response = client_as("lcpc.jetioguz").get(
        url, {"unit": JETI_OGUZ, "from": "1990-01-01"}, headers={"accept-language": "ru"}
    )
    assert response.status_code == 422
    assert russian in str(response.json()["errors"])


@pytest.mark.parametrize("url", APIS)
@pytest.mark.parametrize(
    "params",
    [
        {"from": "1991-01-01"},
        {"to": "9999-12-31"},
        {"from": "9999-12-31"},
        {"from": "9999-12-31", "to": "9999-12-31"},
        {"from": "1991-01-01", "to": "9999-12-31"},
    ],
)
def test_the_api_answers_for_the_first_day_and_the_last_representable_one(
    incidents: None, client_as: Any, url: str, params: dict[str, str]
) -> None:
    response = client_as("lcpc.jetioguz").get(url, {"unit": JETI_OGUZ, **params})
    assert response.status_code == 200
    body = response.json()
    counted = body.get("mapped", body.get("events"))
    assert counted == (0 if params.get("from") == "9999-12-31" else 3)


@pytest.mark.parametrize("url", APIS)
@pytest.mark.parametrize(
    "params", [{"from": "10000-01-01"}, {"to": "0000-12-31"}, {"to": "2024-02-30"}]
)
def test_the_api_refuses_dates_that_do_not_exist(
    incidents: None, client_as: Any, url: str, params: dict[str, str]
) -> None:
    response = client_as("lcpc.jetioguz").get(url, {"unit": JETI_OGUZ, **params})
    assert response.status_code == 422
    assert all(error["msg"] for error in response.json()["errors"])


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(
    ("field", "value"),
    [("date_from", "1990-12-31"), ("date_to", "1990-12-31"), ("date_from", "0001-01-01")],
)
def test_the_page_refuses_dates_before_1991_and_keeps_what_was_typed(
    incidents: None, client_as: Any, url: str, field: str, value: str
) -> None:
    response = client_as("lcpc.jetioguz").get(
        url,
        {"unit": JETI_OGUZ, **PAGE_DEFAULTS[url], field: value},
        headers={"accept-language": "en"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{field}_error">{MESSAGE}' in page
    assert f'value="{value}"' in page
    assert 'id="hotspot-map"' not in page and 'data-testid="knox-table"' not in page


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "1991-01-01", "date_to": "9999-12-31"},
        {"date_from": "9999-12-31", "date_to": "9999-12-31"},
        {"date_to": "9999-12-31"},
    ],
)
def test_the_page_answers_for_extreme_but_valid_dates(
    incidents: None, client_as: Any, url: str, params: dict[str, str]
) -> None:
    response = client_as("lcpc.jetioguz").get(
        url, {"unit": JETI_OGUZ, **PAGE_DEFAULTS[url], **params}, headers={"accept-language": "en"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "invalid-feedback" not in page
    if params.get("date_from") == "9999-12-31":
        assert "No incident with a location matches" in page or "0 incidents with" in page
    else:
        assert "3 incidents" in page


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("value", ["10000-01-01", "0000-01-01", "2024-02-30", "99999999"])
def test_the_page_refuses_dates_that_do_not_exist(
    incidents: None, client_as: Any, url: str, value: str
) -> None:
    response = client_as("lcpc.jetioguz").get(
        url, {"unit": JETI_OGUZ, **PAGE_DEFAULTS[url], "date_from": value}
    )
    assert response.status_code == 200
    assert 'id="id_date_from_error"' in response.content.decode()
