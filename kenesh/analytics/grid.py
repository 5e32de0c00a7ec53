"""Square cells for hot spot analysis: points in lat/lon to counts per cell, cell outlines, weights.

Cells are squares of a given side in metres in the WGS 84 UTM zone of the points' centre
(EPSG:326zz north, 327zz south, chosen with pyproj). Their edges sit on multiples of the cell
size in UTM easting and northing, so a point falls in the same cell whatever other points are
analysed with it. The grid covers the bounding box of the occupied cells; row 0 is the
southernmost row, column 0 the westernmost, and cell ``(row, col)`` has flat index
``row * n_cols + col`` (the order of ``libpysal.weights.lat2W``).

Limits: the UTM scale error grows away from the zone's central meridian (about 0.1 % at 3°,
1 % at 9°, enough for a whole Kyrgyzstan in one zone); point sets straddling the antimeridian are
not supported.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyproj
import scipy.sparse
from numpy.typing import ArrayLike, NDArray
from pyproj.database import CRSInfo, query_utm_crs_info

#: Refuse grids larger than this many cells by default: a 4-million-cell queen matrix already
#: holds about 32 million neighbour pairs (~400 MB).
DEFAULT_MAX_CELLS = 4_000_000


@dataclass(frozen=True)
class CellGrid:
    """A regular grid of square cells in a UTM CRS.

    ``x_min_m`` and ``y_min_m`` are the easting and northing in metres of the south-west corner
    of cell (0, 0); ``cell_m`` is the side of a cell in metres.
    """

    epsg: int
    cell_m: float
    x_min_m: float
    y_min_m: float
    n_rows: int
    n_cols: int

    @property
    def n_cells(self) -> int:
        return self.n_rows * self.n_cols

    @property
    def crs(self) -> pyproj.CRS:
        return pyproj.CRS.from_epsg(self.epsg)


@dataclass(frozen=True)
class GriddedPoints:
    """Points assigned to cells: ``cell[i]`` is point i's flat cell index, ``counts`` per cell."""

    grid: CellGrid
    cell: NDArray[np.int64]
    counts: NDArray[np.int64]


@functools.cache
def wgs84_utm_zones() -> tuple[CRSInfo, ...]:
    """The WGS 84 UTM zones (EPSG 326xx north, 327xx south) with their areas of use."""
    return tuple(
        zone
        for zone in query_utm_crs_info(datum_name="WGS 84")
        if zone.code.startswith(("326", "327"))
    )


def utm_epsg(lat: float, lon: float) -> int:
    """EPSG code of the WGS 84 UTM zone containing the point (lat, lon) in degrees.

    Looks the point up among the WGS 84 UTM zones of the PROJ database (``query_utm_crs_info``,
    read once: a query takes a few hundred milliseconds) for those whose area of use contains
    it. On a zone boundary two zones qualify; the one whose western edge is the point's
    longitude wins, so zones are half-open ``[west, east)`` as in the usual
    ``floor((lon + 180) / 6) + 1`` rule (Snyder 1987, "Map projections — a working manual",
    USGS PP 1395, p. 57). Returns e.g. 32644 (UTM zone 44N) for Karakol, 42.49 N 78.39 E.

    Raises:
        ValueError: the point lies outside UTM coverage (beyond 84° N or 80° S).
    """
    if not (-80.0 <= lat <= 84.0 and -180.0 <= lon <= 180.0):
        raise ValueError(f"({lat}, {lon}) lies outside UTM coverage (80° S to 84° N)")
    zones = [
        zone
        for zone in wgs84_utm_zones()
        if zone.area_of_use is not None
        and zone.area_of_use.west <= lon <= zone.area_of_use.east
        and zone.area_of_use.south <= lat <= zone.area_of_use.north
    ]
    if not zones:
        raise ValueError(f"pyproj knows no WGS 84 UTM zone for ({lat}, {lon})")
    northern = [zone for zone in zones if zone.code.startswith("326")]
    if lat > 0 and northern:
        zones = northern
    elif lat < 0:
        zones = [zone for zone in zones if zone.code.startswith("327")] or zones
    # Half-open zones: prefer the zone starting at this longitude (east of a boundary).
    best = max(zones, key=lambda zone: zone.area_of_use.west if zone.area_of_use else 0.0)
    return int(best.code)


