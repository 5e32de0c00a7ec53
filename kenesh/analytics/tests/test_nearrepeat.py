"""Knox near-repeat test against brute-force references written here, on random inputs."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from kenesh.analytics import nearrepeat
from kenesh.analytics.nearrepeat import knox

SPACE_EDGES = [0.0, 50.0, 100.0, 150.0]
TIME_EDGES = [0.0, 7.0, 14.0, 30.0]


def observed_by_double_loop(x, y, t, space_edges, time_edges) -> np.ndarray:
    """The Knox table by the definition: every pair i < j, one at a time, in plain Python."""
    table = np.zeros((len(space_edges) - 1, len(time_edges) - 1), dtype=np.int64)
    n = len(x)
    for i in range(n):
        for j in range(i + 1, n):
            dx, dy = float(x[i]) - float(x[j]), float(y[i]) - float(y[j])
            distance = math.sqrt(dx * dx + dy * dy)
            gap = abs(float(t[i]) - float(t[j]))
            for k in range(len(space_edges) - 1):
                for m in range(len(time_edges) - 1):
                    if (
                        space_edges[k] <= distance < space_edges[k + 1]
                        and time_edges[m] <= gap < time_edges[m + 1]
                    ):
                        table[k, m] += 1
    return table


def dense_table(distance, t, space_edges, time_edges) -> np.ndarray:
    """The Knox table from the full n×n matrices (no spatial index, no pair list)."""
    upper = np.triu(np.ones(distance.shape, dtype=bool), 1)
    gap = np.abs(t[:, None] - t[None, :])
    table = np.zeros((len(space_edges) - 1, len(time_edges) - 1), dtype=np.int64)
    for k in range(len(space_edges) - 1):
        in_space = upper & (distance >= space_edges[k]) & (distance < space_edges[k + 1])
        for m in range(len(time_edges) - 1):
            in_time = (gap >= time_edges[m]) & (gap < time_edges[m + 1])
            table[k, m] = np.count_nonzero(in_space & in_time)
    return table


def permutation_reference(x, y, t, space_edges, time_edges, permutations, seed):
    """Expected and p by brute force: ``rng.permutation(n)`` per iteration, event i gets
    ``t[perm[i]]``, and the whole n×n table is recounted each time."""
    x, y, t = (np.asarray(v, dtype=float) for v in (x, y, t))
    dx = x[:, None] - x[None, :]
    dy = y[:, None] - y[None, :]
    distance = np.sqrt(dx * dx + dy * dy)
    observed = dense_table(distance, t, space_edges, time_edges)
    rng = np.random.default_rng(seed)
    counts = np.array(
        [
            dense_table(distance, t[rng.permutation(len(t))], space_edges, time_edges)
            for _ in range(permutations)
        ]
    )
    expected = counts.mean(axis=0)
    p = (1 + (counts >= observed).sum(axis=0)) / (1 + permutations)
    return observed, expected, p


def events_with_ties(seed: int, n: int, *, whole_days: bool):
    """Events on a 10 m lattice (distances of exactly 50, 100 and 150 m are common: 30-40-50
    triangles) with times on whole or quarter days (gaps of exactly 7, 14 and 30 days)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 25, n) * 10.0
    y = rng.integers(0, 25, n) * 10.0
    t = rng.integers(0, 60, n).astype(float) if whole_days else rng.integers(0, 240, n) / 4.0
    return x, y, t


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("whole_days", [True, False])
def test_observed_counts_equal_a_double_loop_with_ties_on_the_edges(seed, whole_days):
    x, y, t = events_with_ties(seed, 120, whole_days=whole_days)

    result = knox(x, y, t, SPACE_EDGES, TIME_EDGES, permutations=1, seed=seed)

    expected_table = observed_by_double_loop(x, y, t, SPACE_EDGES, TIME_EDGES)
    assert result.observed.dtype.kind == "i"
    np.testing.assert_array_equal(result.observed, expected_table)


def test_a_distance_or_gap_equal_to_an_edge_falls_in_the_upper_band():
    # Pairs (0, 1) and (1, 2) are 50 m and 7 days apart, (0, 2) 100 m and 14 days.
    x, y, t = [0.0, 30.0, 60.0], [0.0, 40.0, 80.0], [0.0, 7.0, 14.0]

    result = knox(x, y, t, [0, 50, 100, 150], [0, 7, 14, 21], permutations=9)

    np.testing.assert_array_equal(result.observed, [[0, 0, 0], [0, 2, 0], [0, 0, 1]])
    # With the edges reached exactly, the last one excludes the pair.
    result = knox(x, y, t, [0, 50, 100], [0, 7, 14], permutations=9)
    np.testing.assert_array_equal(result.observed, [[0, 0], [0, 2]])


