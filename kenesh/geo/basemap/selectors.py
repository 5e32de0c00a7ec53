"""Reads of the basemap: the features in an extent (for a map) and the nearest settlement.

The basemap is reference data of the whole country (geography: every signed-in user reads it),
so these reads take no scope; the maps that draw it are scoped themselves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kenesh.geo.basemap.models import BasemapFeature, BasemapLayer, FeatureKind
from kenesh.geo.geometry import point_in_geometry

#: The most features one map answer carries; settlements come first, so a dense road network
#: cannot crowd out the names.
MAX_SERVED = 5_000
#: The widest extent one request may ask for, in degrees (a few rayons).
MAX_SIDE_DEGREES = 3.0
#: Order in which features are sent (and drawn): names last, on top.
DRAW_ORDER = (
    FeatureKind.SETTLEMENT,
    FeatureKind.LANDMARK,
    FeatureKind.BOUNDARY,
    FeatureKind.ROAD,
    FeatureKind.WATER,
)
EARTH_RADIUS_KM = 6371.0088
#: A settlement farther than this does not name a place.
NEAREST_WITHIN_KM = 15.0


@dataclass(frozen=True)
class Extent:
    west: float
    south: float
    east: float
    north: float

    def widened(self, share: float) -> Extent:
        """The extent grown by ``share`` of its size on every side (at least about 1 km)."""
        dx = max((self.east - self.west) * share, 0.01)
        dy = max((self.north - self.south) * share, 0.01)
        return Extent(self.west - dx, self.south - dy, self.east + dx, self.north + dy)

    def as_text(self) -> str:
        return ",".join(f"{value:.5f}" for value in (self.west, self.south, self.east, self.north))


def features_in(extent: Extent) -> tuple[list[BasemapFeature], bool]:
    """The features whose bounding box meets ``extent``, settlements first; and whether more
    than :data:`MAX_SERVED` did (the rest left out)."""
    found: list[BasemapFeature] = []
    for kind in DRAW_ORDER:
        room = MAX_SERVED + 1 - len(found)
        if room <= 0:
            break
        found.extend(
            BasemapFeature.objects.filter(
                kind=kind,
                west__lte=extent.east,
                east__gte=extent.west,
                south__lte=extent.north,
                north__gte=extent.south,
            )
            .select_related("layer")
            .order_by("layer__name", "index")[:room]
        )
    return found[:MAX_SERVED], len(found) > MAX_SERVED


def basemap_geojson(extent: Extent) -> dict[str, Any]:
    """The basemap features in ``extent`` as a GeoJSON FeatureCollection, with the layers they
    come from (title, source, synthetic) as a foreign member."""
    features, truncated = features_in(extent)
    layers: dict[int, BasemapLayer] = {}
    for feature in features:
        layers.setdefault(feature.layer_id, feature.layer)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": feature.geometry,
                "properties": {
                    "kind": feature.kind,
                    "name": feature.display_name,
                    "layer": feature.layer.name,
                    "synthetic": feature.layer.synthetic,
                },
            }
            for feature in features
        ],
        "layers": [
            {
                "name": layer.name,
                "title": layer.title or layer.name,
                "source": layer.source,
                "synthetic": layer.synthetic,
            }
            for layer in sorted(layers.values(), key=lambda layer: layer.name)
        ],
        "truncated": truncated,
    }


@dataclass(frozen=True)
class NearestSettlement:
    """The settlement nearest a point: its name, the distance in km (0 inside its outline)
    and whether the basemap that knows it is synthetic."""

    name: str
    distance_km: float
    synthetic: bool


def _distances_km(latitude: float, longitude: float, latitudes: Any, longitudes: Any) -> Any:
    """Great-circle distances (haversine) from one point to many, in km."""
    phi1, phi2 = math.radians(latitude), np.radians(latitudes)
    dphi = phi2 - phi1
    dlambda = np.radians(longitudes) - math.radians(longitude)
    a = np.sin(dphi / 2) ** 2 + math.cos(phi1) * np.cos(phi2) * np.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def nearest_settlements(
    points: Sequence[tuple[float, float]], *, within_km: float = NEAREST_WITHIN_KM
) -> list[NearestSettlement | None]:
    """For each (latitude, longitude), the nearest settlement of the basemap within
    ``within_km`` (by its point, or 0 km when the point lies inside its outline), or None."""
    if not points:
        return []
    latitudes = [p[0] for p in points]
    longitudes = [p[1] for p in points]
    margin_lat = within_km / 111.0
    margin_lon = within_km / (111.0 * max(math.cos(math.radians(max(map(abs, latitudes)))), 0.1))
    candidates = list(
        BasemapFeature.objects.filter(
            kind=FeatureKind.SETTLEMENT,
            west__lte=max(longitudes) + margin_lon,
            east__gte=min(longitudes) - margin_lon,
            south__lte=max(latitudes) + margin_lat,
            north__gte=min(latitudes) - margin_lat,
        ).select_related("layer")
    )
    if not candidates:
        return [None] * len(points)
    place_lat = np.array([c.latitude for c in candidates])
    place_lon = np.array([c.longitude for c in candidates])
    outlines = [
        (k, c.geometry)
        for k, c in enumerate(candidates)
        if c.geometry.get("type") in {"Polygon", "MultiPolygon"}
    ]
    found: list[NearestSettlement | None] = []
    for latitude, longitude in points:
        distances = _distances_km(latitude, longitude, place_lat, place_lon)
        for k, geometry in outlines:
            if point_in_geometry(longitude, latitude, geometry):
                distances[k] = 0.0
        best = int(np.argmin(distances))
        if distances[best] > within_km:
            found.append(None)
            continue
        place = candidates[best]
        found.append(
            NearestSettlement(place.display_name, float(distances[best]), place.layer.synthetic)
        )
    return found
