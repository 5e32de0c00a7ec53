"""Loading a basemap layer from GeoJSON: every feature checked, then all of the layer replaced.

Validated like any import (docs/import.md): every bad feature is reported with its position in
the file (0 for the first, as ``features[0]``) and the reason, in the loader's language; nothing
is written while any feature is bad unless ``skip_invalid`` is chosen (then the good ones are
loaded and the bad ones reported). A layer is named: loading a name again replaces its features
in one transaction, so a reload of the same file leaves the database as it was.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kenesh.geo.basemap.models import BasemapFeature, BasemapLayer, FeatureKind
from kenesh.geo.geometry import KYRGYZSTAN_BOUNDS, in_kyrgyzstan_extent

#: The most features one file may hold (a national OpenStreetMap extract of settlements and
#: main roads, simplified, holds some tens of thousands).
MAX_FEATURES = 200_000
#: Positions are kept to 6 decimals of a degree (about 0.1 m): more is noise and bytes.
DECIMALS = 6
NAME_LENGTH = 200

#: Which geometries each kind may have.
GEOMETRIES: dict[str, frozenset[str]] = {
    FeatureKind.SETTLEMENT: frozenset({"Point", "MultiPoint", "Polygon", "MultiPolygon"}),
    FeatureKind.ROAD: frozenset({"LineString", "MultiLineString"}),
    FeatureKind.BOUNDARY: frozenset({"Polygon", "MultiPolygon", "LineString", "MultiLineString"}),
    FeatureKind.WATER: frozenset(
        {"Point", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
    ),
    FeatureKind.LANDMARK: frozenset({"Point", "MultiPoint", "Polygon", "MultiPolygon"}),
}
GEOMETRY_TYPES = frozenset().union(*GEOMETRIES.values())
#: Localised names as OpenStreetMap tags them (``name:ky``) or as columns (``name_ky``).
LANGUAGES = ("ky", "ru", "en")


@dataclass(frozen=True)
class FeatureError:
    """A bad feature: its position in ``features`` (None for the file as a whole) and why."""

    index: int | None
    reason: str

    def __str__(self) -> str:
        if self.index is None:
            return self.reason
        return _("feature %(index)d: %(reason)s") % {"index": self.index, "reason": self.reason}


@dataclass
class BasemapReport:
    """What a load found and did. ``written``: the layer was replaced (not a dry run, and no
    error or ``skip_invalid``); ``replaced``: features the layer held before."""

    layer: str
    features: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    replaced: int = 0
    written: bool = False
    errors: list[FeatureError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Bad(ValueError):
    pass


def _position(value: Any) -> tuple[float, float]:
    if (
        not isinstance(value, list | tuple)
        or len(value) < 2
        or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in value[:2])
        or not all(math.isfinite(c) for c in value[:2])
    ):
        raise _Bad(_("a position is not [longitude, latitude] in numbers"))
    longitude, latitude = float(value[0]), float(value[1])
    if not in_kyrgyzstan_extent(latitude, longitude):
        bounds = KYRGYZSTAN_BOUNDS
        raise _Bad(
            _(
                "position [%(lon)s, %(lat)s] lies outside Kyrgyzstan (longitude %(west)s to "
                "%(east)s, latitude %(south)s to %(north)s; GeoJSON gives longitude first)"
            )
            % {"lon": value[0], "lat": value[1], **bounds}
        )
    return round(longitude, DECIMALS), round(latitude, DECIMALS)


def _line(value: Any, *, ring: bool = False) -> list[tuple[float, float]]:
    if not isinstance(value, list):
        raise _Bad(_("a line is not a list of positions"))
    positions = [_position(item) for item in value]
    if ring:
        if len(positions) < 4:
            raise _Bad(_("a polygon ring needs at least four positions"))
        if positions[0] != positions[-1]:
            raise _Bad(_("a polygon ring must end where it starts"))
    elif len(positions) < 2:
        raise _Bad(_("a line needs at least two positions"))
    return positions


def _polygon(value: Any) -> list[list[tuple[float, float]]]:
    if not isinstance(value, list) or not value:
        raise _Bad(_("a polygon is not a list of rings"))
    return [_line(ring, ring=True) for ring in value]


def _parts(value: Any, parse: Any) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise _Bad(_("the geometry has no coordinates"))
    return [parse(part) for part in value]


def clean_geometry(geometry: Any) -> tuple[dict[str, Any], list[tuple[float, float]]]:
    """The geometry with its positions rounded, and all its positions; raises on a bad one."""
    if not isinstance(geometry, dict):
        raise _Bad(_("no geometry"))
    kind = geometry.get("type")
    if kind not in GEOMETRY_TYPES:
        raise _Bad(
            _("geometry type %(type)s is not one of %(types)s")
            % {
                "type": json.dumps(kind, ensure_ascii=False),
                "types": ", ".join(sorted(GEOMETRY_TYPES)),
            }
        )
    raw = geometry.get("coordinates")
    coordinates: Any
    if kind == "Point":
        coordinates = _position(raw)
        positions = [coordinates]
    elif kind == "MultiPoint":
        coordinates = _parts(raw, _position)
        positions = list(coordinates)
    elif kind == "LineString":
        coordinates = _line(raw)
        positions = list(coordinates)
    elif kind == "MultiLineString":
        coordinates = _parts(raw, _line)
        positions = [p for line in coordinates for p in line]
    elif kind == "Polygon":
        coordinates = _polygon(raw)
        positions = [p for ring in coordinates for p in ring]
    else:  # MultiPolygon
        coordinates = _parts(raw, _polygon)
        positions = [p for polygon in coordinates for ring in polygon for p in ring]
    as_lists = json.loads(json.dumps(coordinates))  # tuples → lists, as GeoJSON has them
    return {"type": kind, "coordinates": as_lists}, positions


def _names(properties: dict[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for language in LANGUAGES:
        for key in (f"name:{language}", f"name_{language}"):
            value = properties.get(key)
            if isinstance(value, str) and value.strip():
                names[f"name_{language}"] = value.strip()
                break
    return names


def _feature(index: int, raw: Any, *, default_kind: str, name_property: str) -> BasemapFeature:
    if not isinstance(raw, dict) or raw.get("type") != "Feature":
        raise _Bad(_('not a GeoJSON Feature (an object with "type": "Feature")'))
    properties = raw.get("properties") or {}
    if not isinstance(properties, dict):
        raise _Bad(_("properties is not an object"))
    kind = properties.get("kind", default_kind) or default_kind
    if kind not in FeatureKind.values:
        if not kind:
            raise _Bad(
                _("no kind (properties.kind: one of %(kinds)s)")
                % {"kinds": ", ".join(FeatureKind.values)}
            )
        raise _Bad(
            _("kind %(kind)s is not one of %(kinds)s")
            % {"kind": json.dumps(kind, ensure_ascii=False), "kinds": ", ".join(FeatureKind.values)}
        )
    translations = _names(properties)
    name = properties.get(name_property)
    if kind == FeatureKind.ROAD and not (isinstance(name, str) and name.strip()):
        name = properties.get("ref")  # a main road is often known by its number (ЭМ-02)
    if not (isinstance(name, str) and name.strip()):
        name = next(iter(translations.values()), "")
    if not name:
        raise _Bad(_("no name (properties.%(property)s)") % {"property": name_property})
    name = name.strip()
    if len(name) > NAME_LENGTH or any(len(v) > NAME_LENGTH for v in translations.values()):
        raise _Bad(_("a name is longer than %(max)d characters") % {"max": NAME_LENGTH})
    geometry, positions = clean_geometry(raw.get("geometry"))
    if geometry["type"] not in GEOMETRIES[kind]:
        raise _Bad(
            _("a %(kind)s cannot be a %(type)s (allowed: %(types)s)")
            % {
                "kind": kind,
                "type": geometry["type"],
                "types": ", ".join(sorted(GEOMETRIES[kind])),
            }
        )
    longitudes = [p[0] for p in positions]
    latitudes = [p[1] for p in positions]
    if geometry["type"] == "Point":
        longitude, latitude = positions[0]
    else:
        # The mean of the vertices (the first ring's, for polygons): a point for distances.
        outer = positions
        if geometry["type"] == "Polygon":
            outer = [tuple(p) for p in geometry["coordinates"][0][:-1]]
        longitude = sum(p[0] for p in outer) / len(outer)
        latitude = sum(p[1] for p in outer) / len(outer)
    return BasemapFeature(
        index=index,
        kind=kind,
        name=name,
        geometry=geometry,
        west=min(longitudes),
        east=max(longitudes),
        south=min(latitudes),
        north=max(latitudes),
        latitude=round(latitude, DECIMALS),
        longitude=round(longitude, DECIMALS),
        **translations,
    )


def basemap_features(
    data: Any, *, default_kind: str = "", name_property: str = "name"
) -> tuple[list[BasemapFeature], list[FeatureError]]:
    """The features of a GeoJSON FeatureCollection (parsed), unsaved, and every bad one."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        return [], [FeatureError(None, _("The file is not a GeoJSON FeatureCollection."))]
    raw_features = data.get("features")
    if not isinstance(raw_features, list) or not raw_features:
        return [], [FeatureError(None, _("The file holds no features."))]
    if len(raw_features) > MAX_FEATURES:
        return [], [
            FeatureError(
                None,
                _("The file holds %(count)d features; at most %(max)d are loaded at once.")
                % {"count": len(raw_features), "max": MAX_FEATURES},
            )
        ]
    features: list[BasemapFeature] = []
    errors: list[FeatureError] = []
    for index, raw in enumerate(raw_features):
        try:
            features.append(
                _feature(index, raw, default_kind=default_kind, name_property=name_property)
            )
        except _Bad as exc:
            errors.append(FeatureError(index, str(exc)))
    return features, errors


