"""Points to UTM cells, cell outlines and queen weights against pyproj and brute-force checks."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

from kenesh.analytics.grid import (
    cell_polygons,
    points_to_cells,
    queen_weights,
    utm_epsg,
)

KARAKOL = (42.49, 78.39)


def lonlat_of_utm(epsg: int, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = pyproj.Transformer.from_crs(epsg, 4326, always_xy=True).transform(x, y)
    return np.asarray(lat), np.asarray(lon)


def test_the_utm_zone_for_karakol_is_44_north() -> None:
    assert utm_epsg(*KARAKOL) == 32644


def test_the_utm_zone_follows_longitude_and_hemisphere() -> None:
    assert utm_epsg(42.87, 74.59) == 32643  # Bishkek
    assert utm_epsg(40.53, 72.80) == 32643  # Osh
    assert utm_epsg(-33.92, 18.42) == 32734  # Cape Town
    assert utm_epsg(42.0, 78.0) == 32644  # on the 78° E boundary: the zone east of it


def test_the_utm_zone_is_the_one_proj_finds_for_the_point() -> None:
    # Against PROJ's own area-of-interest query, which utm_epsg reads once and filters itself.
    rng = np.random.default_rng(3)
    points = [(float(lat), float(lon)) for lat, lon in rng.uniform([-80, -180], [84, 180], (40, 2))]
    points += [(42.0, 78.0), (0.0, 75.0), (-1.0, 72.0), (60.0, 5.0), (75.0, 20.0)]
    for lat, lon in points:
        zones = [
            zone
            for zone in query_utm_crs_info(
                datum_name="WGS 84", area_of_interest=AreaOfInterest(lon, lat, lon, lat)
            )
            if zone.code.startswith(("326", "327"))
        ]
        northern = [zone for zone in zones if zone.code.startswith("326")]
        southern = [zone for zone in zones if zone.code.startswith("327")]
        if lat > 0 and northern:
            zones = northern
        elif lat < 0:
            zones = southern or zones
        best = max(zones, key=lambda zone: zone.area_of_use.west if zone.area_of_use else 0.0)
        assert utm_epsg(lat, lon) == int(best.code), (lat, lon)


def test_counts_sum_to_the_number_of_points_and_match_the_cell_indices() -> None:
    rng = np.random.default_rng(0)
    lat = KARAKOL[0] + rng.uniform(-0.1, 0.1, 5000)
    lon = KARAKOL[1] + rng.uniform(-0.15, 0.15, 5000)
    gridded = points_to_cells(lat, lon, 500.0)
    assert gridded.counts.sum() == 5000
    assert gridded.counts.size == gridded.grid.n_rows * gridded.grid.n_cols
    assert (gridded.counts == np.bincount(gridded.cell, minlength=gridded.counts.size)).all()
    assert gridded.grid.epsg == 32644


def test_a_known_point_lands_in_the_expected_cell() -> None:
    # Two points fix the grid in UTM 44N: cells from easting 600,000 and northing 4,700,000,
    # 10 columns and 6 rows of 250 m. The third point is at column 4, row 3 (from the south).
    x = np.array([600_010.0, 602_490.0, 601_130.0])
    y = np.array([4_700_010.0, 4_701_490.0, 4_700_760.0])
    lat, lon = lonlat_of_utm(32644, x, y)
    gridded = points_to_cells(lat, lon, 250.0)
    grid = gridded.grid
    assert (grid.epsg, grid.n_rows, grid.n_cols) == (32644, 6, 10)
    assert (grid.x_min_m, grid.y_min_m) == (600_000.0, 4_700_000.0)
    assert gridded.cell.tolist() == [0, 5 * 10 + 9, 3 * 10 + 4]


def test_cell_edges_do_not_depend_on_the_other_points() -> None:
    x = np.array([600_010.0, 601_130.0])
    y = np.array([4_700_010.0, 4_700_760.0])
    lat, lon = lonlat_of_utm(32644, x, y)
    alone = points_to_cells(lat[1:], lon[1:], 250.0)
    together = points_to_cells(lat, lon, 250.0)
    assert (alone.grid.x_min_m, alone.grid.y_min_m) == (601_000.0, 4_700_750.0)
    assert alone.cell.tolist() == [0]
    assert together.cell.tolist() == [0, 3 * 5 + 4]


def test_cell_polygons_are_closed_counter_clockwise_rings_around_their_points() -> None:
    x = np.array([600_010.0, 602_490.0, 601_130.0])
    y = np.array([4_700_010.0, 4_701_490.0, 4_700_760.0])
    lat, lon = lonlat_of_utm(32644, x, y)
    gridded = points_to_cells(lat, lon, 250.0)
    rings = cell_polygons(gridded.grid)
    assert rings.shape == (60, 5, 2)
    assert (rings[:, 0] == rings[:, 4]).all()
    # Shoelace area in degrees² is positive for a counter-clockwise ring.
    xs, ys = rings[:, :, 0], rings[:, :, 1]
    area = 0.5 * (xs[:, :-1] * ys[:, 1:] - xs[:, 1:] * ys[:, :-1]).sum(axis=1)
    assert (area > 0).all()
    for point, cell in enumerate(gridded.cell):
        ring = rings[cell]
        assert ring[:, 0].min() < lon[point] < ring[:, 0].max()
        assert ring[:, 1].min() < lat[point] < ring[:, 1].max()
    # Neighbouring cells share corners exactly: the east edge of cell 0 is the west edge of cell 1.
    assert (rings[0, 1] == rings[1, 0]).all()
    assert (cell_polygons(gridded.grid, [34]) == rings[[34]]).all()


def test_points_to_cells_refuses_a_grid_beyond_the_cell_limit() -> None:
    with pytest.raises(ValueError, match="exceed"):
        points_to_cells([42.0, 43.0], [74.0, 75.0], 10.0, max_cells=1_000_000)


def test_points_to_cells_refuses_points_off_the_globe() -> None:
    with pytest.raises(ValueError, match="lat must lie"):
        points_to_cells([95.0], [74.0], 250.0)


def brute_force_queen(n_rows: int, n_cols: int) -> np.ndarray:
    n = n_rows * n_cols
    expected = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            row_i, col_i = divmod(i, n_cols)
            row_j, col_j = divmod(j, n_cols)
            if i != j and abs(row_i - row_j) <= 1 and abs(col_i - col_j) <= 1:
                expected[i, j] = 1.0
    return expected


@pytest.mark.parametrize("shape", [(5, 7), (1, 4), (3, 1), (1, 1), (2, 2), (6, 6)])
def test_queen_weights_equal_a_brute_force_neighbour_check(shape: tuple[int, int]) -> None:
    w = queen_weights(*shape)
    assert w.format == "csr"
    assert (w.toarray() == brute_force_queen(*shape)).all()


def test_queen_weights_are_symmetric_binary_and_without_diagonal() -> None:
    w = queen_weights(9, 13)
    assert (w != w.T).nnz == 0
    assert (w.data == 1.0).all()
    assert not w.diagonal().any()
    # Interior cells have 8 neighbours, corners 3.
    neighbours = np.diff(w.indptr).reshape(9, 13)
    assert neighbours[4, 6] == 8
    assert neighbours[0, 0] == neighbours[8, 12] == 3