def test_observed_counts_equal_a_double_loop_with_irregular_edges_and_far_apart_times():
    rng = np.random.default_rng(7)
    x, y = rng.uniform(0, 3000, 150), rng.uniform(0, 3000, 150)
    t = rng.integers(0, 100_000, 150).astype(float)  # a span too wide for 16-bit times
    space_edges, time_edges = [25.0, 333.3, 1000.0, 2500.5], [10.5, 5000.0, 40_000.0]

    result = knox(x, y, t, space_edges, time_edges, permutations=1)

    expected_table = observed_by_double_loop(x, y, t, space_edges, time_edges)
    np.testing.assert_array_equal(result.observed, expected_table)


@pytest.mark.parametrize("seed", [0, 5, 11])
@pytest.mark.parametrize("whole_days", [True, False])
def test_expected_and_p_equal_a_brute_force_permutation_test(seed, whole_days):
    x, y, t = events_with_ties(seed, 80, whole_days=whole_days)

    result = knox(x, y, t, SPACE_EDGES, TIME_EDGES, permutations=60, seed=seed)

    observed, expected, p = permutation_reference(x, y, t, SPACE_EDGES, TIME_EDGES, 60, seed)
    np.testing.assert_array_equal(result.observed, observed)
    np.testing.assert_allclose(result.expected, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(result.p, p, rtol=0, atol=1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, observed / expected, np.nan)
    np.testing.assert_allclose(result.ratio, ratio, rtol=1e-12, equal_nan=True)


def test_chunks_and_threads_do_not_change_the_result(monkeypatch):
    x, y, t = events_with_ties(3, 150, whole_days=True)
    serial = knox(x, y, t, SPACE_EDGES, TIME_EDGES, permutations=99, seed=4)

    monkeypatch.setattr(nearrepeat, "_CHUNK_ELEMENTS", 1)  # one permutation per chunk
    monkeypatch.setattr(nearrepeat, "_THREADED_WORK", 0)  # threads even for tiny inputs
    monkeypatch.setattr(nearrepeat, "_worker_count", lambda work: 3)
    threaded = knox(x, y, t, SPACE_EDGES, TIME_EDGES, permutations=99, seed=4)

    np.testing.assert_array_equal(threaded.expected, serial.expected)
    np.testing.assert_array_equal(threaded.p, serial.p)


def test_whole_day_times_give_the_same_result_as_the_floating_point_path(monkeypatch):
    x, y, t = events_with_ties(8, 150, whole_days=True)
    fast = knox(x, y, t, SPACE_EDGES, [0.0, 6.5, 14.0, 29.999], permutations=49)

    monkeypatch.setattr(nearrepeat, "_INTEGER_TIME_MAGNITUDE", 0.0)  # always float64
    exact = knox(x, y, t, SPACE_EDGES, [0.0, 6.5, 14.0, 29.999], permutations=49)

    np.testing.assert_array_equal(fast.observed, exact.observed)
    np.testing.assert_array_equal(fast.expected, exact.expected)
    np.testing.assert_array_equal(fast.p, exact.p)


@pytest.mark.parametrize("permutations", [1, 19, 99])
def test_p_values_lie_between_one_over_permutations_plus_one_and_one(permutations):
    x, y, t = events_with_ties(2, 100, whole_days=False)

    result = knox(x, y, t, SPACE_EDGES, TIME_EDGES, permutations=permutations)

    assert np.all(result.p >= 1 / (permutations + 1))
    assert np.all(result.p <= 1)
    assert result.permutations == permutations


def clustered_events(rng: np.random.Generator):
    """Background events over 5 km × 5 km and a year, plus 40 bursts of 5 events within 40 m
    and 5 days of a seed event (the near-repeat signature)."""
    background = 400
    x = list(rng.uniform(0, 5000, background))
    y = list(rng.uniform(0, 5000, background))
    t = list(rng.uniform(0, 365, background))
    for _ in range(40):
        cx, cy, ct = rng.uniform(0, 5000), rng.uniform(0, 5000), rng.uniform(0, 360)
        x += list(cx + rng.uniform(-20, 20, 5))
        y += list(cy + rng.uniform(-20, 20, 5))
        t += list(ct + rng.uniform(0, 5, 5))
    return np.array(x), np.array(y), np.array(t)


def test_a_clustered_pattern_gives_a_high_ratio_and_small_p_in_the_first_bands():
    x, y, t = clustered_events(np.random.default_rng(21))

    result = knox(x, y, t, [0, 100, 200, 400], [0, 7, 14, 30], permutations=199, seed=1)

    assert result.ratio[0, 0] > 5
    assert result.p[0, 0] == pytest.approx(1 / 200)
    # Far apart in time, the same places show no excess.
    assert result.ratio[0, 2] < 2


def test_a_random_pattern_gives_ratios_near_one():
    rng = np.random.default_rng(5)
    n = 3000
    x, y, t = rng.uniform(0, 5000, n), rng.uniform(0, 5000, n), rng.uniform(0, 365, n)

    result = knox(x, y, t, [0, 200, 400, 800], [0, 14, 30, 60], permutations=99, seed=2)

    assert np.all(result.expected > 200)  # enough pairs per cell for a tight ratio
    np.testing.assert_allclose(result.ratio, 1, atol=0.2)
    assert np.all(result.p > 0.001)


def test_the_same_seed_gives_the_same_result_and_another_seed_another():
    x, y, t = events_with_ties(4, 150, whole_days=False)

    first = knox(x, y, t, SPACE_EDGES, TIME_EDGES, permutations=49, seed=12)
    again = knox(x, y, t, SPACE_EDGES, TIME_EDGES, permutations=49, seed=12)
    other = knox(x, y, t, SPACE_EDGES, TIME_EDGES, permutations=49, seed=13)

    np.testing.assert_array_equal(first.expected, again.expected)
    np.testing.assert_array_equal(first.p, again.p)
    np.testing.assert_array_equal(first.observed, other.observed)
    assert not np.array_equal(first.expected, other.expected)


def test_cells_no_pair_can_reach_have_a_nan_ratio_and_p_of_one():
    x, y, t = events_with_ties(6, 50, whole_days=True)

    # No two lattice events are 10 km apart.
    result = knox(x, y, t, [0, 100, 10_000, 20_000], TIME_EDGES, permutations=19)

    np.testing.assert_array_equal(result.observed[2], 0)
    np.testing.assert_array_equal(result.expected[2], 0)
    assert np.all(np.isnan(result.ratio[2]))
    np.testing.assert_array_equal(result.p[2], 1)
    assert np.all(np.isfinite(result.ratio[0]))


@pytest.mark.parametrize("n", [0, 1])
def test_fewer_than_two_events_give_an_empty_table(n):
    result = knox([0.0] * n, [0.0] * n, [0.0] * n, SPACE_EDGES, TIME_EDGES, permutations=9)

    assert result.observed.shape == (3, 3)
    np.testing.assert_array_equal(result.observed, 0)
    assert np.all(np.isnan(result.ratio))
    np.testing.assert_array_equal(result.p, 1)


def test_the_result_is_frozen():
    result = knox([0.0, 1.0], [0.0, 0.0], [0.0, 1.0], SPACE_EDGES, TIME_EDGES, permutations=1)

    with pytest.raises(AttributeError):
        result.p = None  # type: ignore[misc,assignment]


GOOD = {
    "x_m": [0.0, 10.0, 20.0],
    "y_m": [0.0, 0.0, 5.0],
    "t_days": [0.0, 3.0, 9.0],
    "space_edges_m": [0, 100, 200],
    "time_edges_days": [0, 7, 14],
}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"x_m": [0.0, 10.0]}, "same length"),
        ({"t_days": [0.0, 3.0, 9.0, 12.0]}, "same length"),
        ({"y_m": [0.0, np.nan, 5.0]}, "finite"),
        ({"x_m": [0.0, np.inf, 5.0]}, "finite"),
        ({"t_days": [0.0, 1.0, -np.inf]}, "finite"),
        ({"x_m": [[0.0, 10.0, 20.0]]}, "one-dimensional"),
        ({"space_edges_m": [0, 200, 100]}, "strictly increasing"),
        ({"space_edges_m": [0, 100, 100]}, "strictly increasing"),
        ({"time_edges_days": [-1, 7, 14]}, "0 or more"),
        ({"space_edges_m": [100]}, "at least two"),
        ({"time_edges_days": []}, "at least two"),
        ({"time_edges_days": [0, 7, np.nan]}, "finite"),
        ({"space_edges_m": [0, np.inf]}, "finite"),
        ({"permutations": 0}, "at least 1"),
        ({"permutations": -5}, "at least 1"),
        ({"permutations": 9.5}, "integer"),
        ({"permutations": True}, "integer"),
    ],
)
def test_invalid_inputs_raise_a_clear_value_error(changes, message):
    with pytest.raises(ValueError, match=message):
        knox(**{**GOOD, **changes})


def test_importing_the_kernel_does_not_import_django():
    code = (
        "import sys; import kenesh.analytics.nearrepeat; "
        "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)"
    )

    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)

    assert completed.returncode == 0, completed.stderr or "django was imported"