@transaction.atomic
def basemap_load(
    *,
    data: Any,
    layer: str,
    title: str = "",
    source: str = "",
    synthetic: bool = False,
    default_kind: str = "",
    name_property: str = "name",
    skip_invalid: bool = False,
    dry_run: bool = False,
) -> BasemapReport:
    """Replace the features of basemap layer ``layer`` by those of ``data`` (a parsed GeoJSON
    FeatureCollection, positions in longitude and latitude, WGS 84 as RFC 7946 has them).

    Nothing is written when any feature is bad (unless ``skip_invalid``: the good ones are) or
    on a dry run. The layer's title, source and ``synthetic`` flag are set from the arguments.
    """
    features, errors = basemap_features(
        data, default_kind=default_kind, name_property=name_property
    )
    report = BasemapReport(layer=layer, errors=errors)
    report.features = len(features)
    report.by_kind = dict(Counter(feature.kind for feature in features))
    existing = BasemapLayer.objects.filter(name=layer).first()
    report.replaced = existing.features.count() if existing else 0
    whole_file_bad = any(error.index is None for error in errors)
    if dry_run or whole_file_bad or (errors and not skip_invalid) or not features:
        return report
    target, _created = BasemapLayer.objects.update_or_create(
        name=layer, defaults={"title": title, "source": source, "synthetic": synthetic}
    )
    target.features.all().delete()
    for feature in features:
        feature.layer = target
    BasemapFeature.objects.bulk_create(features, batch_size=1000)
    report.written = True
    return report


def basemap_load_file(*, path: Any, **options: Any) -> BasemapReport:
    """:func:`basemap_load` on a GeoJSON file (UTF-8); a file that is not JSON is one error."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (ValueError, UnicodeDecodeError) as exc:
        return BasemapReport(
            layer=options.get("layer", ""),
            errors=[
                FeatureError(None, _("The file is not UTF-8 JSON: %(error)s") % {"error": exc})
            ],
        )
    return basemap_load(data=data, **options)
