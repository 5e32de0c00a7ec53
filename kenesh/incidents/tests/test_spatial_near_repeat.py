"""Near-repeat API: the Knox table's observed pairs against a brute-force pair count, its
expected counts and p-values from the kernel with the same seed, readings, limits and scope."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from typing import Any

import numpy as np
import pyproj
import pytest
from django.test import Client
from django.utils import translation

from kenesh.analytics.nearrepeat import knox
from kenesh.incidents.models import Incident
from kenesh.incidents.spatial import selectors as spatial
from kenesh.incidents.tests.factories import IncidentFactory
from kenesh.portal.demo import JETI_OGUZ

URL = "/api/v1/analytics/near-repeat"
CENTRE = (42.33, 78.22)
START = dt.date(2024, 3, 1)


@pytest.fixture
def events(db: None) -> list[tuple[float, float, dt.date]]:
    """Eighty thefts: forty in space–time clusters (a few days and a few hundred metres apart)
    and forty scattered over a year and four kilometres; one more without a location."""
    Incident.objects.all().delete()
    rng = np.random.default_rng(11)
    made: list[tuple[float, float, dt.date]] = []
    for _ in range(8):
        lat0, lon0 = rng.uniform(-0.02, 0.02, 2) + CENTRE
        day0 = int(rng.integers(0, 300))
        for _member in range(5):
            lat, lon = rng.normal(0.0, 0.0008, 2) + np.array([lat0, lon0])
            made.append((lat, lon, START + dt.timedelta(days=day0 + int(rng.integers(0, 6)))))
    for _ in range(40):
        lat, lon = rng.uniform(-0.02, 0.02, 2) + CENTRE
        made.append((lat, lon, START + dt.timedelta(days=int(rng.integers(0, 365)))))
    for lat, lon, day in made:
        IncidentFactory(latitude=float(lat), longitude=float(lon), occurred_on=day)
    IncidentFactory(latitude=None, longitude=None, occurred_on=START)
    return [(float(lat), float(lon), day) for lat, lon, day in made]


def get(client: Client, **params: Any) -> Any:
    return client.get(URL, {"unit": JETI_OGUZ, **params})


def test_observed_pairs_equal_a_brute_force_count(events: list[Any], client_as: Any) -> None:
    response = get(client_as("lcpc.jetioguz"), permutations=19)
    assert response.status_code == 200
    body = response.json()
    assert body["events"] == 80 and body["not_mapped"] == 1
    assert body["epsg"] == 32600 + math.floor((CENTRE[1] + 180) / 6) + 1
    space, time = body["space_edges_m"], body["time_edges_days"]
    assert space == [0, 100, 200, 400, 800, 1600] and time == [0, 7, 14, 21, 28, 35]
    to_utm = pyproj.Transformer.from_crs(4326, body["epsg"], always_xy=True)
    points = [(*to_utm.transform(lon, lat), day) for lat, lon, day in events]
    observed = np.zeros((5, 5), dtype=int)
    for (x1, y1, d1), (x2, y2, d2) in itertools.combinations(points, 2):
        distance = math.hypot(x1 - x2, y1 - y2)
        days = abs((d1 - d2).days)
        for k in range(5):
            for m in range(5):
                if space[k] <= distance < space[k + 1] and time[m] <= days < time[m + 1]:
                    observed[k, m] += 1
    bands = body["bands"]
    assert len(bands) == 25
    table = np.array([band["observed"] for band in bands]).reshape(5, 5)
    np.testing.assert_array_equal(table, observed)
    assert observed[0, 0] > 0
    assert [(b["space_from"], b["space_to"]) for b in bands[::5]] == list(itertools.pairwise(space))


def test_expected_and_p_are_the_kernels_with_the_fixed_seed(
    events: list[Any], client_as: Any
) -> None:
    body = get(
        client_as("lcpc.jetioguz"), permutations=49, space_edges="0,250,1000", time_edges="0,10,30"
    ).json()
    # The API hands the kernel the events by date, then registration (creation) order.
    order = sorted(range(len(events)), key=lambda i: (events[i][2], i))
    to_utm = pyproj.Transformer.from_crs(4326, body["epsg"], always_xy=True)
    x, y = to_utm.transform([events[i][1] for i in order], [events[i][0] for i in order])
    days = [events[i][2].toordinal() for i in order]
    reference = knox(x, y, days, [0, 250, 1000], [0, 10, 30], permutations=49, seed=0)
    bands = body["bands"]
    np.testing.assert_array_equal(
        np.array([b["observed"] for b in bands]).reshape(2, 2), reference.observed
    )
    np.testing.assert_allclose(
        np.array([b["expected"] for b in bands]).reshape(2, 2), reference.expected, rtol=1e-12
    )
    np.testing.assert_allclose(np.array([b["p"] for b in bands]).reshape(2, 2), reference.p)
    assert body["seed"] == 0 and body["permutations"] == 49
    for band in body["bands"]:
        assert 1 / 50 <= band["p"] <= 1
        if band["expected"] > 0:
            assert band["ratio"] == pytest.approx(band["observed"] / band["expected"])
    again = get(
        client_as("lcpc.jetioguz"), permutations=49, space_edges="0,250,1000", time_edges="0,10,30"
    ).json()
    assert again == body  # reproducible


def test_significant_bands_are_read_in_plain_language(events: list[Any], client_as: Any) -> None:
    body = get(client_as("lcpc.jetioguz"), category="livestock_theft", permutations=99).json()
    first = body["bands"][0]
    assert first["significant"] and first["ratio"] > 1 and first["p"] < 0.05
    assert first["space_label"] == "less than 100 m" and first["time_label"] == "0–6 days"
    assert first["reading"] == (
        f"Less than 100 m and 0–6 days away from an incident of livestock theft, the risk of "
        f"another is {first['ratio']:.1f} times the expected."
    )
    for band in body["bands"]:
        assert bool(band["reading"]) == band["significant"]
        assert band["significant"] == (
            band["ratio"] is not None and band["ratio"] > 1 and band["p"] < 0.05
        )


def days_in(label: str) -> range:
    """The whole days a time band's label names: "7–13 days" or "1 day"."""
    numbers = [int(number) for number in re.findall(r"\d+", label)]
    return range(numbers[0], numbers[-1] + 1)


