"""Point-in-polygon on GeoJSON, checked against an independent half-plane test."""

from __future__ import annotations

import itertools
import math
import random

from kenesh.geo.geometry import boundary_vertices, in_kyrgyzstan_extent, point_in_geometry

SQUARE = [[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0], [0.0, 0.0]]
HOLE = [[1.0, 1.0], [3.0, 1.0], [3.0, 3.0], [1.0, 3.0], [1.0, 1.0]]


def test_a_point_in_a_hole_is_outside() -> None:
    polygon = {"type": "Polygon", "coordinates": [SQUARE, HOLE]}
    assert point_in_geometry(0.5, 0.5, polygon)
    assert not point_in_geometry(2.0, 2.0, polygon)
    assert not point_in_geometry(5.0, 2.0, polygon)


def test_a_concave_polygon_excludes_its_notch() -> None:
    # A "U": the notch between x=1..3 above y=1 is outside.
    u_shape = [[0, 0], [4, 0], [4, 4], [3, 4], [3, 1], [1, 1], [1, 4], [0, 4], [0, 0]]
    polygon = {"type": "Polygon", "coordinates": [u_shape]}
    assert point_in_geometry(0.5, 3.5, polygon)
    assert point_in_geometry(3.5, 3.5, polygon)
    assert not point_in_geometry(2.0, 3.0, polygon)
    assert point_in_geometry(2.0, 0.5, polygon)


def test_any_part_of_a_multipolygon_counts() -> None:
    far = [[10.0, 10.0], [11.0, 10.0], [11.0, 11.0], [10.0, 11.0], [10.0, 10.0]]
    multi = {"type": "MultiPolygon", "coordinates": [[SQUARE], [far]]}
    assert point_in_geometry(10.5, 10.5, multi)
    assert point_in_geometry(0.5, 0.5, multi)
    assert not point_in_geometry(7.0, 7.0, multi)


def _inside_convex(x: float, y: float, ring: list[list[float]]) -> bool:
    """Reference for a counter-clockwise convex ring: left of every edge."""
    return all(
        (bx - ax) * (y - ay) - (by - ay) * (x - ax) > 0
        for (ax, ay), (bx, by) in itertools.pairwise(ring)
    )


def test_random_points_agree_with_the_half_plane_test_on_convex_polygons() -> None:
    rng = random.Random(3)
    for _ in range(50):
        sides = rng.randint(3, 9)
        angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(sides))
        ring = [[math.cos(a) * 10, math.sin(a) * 10] for a in angles]
        ring.append(ring[0])
        polygon = {"type": "Polygon", "coordinates": [ring]}
        for _ in range(200):
            x, y = rng.uniform(-11, 11), rng.uniform(-11, 11)
            assert point_in_geometry(x, y, polygon) == _inside_convex(x, y, ring)


def test_the_extent_of_kyrgyzstan() -> None:
    assert in_kyrgyzstan_extent(42.87, 74.59)  # Bishkek
    assert in_kyrgyzstan_extent(40.51, 72.80)  # Osh
    assert in_kyrgyzstan_extent(39.65, 69.75)  # Batken oblast, far west
    assert not in_kyrgyzstan_extent(41.31, 69.28 - 1)  # Tashkent region
    assert not in_kyrgyzstan_extent(51.17, 71.45)  # Astana


def test_boundary_vertices_gathers_every_ring_of_polygons_and_multipolygons() -> None:
    square = [[[78.0, 42.0], [78.1, 42.0], [78.1, 42.1], [78.0, 42.0]]]
    hole = [[78.02, 42.02], [78.03, 42.02], [78.02, 42.02]]
    polygon = {"type": "Polygon", "coordinates": [square[0], hole]}
    multi = {"type": "MultiPolygon", "coordinates": [square, square]}
    vertices = boundary_vertices([polygon, multi])
    assert vertices.shape == (4 + 3 + 4 + 4, 2)
    assert (vertices[0] == [78.0, 42.0]).all() and (vertices[4] == [78.02, 42.02]).all()
    assert boundary_vertices([]).shape == (0, 2)
