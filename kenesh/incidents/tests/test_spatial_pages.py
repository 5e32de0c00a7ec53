"""Hot spot and near-repeat pages: the form, the results (table fallback of the map, Knox
table and readings), messages for bad input that keep what was typed, and scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from django.test import Client

from kenesh.incidents.models import Incident
from kenesh.incidents.tests.factories import IncidentFactory
from kenesh.portal.demo import JETI_OGUZ

HOTSPOTS = "/analysis/hotspots/"
NEAR_REPEAT = "/analysis/near-repeat/"


@pytest.fixture
def thefts(db: None) -> None:
    """Forty thefts in two bursts, each of twenty within a week around one place, the places two
    kilometres and the bursts two months apart; one theft without a location."""
    Incident.objects.all().delete()
    rng = np.random.default_rng(3)
    for burst, (place, start) in enumerate(
        [((42.33, 78.22), dt.date(2024, 6, 1)), ((42.35, 78.22), dt.date(2024, 8, 1))]
    ):
        for k, (lat, lon) in enumerate(rng.normal(0.0, 0.0006, (20, 2)) + np.array(place)):
            IncidentFactory(
                latitude=float(lat),
                longitude=float(lon),
                occurred_on=start + dt.timedelta(days=(k + burst) % 7),
            )
    IncidentFactory(latitude=None, longitude=None)


def text(response: Any) -> str:
    return response.content.decode()


def test_the_near_repeat_page_offers_the_form_with_the_users_municipality(
    db: None, client_as: Any
) -> None:
    response = client_as("lcpc.jetioguz").get(NEAR_REPEAT)
    assert response.status_code == 200
    assert f'<option value="{JETI_OGUZ}" selected>' in text(response)
    assert "data-testid=" not in text(response).split("</form>", 2)[-1]  # no results yet


def test_the_hotspot_page_opens_on_the_users_municipality_mapped_with_the_default_period(
    db: None, client_as: Any
) -> None:
    """No blank page before "Show": the first visit maps the user's own municipality."""
    response = client_as("lcpc.jetioguz").get(HOTSPOTS)
    page = text(response)
    assert response.status_code == 200
    assert f'<option value="{JETI_OGUZ}" selected>' in page
    results = page.split("</form>", 2)[-1]
    assert 'data-testid="hotspot-summary"' in results and 'id="hotspot-map"' in results
    assert f"unit={JETI_OGUZ}&amp;cell_m=500" in results  # the default cell size, no dates
    assert "&amp;from=" not in results and "&amp;to=" not in results


def test_the_hotspot_page_shows_the_map_legend_and_table(thefts: None, client_as: Any) -> None:
    response = client_as("lcpc.jetioguz").get(
        HOTSPOTS, {"unit": JETI_OGUZ, "cell_m": 200, "category": "livestock_theft"}
    )
    page = text(response)
    assert response.status_code == 200
    assert 'id="hotspot-map"' in page
    assert f'data-url="/api/v1/analytics/hotspots?unit={JETI_OGUZ}&amp;cell_m=200&amp;' in page
    assert "/static/leaflet/leaflet.js" in page and "/static/incidents/hotspot_map.js" in page
    assert "40 incidents on the map in cells of 200 m" in page
    assert "1 incident has no location and is not mapped." in page
    assert "hot spot, confidence 99 %</td>" in page  # the table fallback lists the cluster
    assert "<script>" not in page and 'style="' not in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"cell_m": 50}, "100"),
        ({"cell_m": 9000}, "5000"),
        ({"date_from": "2024-06-10", "date_to": "2024-06-01"}, "must not be before its start"),
    ],
)
def test_bad_hotspot_input_is_a_message_and_the_form_keeps_it(
    thefts: None, client_as: Any, params: dict[str, Any], message: str
) -> None:
    response = client_as("lcpc.jetioguz").get(
        HOTSPOTS, {"unit": JETI_OGUZ, "cell_m": 500, **params}
    )
    page = text(response)
    assert response.status_code == 200
    assert "invalid-feedback" in page and message in page
    assert 'id="hotspot-map"' not in page
    for value in params.values():
        assert f'value="{value}"' in page


def test_a_grid_too_large_is_a_message_on_the_cell_size(
    thefts: None, client_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kenesh.incidents.spatial.selectors.MAX_MAP_CELLS", 3)
    page = text(client_as("lcpc.jetioguz").get(HOTSPOTS, {"unit": JETI_OGUZ, "cell_m": 100}))
    assert 'id="id_cell_m_error"' in page and "choose larger cells" in page


def test_the_near_repeat_page_shows_the_knox_table_and_readings(
    thefts: None, client_as: Any
) -> None:
    response = client_as("civil.jetioguz").get(
        NEAR_REPEAT,
        {
            "unit": JETI_OGUZ,
            "category": "livestock_theft",
            "space_edges": "0,200,400",
            "time_edges": "0,7,14",
            "permutations": 99,
        },
        headers={"accept-language": "en"},
    )
    page = text(response)
    assert response.status_code == 200
    assert 'data-testid="knox-table"' in page
    assert "40 incidents with a location, 99 permutations." in page
    assert "1 incident has no location and is left out." in page
    assert "Less than 200 m and 0–6 days away from an incident of livestock theft" in page
    assert page.count('<th scope="row"') == 2
    header = page.split('data-testid="knox-table"', 1)[1].split("</thead>", 1)[0]
    assert ">0–6 days</th>" in header and ">7–13 days</th>" in header
    assert "0–7 days" not in page
    assert ">less than 200 m</th>" in page and ">200 to under 400 m</th>" in page


def test_bad_band_edges_are_a_message_and_the_form_keeps_them(thefts: None, client_as: Any) -> None:
    page = text(
        client_as("lcpc.jetioguz").get(
            NEAR_REPEAT,
            {"unit": JETI_OGUZ, "space_edges": "0,400,200", "time_edges": "0,7", "permutations": 9},
        )
    )
    assert "Band edges must increase." in page
    assert 'value="0,400,200"' in page
    assert 'data-testid="knox-table"' not in page


@pytest.mark.parametrize("url", [HOTSPOTS, NEAR_REPEAT])
@pytest.mark.parametrize("username", ["lcpc.karakol", "police.karakol"])
def test_a_karakol_user_gets_404_for_jeti_oguz(
    thefts: None, client_as: Any, url: str, username: str
) -> None:
    assert client_as(username).get(url, {"unit": JETI_OGUZ}).status_code == 404


@pytest.mark.parametrize("url", [HOTSPOTS, NEAR_REPEAT])
def test_the_rayon_above_is_403(db: None, client_as: Any, url: str) -> None:
    from kenesh.geo.models import AdministrativeUnit

    rayon = AdministrativeUnit.objects.get(code=JETI_OGUZ).parent
    assert rayon is not None
    assert client_as("lcpc.jetioguz").get(url, {"unit": rayon.code}).status_code == 403


@pytest.mark.parametrize("url", [HOTSPOTS, NEAR_REPEAT])
def test_anonymous_visitors_are_sent_to_log_in(db: None, url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_an_address_naming_only_the_unit_gets_the_default_bands(client_as: Any) -> None:
    client = client_as("lcpc.jetioguz")
    response = client.get(NEAR_REPEAT, {"unit": JETI_OGUZ, "category": "livestock_theft"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "is-invalid" not in page
    assert 'value="0,100,200,400,800,1600"' in page
    hotspots = client.get(HOTSPOTS, {"unit": JETI_OGUZ})
    assert hotspots.status_code == 200 and "is-invalid" not in hotspots.content.decode()
