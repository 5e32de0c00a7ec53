"""Hot spot API: counts per cell, Gi* z-scores and FDR classes against an independent
computation (a brute-force count per cell, PySAL esda, a hand-written Benjamini–Hochberg)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import esda
import libpysal
import numpy as np
import pyproj
import pytest
from django.test import Client

from kenesh.geo.models import AdministrativeUnit
from kenesh.incidents.models import Incident
from kenesh.incidents.tests.factories import IncidentFactory
from kenesh.portal.demo import JETI_OGUZ

URL = "/api/v1/analytics/hotspots"
CENTRE = (42.33, 78.22)  # lat, lon in Jeti-Oguz


@pytest.fixture
def points(db: None) -> list[tuple[float, float]]:
    """Sixty located thefts (a tight cluster and scattered ones) and two without a location;
    nothing else in the register, and Jeti-Oguz without a boundary."""
    Incident.objects.all().delete()
    AdministrativeUnit.objects.filter(code=JETI_OGUZ).update(boundary=None)
    rng = np.random.default_rng(7)
    cluster = rng.normal(0.0, 0.0015, (30, 2)) + CENTRE
    scattered = rng.uniform(-0.02, 0.02, (30, 2)) + CENTRE
    located = [(float(lat), float(lon)) for lat, lon in np.vstack([cluster, scattered])]
    for lat, lon in located:
        IncidentFactory(latitude=lat, longitude=lon, occurred_on=dt.date(2024, 6, 15))
    IncidentFactory.create_batch(2, latitude=None, longitude=None)
    return located


def get(client: Client, **params: Any) -> Any:
    return client.get(URL, {"unit": JETI_OGUZ, **params})


def brute_force_grid(
    located: list[tuple[float, float]], epsg: int, cell_m: float
) -> tuple[dict[tuple[int, int], int], int, int, float, float]:
    """Counts per (row, col) with one loop over the points, and the grid's shape and origin."""
    to_utm = pyproj.Transformer.from_crs(4326, epsg, always_xy=True)
    projected = [to_utm.transform(lon, lat) for lat, lon in located]
    first_col = min(math.floor(x / cell_m) for x, _ in projected)
    first_row = min(math.floor(y / cell_m) for _, y in projected)
    last_col = max(math.floor(x / cell_m) for x, _ in projected)
    last_row = max(math.floor(y / cell_m) for _, y in projected)
    counts: dict[tuple[int, int], int] = {}
    for x, y in projected:
        key = (math.floor(y / cell_m) - first_row, math.floor(x / cell_m) - first_col)
        counts[key] = counts.get(key, 0) + 1
    n_rows, n_cols = last_row - first_row + 1, last_col - first_col + 1
    return counts, n_rows, n_cols, first_col * cell_m, first_row * cell_m


def benjamini_hochberg(p: np.ndarray, alpha: float) -> np.ndarray:
    ordered = sorted(p)
    m = len(ordered)
    cut = -1.0
    for k, value in enumerate(ordered, start=1):
        if value <= k * alpha / m:
            cut = value
    return p <= cut


def cells_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [f["properties"] for f in body["features"] if f["properties"]["kind"] == "cell"]