def points_to_cells(
    lat: ArrayLike,
    lon: ArrayLike,
    cell_m: float,
    *,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> GriddedPoints:
    """Assign points to square cells of side ``cell_m`` metres and count the points per cell.

    The CRS is the UTM zone (:func:`utm_epsg`) of the centre of the points' bounding box in
    lat/lon. With (x, y) a point's UTM easting and northing in metres::

        col = floor(x / cell_m) - floor(x_min / cell_m)
        row = floor(y / cell_m) - floor(y_min / cell_m)
        cell = row * n_cols + col

    where x_min and y_min are the smallest easting and northing among the points. ``counts``
    (``numpy.bincount`` of ``cell``) covers every cell of the bounding grid, empty ones
    included, so it sums to the number of points.

    Args:
        lat, lon: WGS 84 latitude and longitude in degrees, one pair per point (at least one).
        cell_m: side of a cell in metres, positive.
        max_cells: refuse (ValueError) a bounding grid with more cells than this.
    """
    latitudes = np.asarray(lat, dtype=np.float64)
    longitudes = np.asarray(lon, dtype=np.float64)
    if latitudes.ndim != 1 or latitudes.shape != longitudes.shape or latitudes.size == 0:
        raise ValueError("lat and lon must be non-empty 1-d arrays of the same length")
    if not (np.isfinite(latitudes).all() and np.isfinite(longitudes).all()):
        raise ValueError("lat and lon must be finite")
    if not (np.abs(latitudes).max() <= 90.0 and np.abs(longitudes).max() <= 180.0):
        raise ValueError("lat must lie in [-90, 90] and lon in [-180, 180] degrees")
    if not (np.isfinite(cell_m) and cell_m > 0.0):
        raise ValueError(f"cell_m must be a positive number of metres: {cell_m}")
    centre_lat = (float(latitudes.min()) + float(latitudes.max())) / 2.0
    centre_lon = (float(longitudes.min()) + float(longitudes.max())) / 2.0
    epsg = utm_epsg(centre_lat, centre_lon)
    to_utm = pyproj.Transformer.from_crs(4326, epsg, always_xy=True)
    x, y = to_utm.transform(longitudes, latitudes)
    columns = np.floor(np.asarray(x) / cell_m).astype(np.int64)
    rows = np.floor(np.asarray(y) / cell_m).astype(np.int64)
    first_column, first_row = int(columns.min()), int(rows.min())
    n_cols = int(columns.max()) - first_column + 1
    n_rows = int(rows.max()) - first_row + 1
    if n_rows * n_cols > max_cells:
        raise ValueError(
            f"{n_rows}×{n_cols} cells of {cell_m} m exceed the limit of {max_cells}; "
            "choose larger cells or a smaller area"
        )
    cell = (rows - first_row) * n_cols + (columns - first_column)
    grid = CellGrid(
        epsg=epsg,
        cell_m=float(cell_m),
        x_min_m=first_column * float(cell_m),
        y_min_m=first_row * float(cell_m),
        n_rows=n_rows,
        n_cols=n_cols,
    )
    counts = np.bincount(cell, minlength=grid.n_cells).astype(np.int64)
    return GriddedPoints(grid=grid, cell=cell, counts=counts)


def cell_polygons(grid: CellGrid, cells: ArrayLike | None = None) -> NDArray[np.float64]:
    """Outlines of cells in WGS 84 longitude/latitude degrees, ready for GeoJSON.

    Returns an array of shape (k, 5, 2): for each requested flat cell index (all cells by
    default, in index order) the closed ring south-west, south-east, north-east, north-west,
    south-west of ``(lon, lat)`` pairs. The ring is counter-clockwise, as RFC 7946 (GeoJSON)
    section 3.1.6 asks of exterior rings. Corners are the exact UTM square corners projected
    back with pyproj, so neighbouring cells share corners exactly.
    """
    indices = (
        np.arange(grid.n_cells, dtype=np.int64)
        if cells is None
        else np.asarray(cells, dtype=np.int64).ravel()
    )
    if indices.size and (indices.min() < 0 or indices.max() >= grid.n_cells):
        raise ValueError(f"cell indices must lie in [0, {grid.n_cells})")
    rows, columns = np.divmod(indices, grid.n_cols)
    # Project only the corners these cells use: the lattice of (n_rows + 1) × (n_cols + 1)
    # corner points, each projected once and shared by the up to four cells around it.
    corner_rows = np.stack([rows, rows, rows + 1, rows + 1, rows], axis=1)
    corner_columns = np.stack([columns, columns + 1, columns + 1, columns, columns], axis=1)
    corner_ids = corner_rows * (grid.n_cols + 1) + corner_columns
    unique_ids, positions = np.unique(corner_ids, return_inverse=True)
    lattice_rows, lattice_columns = np.divmod(unique_ids, grid.n_cols + 1)
    to_lonlat = pyproj.Transformer.from_crs(grid.epsg, 4326, always_xy=True)
    lon, lat = to_lonlat.transform(
        grid.x_min_m + lattice_columns * grid.cell_m,
        grid.y_min_m + lattice_rows * grid.cell_m,
    )
    corners = np.column_stack([np.asarray(lon), np.asarray(lat)])
    return np.asarray(corners[positions.reshape(corner_ids.shape)], dtype=np.float64)


def queen_weights(n_rows: int, n_cols: int) -> Any:
    """Queen contiguity of an n_rows × n_cols grid as a binary ``scipy.sparse.csr_array``.

    ``w[i, j] = 1`` when cells i and j (flat indices ``row * n_cols + col``) differ, and their
    rows and their columns each differ by at most one: the 8 cells sharing an edge or a corner
    (Cliff and Ord 1981, "queen" case; as ``libpysal.weights.lat2W(n_rows, n_cols,
    rook=False)``). Symmetric, zero diagonal, dtype float64, sorted indices. Built with one
    vectorised pass per neighbour direction (8 in all), no loop over cells.
    """
    if n_rows < 0 or n_cols < 0:
        raise ValueError("n_rows and n_cols must be non-negative")
    n = n_rows * n_cols
    rows, columns = np.divmod(np.arange(n, dtype=np.int64), max(n_cols, 1))
    sources: list[NDArray[np.int64]] = []
    targets: list[NDArray[np.int64]] = []
    for row_step in (-1, 0, 1):
        for column_step in (-1, 0, 1):
            if row_step == 0 and column_step == 0:
                continue
            inside = (
                (rows + row_step >= 0)
                & (rows + row_step < n_rows)
                & (columns + column_step >= 0)
                & (columns + column_step < n_cols)
            )
            source = np.flatnonzero(inside)
            sources.append(source)
            targets.append(source + row_step * n_cols + column_step)
    weights = scipy.sparse.coo_array(
        (np.ones(sum(s.size for s in sources)), (np.concatenate(sources), np.concatenate(targets))),
        shape=(n, n),
    ).tocsr()
    weights.sort_indices()
    return weights
