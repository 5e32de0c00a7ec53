"""Gi*, Moran's I and Benjamini–Hochberg against PySAL esda and brute-force references."""

from __future__ import annotations

import subprocess
import sys

import esda
import libpysal
import numpy as np
import pytest
import scipy.sparse
import scipy.stats

from kenesh.analytics.grid import queen_weights
from kenesh.analytics.spatial import (
    bh_adjusted,
    fdr,
    fdr_threshold,
    gi_star,
    hotspot_classes,
    morans_i,
)

GRID_SHAPES = [(3, 4), (1, 9), (10, 7), (25, 40)]
KINDS = ["counts", "mostly_zero", "skewed"]


def random_values(rng: np.random.Generator, n: int, kind: str) -> np.ndarray:
    """Cell values with the awkward features of real counts: many zeros, ties, a skewed tail."""
    if kind == "counts":
        return rng.poisson(1.5, n).astype(float)
    if kind == "mostly_zero":
        values = np.zeros(n)
        values[rng.choice(n, max(2, n // 5), replace=False)] = rng.integers(1, 30, max(2, n // 5))
        return values
    return np.round(rng.lognormal(1.0, 1.0, n), 1)


def libpysal_weights(w: scipy.sparse.csr_array) -> libpysal.weights.W:
    return libpysal.weights.WSP(scipy.sparse.csr_matrix(w)).to_W()


def random_graph_with_islands(rng: np.random.Generator, n: int) -> scipy.sparse.csr_array:
    """A random symmetric binary graph in which some cells have no neighbours."""
    dense = rng.random((n, n)) < 4.0 / n
    dense = np.triu(dense, 1)
    dense = dense | dense.T
    isolated = rng.choice(n, 3, replace=False)
    dense[isolated, :] = False
    dense[:, isolated] = False
    return scipy.sparse.csr_array(dense.astype(float))


@pytest.mark.parametrize("shape", GRID_SHAPES)
@pytest.mark.parametrize("kind", KINDS)
def test_gi_star_equals_esda_on_random_grids(shape: tuple[int, int], kind: str) -> None:
    rng = np.random.default_rng([*shape, KINDS.index(kind)])
    n_rows, n_cols = shape
    y = random_values(rng, n_rows * n_cols, kind)
    lattice = libpysal.weights.lat2W(n_rows, n_cols, rook=False)
    reference = esda.G_Local(y, lattice, transform="B", star=True, permutations=0)
    result = gi_star(y, queen_weights(n_rows, n_cols))
    np.testing.assert_allclose(result.z, reference.Zs, rtol=0, atol=1e-9)
    # esda's p_norm is one-sided; ours is two-sided.
    np.testing.assert_allclose(result.p, 2 * reference.p_norm, rtol=0, atol=1e-12)


# libpysal's W warns that a graph with isolated cells is not fully connected; these tests build
# exactly such graphs on purpose.
@pytest.mark.filterwarnings("ignore:The weights matrix is not fully connected:UserWarning")
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_gi_star_equals_esda_on_random_graphs_with_isolated_cells(seed: int) -> None:
    rng = np.random.default_rng(seed)
    w = random_graph_with_islands(rng, 60)
    y = random_values(rng, 60, "counts")
    reference = esda.G_Local(y, libpysal_weights(w), transform="B", star=True, permutations=0)
    np.testing.assert_allclose(gi_star(y, w).z, reference.Zs, rtol=0, atol=1e-9)


def test_gi_star_accepts_an_asymmetric_neighbour_matrix_as_esda_does() -> None:
    rng = np.random.default_rng(7)
    dense = (rng.random((30, 30)) < 0.2) & ~np.eye(30, dtype=bool)
    dense[np.arange(30), (np.arange(30) + 1) % 30] = True  # nobody is isolated
    w = scipy.sparse.csr_array(dense.astype(float))
    y = random_values(rng, 30, "counts")
    neighbours = {i: list(np.flatnonzero(dense[i])) for i in range(30)}
    reference = esda.G_Local(
        y, libpysal.weights.W(neighbours), transform="B", star=True, permutations=0
    )
    np.testing.assert_allclose(gi_star(y, w).z, reference.Zs, rtol=0, atol=1e-9)


@pytest.mark.parametrize("value", [3.0, 0.1, 0.0])
def test_gi_star_gives_zero_z_and_unit_p_when_every_value_is_equal(value: float) -> None:
    result = gi_star(np.full(12, value), queen_weights(3, 4))
    assert (result.z == 0).all()
    assert (result.p == 1).all()


def test_gi_star_gives_zero_z_for_a_window_covering_every_cell() -> None:
    # In a 2×2 queen grid each window holds all four cells: the window sum is the grand total.
    result = gi_star(np.array([1.0, 5.0, 2.0, 9.0]), queen_weights(2, 2))
    assert (result.z == 0).all()


def test_gi_star_refuses_a_matrix_with_the_diagonal() -> None:
    w = queen_weights(3, 3) + scipy.sparse.eye_array(9)
    with pytest.raises(ValueError, match="diagonal"):
        gi_star(np.arange(9.0), w)


def test_gi_star_refuses_weights_that_are_not_binary() -> None:
    w = queen_weights(3, 3) * 0.5
    with pytest.raises(ValueError, match="binary"):
        gi_star(np.arange(9.0), w)


def test_gi_star_refuses_values_with_nan() -> None:
    with pytest.raises(ValueError, match="finite"):
        gi_star(np.array([1.0, np.nan, 2.0, 0.0]), queen_weights(2, 2))


@pytest.mark.parametrize("shape", GRID_SHAPES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("transform", ["r", "b"])
def test_morans_i_equals_esda_on_random_grids(
    shape: tuple[int, int], kind: str, transform: str
) -> None:
    rng = np.random.default_rng([*shape, KINDS.index(kind), "rb".index(transform)])
    n_rows, n_cols = shape
    y = random_values(rng, n_rows * n_cols, kind)
    lattice = libpysal.weights.lat2W(n_rows, n_cols, rook=False)
    reference = esda.Moran(y, lattice, transformation=transform, permutations=0)
    result = morans_i(y, queen_weights(n_rows, n_cols), transform=transform)  # type: ignore[arg-type]
    for ours, theirs in [
        (result.I, reference.I),
        (result.expected, reference.EI),
        (result.variance, reference.VI_norm),
        (result.z, reference.z_norm),
        (result.p, reference.p_norm),
    ]:
        assert abs(ours - theirs) <= 1e-9


# libpysal's W warns that a graph with isolated cells is not fully connected; these tests build
# exactly such graphs on purpose.
@pytest.mark.filterwarnings("ignore:The weights matrix is not fully connected:UserWarning")
@pytest.mark.parametrize("transform", ["r", "b"])
def test_morans_i_equals_esda_on_a_random_graph_with_isolated_cells(transform: str) -> None:
    rng = np.random.default_rng(11)
    w = random_graph_with_islands(rng, 80)
    y = random_values(rng, 80, "skewed")
    reference = esda.Moran(y, libpysal_weights(w), transformation=transform, permutations=0)
    result = morans_i(y, w, transform=transform)  # type: ignore[arg-type]
    assert abs(result.I - reference.I) <= 1e-9
    assert abs(result.variance - reference.VI_norm) <= 1e-9
    assert abs(result.z - reference.z_norm) <= 1e-9
    assert abs(result.p - reference.p_norm) <= 1e-9


@pytest.mark.parametrize("value", [1.0, 0.1])
def test_morans_i_is_nan_when_every_value_is_equal(value: float) -> None:
    result = morans_i(np.full(12, value), queen_weights(3, 4))
    assert np.isnan(result.I)
    assert np.isnan(result.p)


def test_morans_i_refuses_an_unknown_transform() -> None:
    with pytest.raises(ValueError, match="transform"):
        morans_i(np.arange(4.0), queen_weights(2, 2), transform="d")  # type: ignore[arg-type]


def brute_force_benjamini_hochberg(p: list[float], alpha: float) -> list[bool]:
    """Benjamini and Hochberg (1995), literally: reject H_(1..k) for the largest k that passes."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    largest_k = 0
    for k in range(1, m + 1):
        if p[order[k - 1]] <= k * alpha / m:
            largest_k = k
    rejected = [False] * m
    for rank in range(largest_k):
        rejected[order[rank]] = True
    # Ties with the last rejected p-value are rejected too (they share its rank's evidence).
    if largest_k:
        cut = p[order[largest_k - 1]]
        rejected = [r or value <= cut for r, value in zip(rejected, p, strict=True)]
    return rejected


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.1, 0.5])
def test_fdr_equals_a_brute_force_benjamini_hochberg(seed: int, alpha: float) -> None:
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 300))
    signals = rng.random(m) < 0.3
    p = np.where(signals, rng.beta(0.2, 8.0, m), rng.random(m))
    p = np.round(p, 3)  # ties, and some exact zeros
    expected = brute_force_benjamini_hochberg(p.tolist(), alpha)
    assert fdr(p, alpha).tolist() == expected


def test_fdr_threshold_is_the_largest_rejected_p_value() -> None:
    p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216])
    # Benjamini and Hochberg's step-up at 0.05 on 10 tests: 0.008 <= 2 × 0.005, 0.039 > 0.015 ...
    assert fdr_threshold(p, 0.05) == 0.008
    assert fdr(p, 0.05).sum() == 2


def test_fdr_finds_nothing_when_no_p_value_is_small_enough() -> None:
    assert not fdr(np.array([0.2, 0.5, 0.9]), 0.05).any()
    assert fdr_threshold(np.array([0.2, 0.5, 0.9]), 0.05) == 0.0


def test_fdr_on_no_p_values_finds_nothing() -> None:
    assert fdr(np.array([]), 0.05).shape == (0,)


def test_fdr_flags_the_same_cells_as_esda_fdr_on_continuous_p_values() -> None:
    rng = np.random.default_rng(5)
    p = np.concatenate([rng.random(500), rng.beta(0.1, 10, 100)])
    for alpha in (0.01, 0.05, 0.1):
        assert (fdr(p, alpha) == (p < esda.fdr(p, alpha))).all()


@pytest.mark.parametrize("seed", range(4))
def test_hotspot_classes_count_the_confidence_levels_passed_after_fdr(seed: int) -> None:
    rng = np.random.default_rng(seed)
    z = np.concatenate([rng.normal(0, 1, 400), rng.normal(0, 4, 100)])
    p = 2 * scipy.stats.norm.sf(np.abs(z))
    levels = sum(
        np.array(brute_force_benjamini_hochberg(p.tolist(), alpha), dtype=int)
        for alpha in (0.10, 0.05, 0.01)
    )
    expected = np.sign(z).astype(int) * levels
    classes = hotspot_classes(z, p)
    assert classes.dtype == np.int8
    assert classes.tolist() == expected.tolist()
    assert set(np.unique(classes)) <= set(range(-3, 4))


def test_hotspot_classes_mark_a_cluster_of_high_counts_hot_and_the_rest_not_significant() -> None:
    y = np.zeros((20, 20))
    y += np.random.default_rng(3).poisson(1.0, (20, 20))
    y[8:12, 8:12] += 15
    result = gi_star(y.ravel(), queen_weights(20, 20))
    classes = hotspot_classes(result.z, result.p).reshape(20, 20)
    assert (classes[9:11, 9:11] == 3).all()
    assert (classes[0:3, 0:3] <= 0).all()


def test_importing_the_kernels_does_not_import_django() -> None:
    code = (
        "import sys, kenesh.analytics.spatial, kenesh.analytics.grid;"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "[]"


def _brute_force_q_values(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg q-values by their definition: q_i = min over the p-values ranked at
    or after p_i of p_(j) m / j, capped at 1 (ties ranked in input order)."""
    m = p.size
    order = sorted(range(m), key=lambda i: (p[i], i))
    rank = {index: position + 1 for position, index in enumerate(order)}
    return np.array(
        [
            min(1.0, min(p[j] * m / rank[j] for j in range(m) if rank[j] >= rank[i]))
            for i in range(m)
        ]
    )


@pytest.mark.parametrize("seed", range(5))
def test_bh_adjusted_equals_the_definition_and_agrees_with_fdr(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(0, 1, 60), rng.uniform(0, 0.01, 15), [0.02, 0.02, 1.0]])
    q = bh_adjusted(p)
    np.testing.assert_allclose(q, _brute_force_q_values(p), rtol=0, atol=1e-15)
    for alpha in (0.01, 0.05, 0.1):
        np.testing.assert_array_equal(q <= alpha, fdr(p, alpha))


def test_bh_adjusted_of_no_p_values_is_empty() -> None:
    assert bh_adjusted(np.array([])).size == 0