def test_a_pair_exactly_one_week_apart_is_in_the_second_band_and_its_label_says_so(
    db: None, client_as: Any
) -> None:
    """Pairs 0, 6, 7, 13 and 14 days apart, each at one place kilometres from the others: the
    label of every time band names exactly the whole days of the pairs counted in it."""
    Incident.objects.all().delete()
    gaps = [0, 6, 7, 13, 14]
    made: list[tuple[float, float, dt.date]] = []
    for k, gap in enumerate(gaps):
        lat, lon = CENTRE[0] + 0.03 * k, CENTRE[1]
        for day in (START, START + dt.timedelta(days=gap)):
            IncidentFactory(latitude=lat, longitude=lon, occurred_on=day)
            made.append((lat, lon, day))
    body = get(client_as("lcpc.jetioguz"), permutations=9, time_edges="0,7,14,21").json()
    first_row = body["bands"][:3]
    assert [band["time_label"] for band in first_row] == ["0–6 days", "7–13 days", "14–20 days"]
    assert body["bands"][3]["space_label"] == "100 to under 200 m"
    for band in first_row:
        assert band["space_label"] == "less than 100 m"
        brute_force = sum(
            1
            for (lat1, lon1, d1), (lat2, lon2, d2) in itertools.combinations(made, 2)
            if (lat1, lon1) == (lat2, lon2) and abs((d1 - d2).days) in days_in(band["time_label"])
        )
        assert band["observed"] == brute_force
    assert [band["observed"] for band in first_row] == [2, 2, 1]  # 7 days: second band


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        (0, 7, "0–6 days"),
        (7, 14, "7–13 days"),
        (0, 1, "0 days"),
        (1, 2, "1 day"),
        (0, 8, "0–7 days"),
    ],
)
def test_time_band_labels_name_whole_days_inclusively(start: int, end: int, label: str) -> None:
    with translation.override("en"):
        assert spatial.time_band_label(start, end) == label


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [(0, 100, "less than 100 m"), (100, 200, "100 to under 200 m"), (0, 0.5, "less than 0.5 m")],
)
def test_distance_band_labels_say_the_upper_edge_is_excluded(
    start: float, end: float, label: str
) -> None:
    with translation.override("en"):
        assert spatial.space_band_label(start, end) == label


def test_fewer_than_two_events_give_an_empty_table(db: None, client_as: Any) -> None:
    Incident.objects.all().delete()
    IncidentFactory()
    body = get(client_as("civil.jetioguz")).json()
    assert body["events"] == 1
    assert all(band["observed"] == 0 and band["reading"] == "" for band in body["bands"])


@pytest.mark.parametrize(
    "params",
    [
        {"space_edges": "0,100,abc"},
        {"space_edges": "100,50"},
        {"space_edges": "0"},
        {"space_edges": "0,100,100"},
        {"space_edges": "-5,100"},
        {"space_edges": "0,1e9"},
        {"space_edges": ",".join(str(v) for v in range(20))},
        {"time_edges": "0,nan"},
        {"time_edges": "0,inf"},
        {"time_edges": "0,7.5,14"},
        {"permutations": 0},
        {"permutations": 1000},
        {"category": "poaching"},
        {"to": "0"},
        {"from": "2024-05-01", "to": "2024-04-01"},
    ],
)
def test_bad_parameters_are_refused_with_a_json_message(
    db: None, client_as: Any, params: dict[str, Any]
) -> None:
    response = get(client_as("lcpc.jetioguz"), **params)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors and all(error["msg"] for error in errors)


def test_too_many_events_are_refused_with_a_clear_message(
    events: list[Any], client_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kenesh.incidents.spatial.selectors.MAX_NEAR_REPEAT_EVENTS", 50)
    response = get(client_as("lcpc.jetioguz"))
    assert response.status_code == 422
    assert "80 incidents are too many" in response.json()["errors"][0]["msg"]


def test_too_many_close_pairs_for_the_permutations_are_refused(
    events: list[Any], client_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kenesh.incidents.spatial.selectors.MAX_PAIR_PERMUTATIONS", 1000)
    response = get(client_as("lcpc.jetioguz"), permutations=999)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "permutations"]


@pytest.mark.parametrize("username", ["lcpc.karakol", "police.karakol"])
def test_a_karakol_user_gets_404_for_jeti_oguz(
    events: list[Any], client_as: Any, username: str
) -> None:
    assert get(client_as(username)).status_code == 404


def test_anonymous_requests_are_401(db: None) -> None:
    assert get(Client()).status_code == 401


def test_the_rayon_above_a_municipal_user_is_403(db: None, client_as: Any) -> None:
    from kenesh.geo.models import AdministrativeUnit

    rayon = AdministrativeUnit.objects.get(code=JETI_OGUZ).parent
    assert rayon is not None
    response = client_as("lcpc.jetioguz").get(URL, {"unit": rayon.code})
    assert response.status_code == 403
