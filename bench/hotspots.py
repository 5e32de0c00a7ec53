"""Hot spot benchmark: 1,000,000 points to Gi* hot/cold classes after FDR, Kenesh against PySAL.

1,000,000 random points (95 % uniform, 5 % in eight clusters) over a 100 km × 60 km area
around Karakol, on a 250 m grid (400 × 240 cells). Both pipelines go from the points' lat/lon
to the -3..3 classes:

- Kenesh: ``points_to_cells`` (UTM projection and counts), ``queen_weights``, ``gi_star``,
  ``hotspot_classes`` (Benjamini–Hochberg at 90/95/99 %).
- PySAL: the same ``points_to_cells`` (PySAL has no point-to-grid step), then
  ``libpysal.weights.lat2W(rook=False)`` on the occupied grid, ``esda.G_Local(transform="B",
  star=True, permutations=0)`` and ``esda.fdr`` at the same three levels.

Weights construction is timed in both; the shared gridding is timed once and added to both
end-to-end figures. Both run once on a small grid before timing (imports, caches; esda uses
numba only for permutations, which are off here, so there is nothing to compile). The z-scores
must agree to 1e-9. The machine is noisy: the ratio, measured in the same run, is the figure
to compare.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyproj

from kenesh.analytics.grid import GriddedPoints, points_to_cells, queen_weights
from kenesh.analytics.spatial import gi_star, hotspot_classes

N_POINTS = 1_000_000
WIDTH_M, HEIGHT_M, CELL_M = 100_000.0, 60_000.0, 250.0
KARAKOL_UTM_44N = (570_000.0, 4_700_000.0)  # south-west corner of the area, near Karakol


def random_points(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n random points: 95 % uniform over the area, 5 % in eight Gaussian clusters (σ 1 km).

    The clusters give the classes something to find, so their agreement with esda means more
    than agreeing on "nothing significant".
    """
    rng = np.random.default_rng(seed)
    clustered = n // 20
    centres = rng.uniform([5_000.0, 5_000.0], [WIDTH_M - 5_000.0, HEIGHT_M - 5_000.0], (8, 2))
    around = centres[rng.integers(0, 8, clustered)] + rng.normal(0.0, 1_000.0, (clustered, 2))
    uniform = rng.uniform([0.0, 0.0], [WIDTH_M, HEIGHT_M], (n - clustered, 2))
    offsets = np.clip(np.vstack([uniform, around]), 0.0, [WIDTH_M - 1e-6, HEIGHT_M - 1e-6])
    x = KARAKOL_UTM_44N[0] + offsets[:, 0]
    y = KARAKOL_UTM_44N[1] + offsets[:, 1]
    lon, lat = pyproj.Transformer.from_crs(32644, 4326, always_xy=True).transform(x, y)
    return np.asarray(lat), np.asarray(lon)


def kenesh_cells_to_classes(gridded: GriddedPoints) -> tuple[np.ndarray, np.ndarray]:
    w = queen_weights(gridded.grid.n_rows, gridded.grid.n_cols)
    result = gi_star(gridded.counts.astype(np.float64), w)
    return result.z, hotspot_classes(result.z, result.p)


def pysal_cells_to_classes(gridded: GriddedPoints) -> tuple[np.ndarray, np.ndarray]:
    import esda
    import libpysal

    w = libpysal.weights.lat2W(gridded.grid.n_rows, gridded.grid.n_cols, rook=False)
    local = esda.G_Local(
        gridded.counts.astype(np.float64), w, transform="B", star=True, permutations=0
    )
    p = 2.0 * local.p_norm  # esda's p_norm is one-sided
    levels = sum((p < esda.fdr(p, alpha)).astype(np.int8) for alpha in (0.10, 0.05, 0.01))
    return local.Zs, (np.sign(local.Zs) * levels).astype(np.int8)


def _timed(repeats: int, work: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    lat, lon = random_points(N_POINTS)
    small = points_to_cells(*random_points(2_000, seed=1), CELL_M)
    kenesh_cells_to_classes(small)
    pysal_cells_to_classes(small)

    gridding, gridded = _timed(5, lambda: points_to_cells(lat, lon, CELL_M))
    ours, (our_z, our_classes) = _timed(5, lambda: kenesh_cells_to_classes(gridded))
    theirs, (their_z, their_classes) = _timed(2, lambda: pysal_cells_to_classes(gridded))

    grid = gridded.grid
    print(
        f"hotspots: {N_POINTS:,} points, {grid.n_rows}×{grid.n_cols} cells of {CELL_M:.0f} m "
        f"(EPSG:{grid.epsg}); medians"
    )
    print(f"  points to cells (both)                {gridding * 1000:8.1f} ms")
    print(f"  cells to classes, Kenesh              {ours * 1000:8.1f} ms")
    print(
        f"  cells to classes, esda                {theirs * 1000:8.1f} ms   "
        f"ratio {theirs / ours:7.1f}×"
    )
    end_to_end_ours, end_to_end_theirs = gridding + ours, gridding + theirs
    print(f"  points to classes, Kenesh             {end_to_end_ours * 1000:8.1f} ms")
    print(
        f"  points to classes, esda               {end_to_end_theirs * 1000:8.1f} ms   "
        f"ratio {end_to_end_theirs / end_to_end_ours:7.1f}×"
    )
    largest = float(np.abs(our_z - their_z).max())
    agree = float((our_classes == their_classes).mean())
    counts = {c: int((our_classes == c).sum()) for c in range(-3, 4)}
    print(f"  max |z difference| {largest:.2e}; classes agree on {agree:.4%} of cells")
    print(f"  cells per class -3..3: {counts}")
    assert largest <= 1e-9, f"z-scores differ from esda by {largest}"