@pytest.mark.parametrize("cell_m", [100, 250, 1000])
def test_cell_counts_and_gi_star_equal_a_brute_force_count_and_esda(
    points: list[tuple[float, float]], client_as: Any, cell_m: int
) -> None:
    response = get(client_as("lcpc.jetioguz"), cell_m=cell_m)
    assert response.status_code == 200
    body = response.json()
    grid = body["grid"]
    assert grid["epsg"] == 32600 + math.floor((CENTRE[1] + 180) / 6) + 1  # UTM zone 44 N
    counts, n_rows, n_cols, x_min, y_min = brute_force_grid(points, grid["epsg"], cell_m)
    assert (grid["n_rows"], grid["n_cols"]) == (n_rows, n_cols)
    assert (grid["x_min_m"], grid["y_min_m"]) == (x_min, y_min)
    assert body["mapped"] == len(points) == 60
    assert body["not_mapped"] == 2

    y = np.zeros(n_rows * n_cols)
    for (row, col), count in counts.items():
        y[row * n_cols + col] = count
    reference = esda.G_Local(
        y,
        libpysal.weights.lat2W(n_rows, n_cols, rook=False),
        transform="B",
        star=True,
        permutations=0,
    )
    p = 2 * reference.p_norm
    levels = sum(benjamini_hochberg(p, alpha).astype(int) for alpha in (0.10, 0.05, 0.01))
    classes = np.sign(reference.Zs).astype(int) * levels

    cells = cells_of(body)
    by_position = {(cell["row"], cell["col"]): cell for cell in cells}
    assert len(by_position) == len(cells)
    for (row, col), count in counts.items():
        assert by_position[(row, col)]["count"] == count
    assert sum(cell["count"] for cell in cells) == 60
    for (row, col), cell in by_position.items():
        index = row * n_cols + col
        assert cell["count"] == counts.get((row, col), 0)
        assert cell["gi_z"] == pytest.approx(reference.Zs[index], abs=1e-9)
        assert cell["p"] == pytest.approx(p[index], abs=1e-12)
        assert cell["class"] == classes[index]
        # The adjusted p says at which levels the cell is a discovery.
        assert (cell["q"] <= 0.05) == bool(benjamini_hochberg(p, 0.05)[index])
    if cell_m <= 250:  # on a fine grid the cluster stands out as a hot spot
        assert max(cell["class"] for cell in cells) > 0


def test_the_map_holds_the_cells_with_incidents_their_neighbours_and_significant_cells(
    points: list[tuple[float, float]], client_as: Any
) -> None:
    body = get(client_as("lcpc.jetioguz"), cell_m=250).json()
    grid = body["grid"]
    counts, n_rows, n_cols, *_ = brute_force_grid(points, grid["epsg"], 250)
    expected = {
        (row + dr, col + dc)
        for row, col in counts
        for dr in (-1, 0, 1)
        for dc in (-1, 0, 1)
        if 0 <= row + dr < n_rows and 0 <= col + dc < n_cols
    }
    shown = {(cell["row"], cell["col"]) for cell in cells_of(body)}
    significant = {(c["row"], c["col"]) for c in cells_of(body) if c["class"] != 0}
    assert shown == expected | significant


def test_cells_are_closed_lon_lat_squares_around_their_points(
    points: list[tuple[float, float]], client_as: Any
) -> None:
    body = get(client_as("lcpc.jetioguz"), cell_m=500).json()
    features = [f for f in body["features"] if f["properties"]["kind"] == "cell"]
    for feature in features:
        ring = feature["geometry"]["coordinates"][0]
        assert feature["geometry"]["type"] == "Polygon"
        assert len(ring) == 5 and ring[0] == ring[-1]
    lat, lon = points[0]
    inside = [
        f
        for f in features
        if min(x for x, _ in f["geometry"]["coordinates"][0])
        <= lon
        <= max(x for x, _ in f["geometry"]["coordinates"][0])
        and min(y for _, y in f["geometry"]["coordinates"][0])
        <= lat
        <= max(y for _, y in f["geometry"]["coordinates"][0])
    ]
    assert any(f["properties"]["count"] > 0 for f in inside)


def test_filters_keep_only_the_period_and_category_asked_for(
    points: list[tuple[float, float]], client_as: Any
) -> None:
    IncidentFactory(occurred_on=dt.date(2023, 1, 10))  # outside the period
    IncidentFactory(iccs_id="0501", occurred_on=dt.date(2024, 6, 20))  # a burglary
    client = client_as("lcpc.jetioguz")
    thefts = get(
        client, **{"from": "2024-01-01", "to": "2024-12-31", "category": "livestock_theft"}
    )
    assert thefts.json()["mapped"] == 60
    burglaries = get(client, category="burglary").json()
    assert burglaries["mapped"] == 1
    assert sum(cell["count"] for cell in cells_of(burglaries)) == 1
    assert get(client).json()["mapped"] == 62


def test_nothing_located_gives_an_empty_map_with_the_unmapped_count(
    db: None, client_as: Any
) -> None:
    Incident.objects.all().delete()
    IncidentFactory(latitude=None, longitude=None)
    body = get(client_as("civil.jetioguz")).json()
    assert body["grid"] is None
    assert body["mapped"] == 0 and body["not_mapped"] == 1


