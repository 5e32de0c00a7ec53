"""The hot spot map with orientation: the basemap API under the map, cells named by their
nearest settlement, popups in words (plurals, empty hot cells), the unit list, and the
near-repeat page without incidents."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from django.test import Client
from django.utils import translation

from kenesh.accounts.tests.factories import UserFactory
from kenesh.core.permissions import Role
from kenesh.geo.basemap.models import BasemapFeature
from kenesh.geo.basemap.selectors import nearest_settlements
from kenesh.geo.models import AdministrativeUnit
from kenesh.incidents.models import Incident
from kenesh.incidents.spatial.selectors import HotspotCell
from kenesh.incidents.tests.factories import IncidentFactory
from kenesh.portal.demo import JETI_OGUZ

pytestmark = pytest.mark.django_db

HOTSPOTS = "/analysis/hotspots/"
NEAR_REPEAT = "/analysis/near-repeat/"
BASEMAP = "/api/v1/basemap"
KOCHKOR = "41704235816000"
#: Around Kochkor aiyl aimak, where the demo's Сары-Булак cluster lies.
KOCHKOR_BBOX = "75.6,42.1,75.95,42.35"


def kochkor_police() -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    unit = AdministrativeUnit.objects.get(code=KOCHKOR)
    client.force_login(UserFactory.create(role=Role.POLICE_OFFICER, unit=unit))
    return client


def english(username: str, client_as: Any) -> Client:
    client = client_as(username)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


# The basemap API ---------------------------------------------------------------------------------


def test_the_basemap_api_answers_the_features_in_an_extent_with_their_layer(
    client_as: Any,
) -> None:
    response = client_as("lcpc.jetioguz").get(BASEMAP, {"bbox": KOCHKOR_BBOX})
    assert response.status_code == 200
    data = response.json()
    assert data["type"] == "FeatureCollection" and not data["truncated"]
    names = {f["properties"]["name"] for f in data["features"]}
    assert {"Сары-Булак", "Кара-Суу"} <= names
    assert "Алай-Куу" not in names  # Kara-Kulja, far south: outside the extent
    kinds = {f["properties"]["kind"] for f in data["features"]}
    assert kinds == {"settlement", "road"}
    assert data["layers"] == [
        {
            "name": "demo-synthetic",
            "title": "Synthetic demo basemap (invented positions)",
            "source": "Kenesh demo, synthetic",
            "synthetic": True,
        }
    ]
    assert all(f["properties"]["synthetic"] for f in data["features"])
    # Settlements come first: names are never crowded out by roads.
    order = [f["properties"]["kind"] for f in data["features"]]
    assert order == sorted(order, key=lambda kind: kind != "settlement")


def test_names_follow_the_request_language_where_the_layer_gives_them(client_as: Any) -> None:
    client = english("lcpc.jetioguz", client_as)
    names = {
        f["properties"]["name"]
        for f in client.get(BASEMAP, {"bbox": KOCHKOR_BBOX}).json()["features"]
    }
    assert "Kochkor" in names and "Road KC-1" in names  # name:en
    assert "Сары-Булак" in names  # no English name in the file: its name


def test_the_basemap_is_sent_gzipped(client_as: Any) -> None:
    response = client_as("lcpc.jetioguz").get(
        BASEMAP, {"bbox": KOCHKOR_BBOX}, HTTP_ACCEPT_ENCODING="gzip"
    )
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"


@pytest.mark.parametrize(
    "bbox", ["", "1,2,3", "75,42,74,43", "x,y,z,w", "70,40,75,42", "nan,1,2,3"]
)
def test_a_bad_or_too_wide_extent_is_refused_with_a_message(client_as: Any, bbox: str) -> None:
    response = english("lcpc.jetioguz", client_as).get(BASEMAP, {"bbox": bbox})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["loc"][-1] == "bbox" and "degrees" in error["msg"]


def test_the_basemap_needs_a_login(db: None) -> None:
    assert Client().get(BASEMAP, {"bbox": KOCHKOR_BBOX}).status_code == 401


def test_every_role_reads_the_basemap_reference_data_and_a_user_without_one_does_not(
    db: None,
) -> None:
    for role in Role:
        client = Client()
        client.force_login(UserFactory.create(role=role))
        assert client.get(BASEMAP, {"bbox": KOCHKOR_BBOX}).status_code == 200, role
    client = Client()
    client.force_login(UserFactory.create(role=None))
    assert client.get(BASEMAP, {"bbox": KOCHKOR_BBOX}).status_code == 403


# Nearest settlements -----------------------------------------------------------------------------


def test_the_nearest_settlement_is_named_with_its_distance_and_none_beyond_reach() -> None:
    sary_bulak = BasemapFeature.objects.get(name="Сары-Булак")
    # About 1.1 km north of it, and a point in the middle of nowhere (far from any village).
    near, nowhere = nearest_settlements(
        [(sary_bulak.latitude + 0.01, sary_bulak.longitude), (41.0, 76.0)]
    )
    assert near is not None and near.name == "Сары-Булак" and near.synthetic
    assert near.distance_km == pytest.approx(1.112, abs=0.01)
    assert nowhere is None


# The hot spot page -------------------------------------------------------------------------------


def test_the_table_names_cells_by_their_nearest_settlement_with_coordinates_beside(
    client_as: Any,
) -> None:
    response = kochkor_police().get(
        HOTSPOTS,
        {
            "unit": KOCHKOR,
            "cell_m": "500",
            "category": "livestock_theft",
            "date_from": "2023-07-01",
            "date_to": "2023-07-31",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    first_row = page.split('data-testid="hotspot-table"')[1].split("<tbody>")[1].split("</tr>")[0]
    assert "near Сары-Булак, " in first_row and " km" in first_row
    assert 'class="text-body-secondary small text-nowrap">42.1' in first_row  # lat, lon below
    assert "Places are named from a synthetic basemap" in page
    assert 'data-basemap-url="/api/v1/basemap?bbox=75.' in page


def test_the_unit_list_puts_the_pilots_first_for_a_coordinator(client_as: Any) -> None:
    page = english("coordinator", client_as).get(HOTSPOTS).content.decode()
    select = page.split('name="unit"')[1].split("</select>")[0]
    assert "Programme municipalities" in select and "Other municipalities" in select
    assert select.index("Jeti-Oguz") < select.index("Other municipalities")


# Cells in words ----------------------------------------------------------------------------------


def cell(count: int | None, hotspot_class: int, *, small: bool = True) -> HotspotCell:
    ring = [[78.0, 42.0], [78.01, 42.0], [78.01, 42.01], [78.0, 42.01], [78.0, 42.0]]
    return HotspotCell(
        0, 0, count, 2.0, 0.01, 0.02, hotspot_class, ring, count is None, small=small
    )


def test_an_empty_cell_among_hot_cells_is_not_called_a_hot_spot() -> None:
    with translation.override("en"):
        empty = cell(0, 3)
        assert empty.class_label == "no incidents here, among hot spot cells (99 %)"
        assert "hot spot, confidence" not in empty.class_label
        assert empty.count_text == "0 incidents"
        assert "No incident in this cell itself" in empty.reading
        assert "eight neighbours" in empty.reading
        busy = cell(7, 3)
        assert busy.class_label == "hot spot, confidence 99 %"
        assert busy.reading.startswith("This cell and the eight around it hold more")


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("en", 1, "1 incident"),
        ("en", 2, "2 incidents"),
        ("ru", 1, "1 "),
        ("ru", 21, "21 "),
        ("en", None, "fewer than 5 incidents"),
    ],
)
def test_cell_counts_are_in_words_with_the_languages_plural(
    language: str, count: int | None, expected: str
) -> None:
    with translation.override(language):
        assert cell(count, 0).count_text.startswith(expected)


def test_a_cell_withheld_to_protect_another_is_never_said_to_hold_fewer_than_5() -> None:
    with translation.override("en"):
        withheld = cell(None, 0, small=False)
        assert "fewer than 5" not in withheld.count_text
        assert withheld.published.suppressed and not withheld.published.small


def test_the_geojson_carries_the_cells_texts_in_the_request_language(client_as: Any) -> None:
    data = (
        kochkor_police()
        .get(
            "/api/v1/analytics/hotspots",
            {
                "unit": KOCHKOR,
                "cell_m": "500",
                "category": "livestock_theft",
                "from": "2023-07-01",
                "to": "2023-07-31",
            },
        )
        .json()
    )
    cells = [f["properties"] for f in data["features"] if f["properties"]["kind"] == "cell"]
    assert cells and all(c["count_text"] and c["reading"] for c in cells)
    empty_hot = [c for c in cells if c["count"] == 0 and c["class"] > 0]
    assert empty_hot  # the cluster's empty neighbours are hot by Gi*
    for properties in empty_hot:
        assert properties["label"].startswith("no incidents here")
    singles = [c for c in cells if c["count"] == 1]
    assert all(c["count_text"] == "1 incident" for c in singles)


# Near repeats without incidents ------------------------------------------------------------------


def test_near_repeat_without_incidents_says_so_instead_of_a_table_of_zeros(
    client_as: Any,
) -> None:
    Incident.objects.filter(unit__code=JETI_OGUZ).delete()
    page = english("lcpc.jetioguz", client_as).get(NEAR_REPEAT, {"unit": JETI_OGUZ}).content
    text = page.decode()
    assert 'data-testid="near-repeat-empty"' in text
    assert "No incident with a location matches this choice" in text
    assert 'data-testid="knox-table"' not in text and "0 / 0" not in text


def test_near_repeat_with_incidents_too_far_apart_says_no_pair_is_close(
    client_as: Any,
) -> None:
    Incident.objects.filter(unit__code=JETI_OGUZ).delete()
    rng = np.random.default_rng(1)
    for k, (lat, lon) in enumerate(rng.uniform(-0.05, 0.05, (3, 2)) + np.array([42.33, 78.22])):
        IncidentFactory(
            latitude=float(lat), longitude=float(lon), occurred_on=dt.date(2020, 1 + 4 * k, 1)
        )
    text = english("lcpc.jetioguz", client_as).get(NEAR_REPEAT, {"unit": JETI_OGUZ}).content
    page = text.decode()
    assert "No two of these incidents happened less than 1600 m apart within 34 days" in page
    assert 'data-testid="knox-table"' not in page
