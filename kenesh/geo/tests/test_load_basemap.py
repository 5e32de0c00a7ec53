"""``kenesh load-basemap``: a good file loads, every bad feature is reported and nothing is
written, a reload replaces the layer, and the demo's synthetic layer loads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from kenesh.geo.basemap.demo import DEMO_BASEMAP, DEMO_LAYER
from kenesh.geo.basemap.models import BasemapFeature, BasemapLayer
from kenesh.geo.basemap.services import basemap_load

pytestmark = pytest.mark.django_db


def feature(kind: str, geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": {"kind": kind, **properties}}


def point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


GOOD = [
    feature("settlement", point(75.81, 42.16), name="Сары-Булак", **{"name:en": "Sary-Bulak"}),
    feature(
        "road",
        {"type": "LineString", "coordinates": [[75.70, 42.20], [75.80, 42.22], [75.90, 42.25]]},
        ref="ЭМ-07",
    ),
    feature(
        "boundary",
        {
            "type": "Polygon",
            "coordinates": [[[75.6, 42.1], [75.9, 42.1], [75.9, 42.3], [75.6, 42.3], [75.6, 42.1]]],
        },
        name="Кочкор айыл аймагы",
    ),
    feature(
        "settlement",
        {"type": "MultiPoint", "coordinates": [[75.75, 42.21], [75.76, 42.22]]},
        name="Кочкор",
    ),
]


def write(tmp_path: Path, features: list[Any], name: str = "layer.geojson") -> Path:
    path = tmp_path / name
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


def load(path: Path, *args: str) -> tuple[str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    with translation.override("en"):
        call_command("load-basemap", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_good_file_loads_every_feature_with_its_kind_name_and_extent(tmp_path: Path) -> None:
    out, _err = load(write(tmp_path, GOOD), "--layer", "kochkor", "--source", "© OpenStreetMap")
    layer = BasemapLayer.objects.get(name="kochkor")
    assert layer.source == "© OpenStreetMap" and not layer.synthetic
    features = list(layer.features.order_by("index"))
    assert [f.kind for f in features] == ["settlement", "road", "boundary", "settlement"]
    assert features[0].name == "Сары-Булак" and features[0].name_en == "Sary-Bulak"
    assert features[1].name == "ЭМ-07"  # a road named by its number
    road = features[1]
    assert (road.west, road.south, road.east, road.north) == (75.70, 42.20, 75.90, 42.25)
    assert (features[3].latitude, features[3].longitude) == pytest.approx((42.215, 75.755))
    assert "4 features loaded" in out and "replacing 0" in out


def test_a_bad_file_lists_every_bad_feature_by_index_and_writes_nothing(tmp_path: Path) -> None:
    before = BasemapFeature.objects.count()
    bad = [
        GOOD[0],
        feature("settlement", point(13.4, 52.5), name="Berlin"),  # 1: outside Kyrgyzstan
        feature("settlement", point(75.8, 42.2)),  # 2: no name
        feature("river", point(75.8, 42.2), name="Чу"),  # 3: unknown kind
        feature("road", point(75.8, 42.2), name="ЭМ-02"),  # 4: a road cannot be a point
        feature("boundary", {"type": "GeometryCollection", "geometries": []}, name="x"),  # 5
        feature(
            "boundary",
            {"type": "Polygon", "coordinates": [[[75.6, 42.1], [75.9, 42.1], [75.9, 42.3]]]},
            name="open ring",
        ),  # 6: a ring of three positions
        {"type": "Point", "coordinates": [75.8, 42.2]},  # 7: not a Feature
        feature("road", {"type": "LineString", "coordinates": [[75.8, 42.2]]}, name="short"),  # 8
        feature("settlement", {"type": "Point", "coordinates": ["75.8", 42.2]}, name="text"),  # 9
    ]
    with pytest.raises(CommandError, match="9 bad features; nothing was written"):
        load(write(tmp_path, bad), "--layer", "bad")
    assert BasemapFeature.objects.count() == before
    assert not BasemapLayer.objects.filter(name="bad").exists()
    with translation.override("en"):  # the reasons are worded when the file is read
        report = basemap_load(data={"type": "FeatureCollection", "features": bad}, layer="bad")
        reasons = {error.index or 0: str(error) for error in report.errors}
    assert sorted(reasons) == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert "outside Kyrgyzstan" in reasons[1]
    assert "no name" in reasons[2]
    assert "kind" in reasons[3] and "river" in reasons[3]
    assert "a road cannot be a Point" in reasons[4]
    assert "GeometryCollection" in reasons[5]
    assert "four positions" in reasons[6]
    assert "not a GeoJSON Feature" in reasons[7]
    assert "two positions" in reasons[8]
    assert "numbers" in reasons[9]
    assert all(reason.startswith(f"feature {index}: ") for index, reason in reasons.items())


def test_the_command_prints_every_error_to_stderr(tmp_path: Path) -> None:
    from io import StringIO

    err = StringIO()
    bad = [feature("settlement", point(13.4, 52.5), name="Berlin"), GOOD[0], GOOD[0] | {}]
    bad[2] = feature("settlement", point(75.8, 42.2))
    with translation.override("en"), pytest.raises(CommandError):
        call_command("load-basemap", str(write(tmp_path, bad)), stderr=err)
    lines = err.getvalue().strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["feature 0", "feature 2"]


def test_skip_invalid_loads_the_good_features_and_reports_the_bad(tmp_path: Path) -> None:
    bad = [*GOOD, feature("settlement", point(13.4, 52.5), name="Berlin")]
    out, err = load(write(tmp_path, bad), "--layer", "partial", "--skip-invalid")
    assert BasemapLayer.objects.get(name="partial").features.count() == len(GOOD)
    assert "feature 4:" in err and "1 bad feature was left out" in out


def test_a_dry_run_writes_nothing(tmp_path: Path) -> None:
    out, _err = load(write(tmp_path, GOOD), "--layer", "dry", "--dry-run")
    assert "4 features would be loaded" in out
    assert not BasemapLayer.objects.filter(name="dry").exists()


def test_a_file_that_is_not_geojson_is_one_error_and_nothing_is_written(tmp_path: Path) -> None:
    path = tmp_path / "broken.geojson"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="cannot be loaded"):
        load(path)
    empty = write(tmp_path, [], "empty.geojson")
    with pytest.raises(CommandError, match="cannot be loaded"):
        load(empty)
    assert not BasemapLayer.objects.filter(name__in=["broken", "empty"]).exists()


def test_reloading_a_layer_replaces_it_and_a_second_load_changes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    load(path, "--layer", "kochkor")
    first = list(
        BasemapFeature.objects.filter(layer__name="kochkor")
        .order_by("index")
        .values("kind", "name", "geometry", "latitude", "longitude")
    )
    out, _err = load(path, "--layer", "kochkor")
    again = list(
        BasemapFeature.objects.filter(layer__name="kochkor")
        .order_by("index")
        .values("kind", "name", "geometry", "latitude", "longitude")
    )
    assert again == first and "replacing 4" in out
    assert BasemapLayer.objects.filter(name="kochkor").count() == 1
    # A smaller file under the same name replaces the layer; other layers stay.
    load(write(tmp_path, GOOD[:1], "one.geojson"), "--layer", "kochkor")
    assert BasemapFeature.objects.filter(layer__name="kochkor").count() == 1
    assert BasemapFeature.objects.filter(layer__name=DEMO_LAYER).exists()


def test_the_kind_option_fills_features_without_a_kind(tmp_path: Path) -> None:
    roads = [
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[75.7, 42.2], [75.8, 42.2]]},
            "properties": {"name": "Кочкор – Нарын", "highway": "primary"},
        }
    ]
    load(write(tmp_path, roads, "roads.geojson"), "--kind", "road")
    assert BasemapFeature.objects.get(layer__name="roads").kind == "road"


def test_the_shipped_demo_layer_is_valid_synthetic_and_loaded_by_the_demo() -> None:
    data = json.loads(DEMO_BASEMAP.read_text(encoding="utf-8"))
    report = basemap_load(data=data, layer="check", dry_run=True)
    assert report.ok and report.features == len(data["features"])
    layer = BasemapLayer.objects.get(name=DEMO_LAYER)  # the demo loaded it (root conftest)
    assert layer.synthetic and "ynthetic" in layer.title
    assert layer.features.count() == len(data["features"])
    names = set(layer.features.filter(kind="settlement").values_list("name", flat=True))
    assert {"Сары-Булак", "Кара-Суу", "Алай-Куу"} <= names
    assert layer.features.filter(kind="road").count() >= 10