def test_the_unit_boundary_is_a_feature_and_widens_the_study_grid(
    points: list[tuple[float, float]], client_as: Any
) -> None:
    lat, lon = CENTRE
    ring = [[lon - 0.1, lat - 0.1], [lon + 0.1, lat - 0.1], [lon + 0.1, lat + 0.1],
            [lon - 0.1, lat + 0.1], [lon - 0.1, lat - 0.1]]  # fmt: skip
    boundary = {"type": "Polygon", "coordinates": [ring]}
    AdministrativeUnit.objects.filter(code=JETI_OGUZ).update(boundary=boundary)
    body = get(client_as("lcpc.jetioguz"), cell_m=1000).json()
    units = [f for f in body["features"] if f["properties"]["kind"] == "unit"]
    assert [f["properties"]["code"] for f in units] == [JETI_OGUZ]
    assert units[0]["geometry"] == boundary
    grid = body["grid"]
    to_utm = pyproj.Transformer.from_crs(4326, grid["epsg"], always_xy=True)
    xs, ys = to_utm.transform([p[0] for p in ring], [p[1] for p in ring])
    assert grid["x_min_m"] <= min(xs) and grid["y_min_m"] <= min(ys)
    assert grid["x_min_m"] + grid["n_cols"] * 1000 >= max(xs)
    assert grid["y_min_m"] + grid["n_rows"] * 1000 >= max(ys)
    assert sum(cell["count"] for cell in cells_of(body)) == 60


@pytest.mark.parametrize(
    "params",
    [
        {"cell_m": 99},
        {"cell_m": 5001},
        {"cell_m": "big"},
        {"category": "poaching"},
        {"from": "2024-02-01", "to": "2024-01-01"},
        {"from": "yesterday"},
        {"to": "0"},
        {"from": "20240101"},
    ],
)
def test_bad_parameters_are_refused_with_a_json_message(
    db: None, client_as: Any, params: dict[str, Any]
) -> None:
    response = get(client_as("lcpc.jetioguz"), **params)
    assert response.status_code == 422
    assert response.json()["errors"]


def test_a_missing_unit_is_refused(db: None, client_as: Any) -> None:
    response = client_as("lcpc.jetioguz").get(URL)
    assert response.status_code == 422


def test_a_grid_too_large_is_refused_with_a_message_about_the_cell_size(
    points: list[tuple[float, float]], client_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kenesh.incidents.spatial.selectors.MAX_GRID_CELLS", 10)
    response = get(client_as("lcpc.jetioguz"), cell_m=100)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "cell_m"]
    assert "larger cells" in response.json()["errors"][0]["msg"]


@pytest.mark.parametrize("username", ["lcpc.karakol", "police.karakol"])
def test_a_karakol_user_gets_404_for_jeti_oguz(
    points: list[tuple[float, float]], client_as: Any, username: str
) -> None:
    response = get(client_as(username))
    assert response.status_code == 404


def test_an_unknown_unit_is_404(db: None, client_as: Any) -> None:
    assert client_as("lcpc.jetioguz").get(URL, {"unit": "41799999999999"}).status_code == 404


def test_anonymous_requests_are_401(db: None) -> None:
    assert get(Client()).status_code == 401


@pytest.mark.parametrize("username", ["coordinator", "civil.jetioguz", "registrar.jetioguz"])
def test_aggregate_only_roles_see_the_map(
    points: list[tuple[float, float]], client_as: Any, username: str
) -> None:
    response = get(client_as(username))
    assert response.status_code == 200
    assert response.json()["mapped"] == 60


def test_the_geojson_is_sent_gzipped_to_a_client_that_accepts_it(client_as: Any) -> None:
    import gzip
    import json

    client = client_as("lcpc.jetioguz")
    query = {"unit": JETI_OGUZ, "cell_m": 500}
    plain = client.get(URL, query)
    packed = client.get(URL, query, HTTP_ACCEPT_ENCODING="gzip")
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain and packed["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(packed.content)) == plain.json()
    assert len(packed.content) < len(plain.content) / 3
