"""Plain geometry on GeoJSON in longitude/latitude: enough to check a location, no GDAL needed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

# Kyrgyzstan's extent (degrees), with a small margin for border villages: 39.17–43.27 N,
# 69.25–80.28 E. A point outside it cannot be in the country; inside, the unit's boundary
# (when it has one) decides.
KYRGYZSTAN_BOUNDS = {"south": 39.1, "north": 43.35, "west": 69.2, "east": 80.35}


def in_kyrgyzstan_extent(latitude: float, longitude: float) -> bool:
    bounds = KYRGYZSTAN_BOUNDS
    return (
        bounds["south"] <= latitude <= bounds["north"]
        and bounds["west"] <= longitude <= bounds["east"]
    )


def _in_ring(x: float, y: float, ring: list[list[float]]) -> bool:
    """Even–odd ray casting (W. R. Franklin's PNPOLY) on one linear ring."""
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def point_in_geometry(longitude: float, latitude: float, geometry: dict[str, Any]) -> bool:
    """Whether the point lies inside a GeoJSON Polygon or MultiPolygon (holes excluded)."""
    kind = geometry.get("type")
    polygons = [geometry["coordinates"]] if kind == "Polygon" else geometry.get("coordinates", [])
    for polygon in polygons:
        if not polygon:
            continue
        shell, holes = polygon[0], polygon[1:]
        if _in_ring(longitude, latitude, shell) and not any(
            _in_ring(longitude, latitude, hole) for hole in holes
        ):
            return True
    return False


def boundary_vertices(geometries: Sequence[dict[str, Any]]) -> NDArray[np.float64]:
    """Every (lon, lat) vertex of GeoJSON Polygon or MultiPolygon boundaries, as an (n, 2)
    array: the extent a grid over the units must cover."""
    vertices: list[Any] = []
    for geometry in geometries:
        geometry = geometry or {}
        coordinates = geometry.get("coordinates") or []
        polygons = [coordinates] if geometry.get("type") == "Polygon" else coordinates
        for polygon in polygons:
            for ring in polygon:
                vertices.extend((float(point[0]), float(point[1])) for point in ring)
    return np.asarray(vertices, dtype=np.float64).reshape(-1, 2)
