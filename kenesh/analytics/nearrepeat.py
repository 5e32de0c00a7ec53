"""Near-repeat analysis: the Knox space–time test with a Monte Carlo permutation reference.

The kernel takes plain arrays (projected coordinates in metres, times in days) and knows nothing
about incidents or the database; selectors hand it the arrays.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Upper bound on pair × permutation elements held at once (arrays of this many values are built
#: per chunk), so that a few pairs are processed many permutations at a time without the memory
#: growing with the number of permutations.
_CHUNK_ELEMENTS = 1 << 22

#: Threads only pay off on large problems, and a few are enough for a memory-bound loop.
_THREADED_WORK = 1 << 25
_MAX_WORKERS = 8

#: Integer-valued times (dates as day numbers) are counted in int16 or int32, which is exact and
#: several times faster than float64; beyond these magnitudes the float64 path is used.
_INTEGER_TIME_RANGE = 2**31 - 2
_INTEGER_TIME_MAGNITUDE = 2.0**52


@dataclass(frozen=True)
class KnoxResult:
    """Knox table: one row per space band, one column per time band.

    ``observed`` counts the pairs of events in each cell; ``expected`` is the mean count over the
    permutations; ``ratio = observed / expected`` (the Near Repeat Calculator's "Knox ratio"),
    ``nan`` where ``expected`` is 0; ``p`` is the one-sided Monte Carlo p-value of an excess of
    pairs, ``(1 + #{permutations with count >= observed}) / (1 + permutations)``.
    """

    space_edges_m: FloatArray
    time_edges_days: FloatArray
    observed: IntArray
    expected: FloatArray
    ratio: FloatArray
    p: FloatArray
    permutations: int


def knox(
    x_m: ArrayLike,
    y_m: ArrayLike,
    t_days: ArrayLike,
    space_edges_m: ArrayLike,
    time_edges_days: ArrayLike,
    permutations: int = 999,
    seed: int = 0,
) -> KnoxResult:
    """Knox near-repeat test with space and time bands, as in Ratcliffe's Near Repeat Calculator.

    Events ``i`` have projected coordinates ``(x_m[i], y_m[i])`` in metres and a time ``t_days[i]``
    in days (any origin; fractions allowed). For every unordered pair ``i < j``::

        d_ij  = sqrt((x_i - x_j)**2 + (y_i - y_j)**2)       metres, computed exactly so in float64
        dt_ij = |t_i - t_j|                                  days

    The pair falls in space band ``k`` when ``space_edges_m[k] <= d_ij < space_edges_m[k + 1]``
    and in time band ``m`` when ``time_edges_days[m] <= dt_ij < time_edges_days[m + 1]``: a
    value equal to an edge belongs to the upper band, and pairs below the first or at or beyond
    the last edge are not counted. ``observed[k, m]`` is the number of pairs in both bands.

    Reference distribution (Knox 1964; Ratcliffe 2009, Near Repeat Calculator, Temple
    University): the times are shuffled over the events while the locations stay put, which
    breaks any space–time interaction and keeps both the spatial and the temporal pattern. The
    permutations are drawn from ``rng = numpy.random.default_rng(seed)`` as
    ``perm = rng.permutation(n)``, one per iteration in order, and event ``i`` receives the time
    ``t_days[perm[i]]``. For each cell::

        expected[k, m] = mean over permutations of the permuted count
        ratio[k, m]    = observed[k, m] / expected[k, m]          (nan where expected is 0)
        p[k, m]        = (1 + #{permutations: count >= observed[k, m]}) / (1 + permutations)

    so ``p`` lies in ``[1 / (permutations + 1), 1]``; a small ``p`` and a ratio above 1 in the
    first bands are the near-repeat signature ("within 200 m and 7 days of an event, another is
    2.1 times as likely as if times were unrelated to places").

    The candidate pairs (distance below the last space edge) are found once with a k-d tree;
    each permutation then only re-bins the time differences of those pairs, vectorised, a chunk
    of permutations at a time, so the cost is O(pairs × permutations), never O(n²) per
    permutation. Whole-day times (dates) are compared in 16- or 32-bit integers, exactly and
    about three times faster than fractional times, which are compared in float64.

    Raises ``ValueError`` for arrays of different lengths, non-finite values, edges that are not
    strictly increasing from a value >= 0 (at least two edges per dimension), or fewer than one
    permutation.
    """
    x, y, t = _events(x_m, y_m, t_days)
    space_edges = _edges(space_edges_m, "space_edges_m")
    time_edges = _edges(time_edges_days, "time_edges_days")
    if isinstance(permutations, bool) or not isinstance(permutations, int | np.integer):
        raise ValueError(f"permutations must be an integer, got {permutations!r}")
    if permutations < 1:
        raise ValueError(f"permutations must be at least 1, got {permutations}")
    permutations = int(permutations)

    pairs = _candidate_pairs(x, y, space_edges)
    times, time_thresholds = _time_codes(t, time_edges)

    observed = pairs.count(times[np.newaxis, :], time_thresholds)[0]
    reference = _PermutationReference(
        pairs=pairs,
        times=times,
        thresholds=time_thresholds,
        observed=observed,
        rng=np.random.default_rng(seed),
        permutations=permutations,
    )
    # numpy releases the GIL in the pair loops, so threads share the permutations. The sums do
    # not depend on which thread counted which permutation, and the permutations themselves are
    # drawn in stream order under a lock, so the result is the same for any number of threads.
    workers = _worker_count(pairs.size * permutations)
    if workers == 1:
        totals = [reference.run()]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            totals = list(pool.map(lambda _: reference.run(), range(workers)))
    total = np.sum([count for count, _ in totals], axis=0)
    at_least_observed = np.sum([exceed for _, exceed in totals], axis=0)

    expected = total / permutations
    ratio = np.full(observed.shape, np.nan)
    np.divide(observed, expected, out=ratio, where=expected > 0)
    p = (1.0 + at_least_observed) / (1.0 + permutations)
    return KnoxResult(
        space_edges_m=space_edges,
        time_edges_days=time_edges,
        observed=observed,
        expected=expected,
        ratio=ratio,
        p=p,
        permutations=permutations,
    )


class _PermutationReference:
    """Draws the permutations in stream order and accumulates their counts, chunk by chunk."""

    def __init__(
        self,
        *,
        pairs: _BandedPairs,
        times: NDArray[np.generic],
        thresholds: NDArray[np.generic],
        observed: IntArray,
        rng: np.random.Generator,
        permutations: int,
    ) -> None:
        self.pairs = pairs
        self.times = times
        self.thresholds = thresholds
        self.observed = observed
        self.rng = rng
        self.remaining = permutations
        self.lock = threading.Lock()
        # Bound memory: a chunk holds at most _CHUNK_ELEMENTS pair (or event) values per array.
        self.chunk = max(1, _CHUNK_ELEMENTS // max(pairs.size, times.size, 1))

    def run(self) -> tuple[IntArray, IntArray]:
        """Count permutations until none is left; return (sum of counts, #counts >= observed)."""
        n = self.times.size
        total = np.zeros(self.observed.shape, dtype=np.int64)
        at_least_observed = np.zeros(self.observed.shape, dtype=np.int64)
        while True:
            with self.lock:
                size = min(self.chunk, self.remaining)
                if size == 0:
                    return total, at_least_observed
                self.remaining -= size
                order = np.empty((size, n), dtype=np.intp)
                for row in range(size):
                    order[row] = self.rng.permutation(n)
            counts = self.pairs.count(self.times[order], self.thresholds)
            total += counts.sum(axis=0)
            at_least_observed += (counts >= self.observed).sum(axis=0)


def _worker_count(work: int) -> int:
    """Threads worth starting for ``work`` pair × permutation elements (one below ~50 ms)."""
    if work < _THREADED_WORK:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, _MAX_WORKERS))


@dataclass(frozen=True)
class _BandedPairs:
    """Candidate pairs sorted by space band, then by first event.

    ``run_event``/``run_length`` encode the first events as runs (so that their times are
    repeated, not gathered), ``second`` holds the second events, and ``band_start`` the offsets
    of each space band in the pair arrays.
    """

    run_event: NDArray[np.intp]
    run_length: NDArray[np.intp]
    second: NDArray[np.intp]
    band_start: NDArray[np.intp]

    @property
    def size(self) -> int:
        return int(self.second.size)

    def count(self, times: NDArray[np.generic], thresholds: NDArray[np.generic]) -> IntArray:
        """Pairs per (row of ``times``, space band, time band).

        ``times`` is (permutations × events); ``thresholds`` are the time edges in the dtype of
        ``times`` such that ``dt < thresholds[m]`` exactly when ``dt < time_edges[m]``.
        """
        rows = times.shape[0]
        space_bands = self.band_start.size - 1
        below = np.zeros((rows, space_bands, thresholds.size), dtype=np.int64)
        if self.size:
            first = np.repeat(times[:, self.run_event], self.run_length, axis=1)
            second = np.take(times, self.second, axis=1, mode="clip")  # indices are valid
            np.subtract(first, second, out=first)
            np.abs(first, out=first)
            mask = np.empty(first.shape, dtype=bool)
            for m, threshold in enumerate(thresholds):
                if threshold <= 0:
                    continue  # |dt| < 0 never holds: the count stays 0
                np.less(first, threshold, out=mask)
                for k in range(space_bands):
                    band = mask[:, self.band_start[k] : self.band_start[k + 1]]
                    if rows == 1:  # the flat count is several times faster than axis=1
                        below[0, k, m] = np.count_nonzero(band)
                    else:
                        below[:, k, m] = np.count_nonzero(band, axis=1)
        # Band m holds edges[m] <= dt < edges[m + 1]: the difference of the cumulative counts.
        return np.diff(below, axis=2)


def _events(x_m: ArrayLike, y_m: ArrayLike, t_days: ArrayLike) -> tuple[FloatArray, ...]:
    arrays = []
    for name, values in (("x_m", x_m), ("y_m", y_m), ("t_days", t_days)):
        array = np.asarray(values, dtype=np.float64)
        if array.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} must contain only finite values")
        arrays.append(array)
    lengths = {array.size for array in arrays}
    if len(lengths) != 1:
        raise ValueError(
            "x_m, y_m and t_days must have the same length, got "
            f"{arrays[0].size}, {arrays[1].size} and {arrays[2].size}"
        )
    return tuple(arrays)


def _edges(values: ArrayLike, name: str) -> FloatArray:
    edges = np.asarray(values, dtype=np.float64)
    if edges.ndim != 1 or edges.size < 2:
        raise ValueError(f"{name} must be a one-dimensional sequence of at least two edges")
    if not np.all(np.isfinite(edges)):
        raise ValueError(f"{name} must contain only finite values")
    if edges[0] < 0:
        raise ValueError(f"{name} must start at 0 or more, got {edges[0]}")
    if np.any(np.diff(edges) <= 0):
        raise ValueError(f"{name} must be strictly increasing")
    edges.setflags(write=False)
    return edges


def _candidate_pairs(x: FloatArray, y: FloatArray, space_edges: FloatArray) -> _BandedPairs:
    """Pairs i < j with ``space_edges[0] <= d < space_edges[-1]``, grouped by space band."""
    n = x.size
    space_bands = space_edges.size - 1
    if n >= 2:
        # The tree's own distance test may round differently: ask for a slightly larger radius
        # and decide membership with the documented float64 formula below.
        radius = float(np.nextafter(space_edges[-1] * (1 + 1e-9), np.inf))
        found = cKDTree(np.column_stack([x, y])).query_pairs(radius, output_type="ndarray")
        first, second = found[:, 0], found[:, 1]
    else:
        first = second = np.empty(0, dtype=np.intp)
    dx = x[first] - x[second]
    dy = y[first] - y[second]
    distance = np.sqrt(dx * dx + dy * dy)
    band = (np.searchsorted(space_edges, distance, side="right") - 1).astype(np.int8)
    keep = (band >= 0) & (band < space_bands)
    if not keep.all():
        first, second, band = first[keep], second[keep], band[keep]

    # Sort by first event, then (stable) by band: radix sorts when the keys are 16 bits or less.
    by_first = np.argsort(first.astype(np.uint16) if n <= 1 << 16 else first, kind="stable")
    order = by_first[np.argsort(band[by_first], kind="stable")]
    first = first[order].astype(np.intp)
    second = second[order].astype(np.intp)
    band = band[order]
    new_run = np.empty(first.size, dtype=bool)
    new_run[:1] = True
    np.not_equal(first[1:], first[:-1], out=new_run[1:])
    new_run[1:] |= band[1:] != band[:-1]
    run_starts = np.flatnonzero(new_run)
    run_length = np.diff(np.append(run_starts, first.size)).astype(np.intp)
    band_start = np.searchsorted(band, np.arange(space_edges.size)).astype(np.intp)
    return _BandedPairs(
        run_event=first[run_starts], run_length=run_length, second=second, band_start=band_start
    )


def _time_codes(
    t: FloatArray, time_edges: FloatArray
) -> tuple[NDArray[np.generic], NDArray[np.generic]]:
    """Times and thresholds in the fastest dtype that still compares exactly like float64.

    When every time is a whole number of days, ``dt`` is an integer and ``dt < e`` is the same
    as ``dt < ceil(e)``, so int16 (spans up to ~90 years) or int32 gives exactly the float64
    answer with less memory traffic.
    """
    if t.size and np.all(t == np.floor(t)) and np.max(np.abs(t)) < _INTEGER_TIME_MAGNITUDE:
        lowest = float(t.min())
        span = float(t.max()) - lowest
        if span <= _INTEGER_TIME_RANGE:
            dtype = np.int16 if span < np.iinfo(np.int16).max else np.int32
            thresholds = np.minimum(np.ceil(time_edges), span + 1).astype(dtype)
            return (t - lowest).astype(dtype), thresholds
    return t, time_edges


__all__ = ["KnoxResult", "knox"]
