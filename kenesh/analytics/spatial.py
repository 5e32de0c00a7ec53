"""Spatial statistics on a set of cells: Getis–Ord Gi*, global Moran's I, Benjamini–Hochberg.

Every function takes the values ``y`` of n cells as a float array and the neighbourhood as an
n×n ``scipy.sparse`` binary matrix ``w`` (``w[i, j] == 1`` when j is a neighbour of i) with an
empty diagonal, such as :func:`kenesh.analytics.grid.queen_weights` returns. Everything is
vectorised with sparse matrix products; no Python loop runs over cells.

The results are checked against PySAL ``esda`` (Rey and Anselin 2007) in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.sparse
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
ClassArray = NDArray[np.int8]

#: Confidence levels of the hot/cold spot classes 1, 2 and 3 (90 %, 95 %, 99 %).
HOTSPOT_CONFIDENCE_LEVELS: tuple[float, float, float] = (0.90, 0.95, 0.99)


@dataclass(frozen=True)
class GiStar:
    """Local Getis–Ord Gi* per cell: standard normal deviate ``z`` and two-sided ``p``."""

    z: FloatArray
    p: FloatArray


@dataclass(frozen=True)
class MoransI:
    """Global Moran's I with its moments and test under the normality assumption."""

    I: float  # noqa: E741 -- the statistic's published name
    expected: float
    variance: float
    z: float
    p: float


def gi_star(y: ArrayLike, w: Any) -> GiStar:
    """Getis–Ord Gi* local statistic of every cell, as a z-score with a two-sided p-value.

    Formula (Ord and Getis 1995, eq. 14 with binary weights; Getis and Ord 1992). The window of
    cell i is the cell itself plus its neighbours, that is the rows of ``W* = w + I``::

        S_i  = sum_j W*_ij y_j            (sum of y over the window)
        k_i  = sum_j W*_ij                (number of cells in the window, neighbours + 1)
        ybar = sum_j y_j / n              s = sqrt(sum_j y_j**2 / n - ybar**2)
        z_i  = (S_i - k_i ybar) / (s sqrt((n k_i - k_i**2) / (n - 1)))
        p_i  = 2 (1 - Phi(|z_i|))         (two-sided, normal approximation)

    ``s`` is the population standard deviation (divisor n), as in the paper and in PySAL.

    Units: ``y`` in any unit (typically incidents per cell); ``z`` is dimensionless (standard
    deviations), ``p`` a probability. A positive z is a hot spot, a negative z a cold spot.

    Equal to PySAL ``esda.G_Local(y, w, transform="B", star=True, permutations=0).Zs`` (and twice
    its one-sided ``p_norm``) whenever the mean of y is positive, which it is for counts. esda
    writes the same statistic as a ratio ``G_i = S_i / sum(y)`` standardised by moments divided
    by ``ybar**2``; that form is undefined for a zero mean and flips the sign of z for a
    negative mean. This function uses the difference form above, valid for any mean.

    Degenerate cases (documented choices, not errors):

    - zero variance (every y equal, or n = 1): no cell departs from the mean, so z = 0 and p = 1
      (esda returns NaN);
    - a window covering all n cells (k_i = n): its sum is fixed by the data, so z = 0, p = 1;
    - an isolated cell (no neighbours, k_i = 1): the window is the cell alone and z_i reduces to
      its standardised value (y_i - ybar) / s, as in esda. Weights built on a full grid have no
      isolated cells.

    Args:
        y: n finite values, one per cell.
        w: n×n scipy.sparse binary neighbour matrix, without the diagonal (each cell is added to
            its own window here). It need not be symmetric.

    Raises:
        ValueError: y is not a finite 1-d array, or w is not an n×n binary matrix with an empty
            diagonal.
    """
    values = _as_values(y)
    n = values.size
    adjacency = _as_binary_adjacency(w, n)
    window_sum = adjacency @ values + values
    window_size = np.diff(adjacency.indptr).astype(np.float64) + 1.0
    mean = float(values.mean()) if n else 0.0
    sd = float(values.std()) if n else 0.0
    # Exact test for constant y: its float mean can differ from the value by rounding, and a
    # tiny spurious sd would turn that rounding into large z-scores.
    if n < 2 or sd == 0.0 or values.min() == values.max():
        z = np.zeros(n)
    else:
        denominator = sd * np.sqrt(window_size * (n - window_size) / (n - 1))
        numerator = window_sum - window_size * mean
        safe = denominator > 0.0
        z = np.zeros(n)
        z[safe] = numerator[safe] / denominator[safe]
    return GiStar(z=z, p=_two_sided_p(z))


def morans_i(y: ArrayLike, w: Any, transform: Literal["r", "b"] = "r") -> MoransI:
    """Global Moran's I of y over the neighbourhood w, tested under the normality assumption.

    Formula (Moran 1950; moments from Cliff and Ord 1981, ch. 2, eqs. 2.27–2.33). With V the
    weights after ``transform`` (``"b"``: w as given, binary; ``"r"``: each row divided by its
    sum, rows of isolated cells stay zero) and ``d_i = y_i - ybar``::

        S0 = sum_ij V_ij
        S1 = 1/2 sum_ij (V_ij + V_ji)**2
        S2 = sum_i (sum_j V_ij + sum_j V_ji)**2
        I        = n / S0 * sum_ij V_ij d_i d_j / sum_i d_i**2
        E[I]     = -1 / (n - 1)
        Var[I]   = (n**2 S1 - n S2 + 3 S0**2) / ((n - 1)(n + 1) S0**2) - E[I]**2
        z        = (I - E[I]) / sqrt(Var[I])
        p        = 2 (1 - Phi(|z|))          (two-sided)

    Units: I, E[I] and z are dimensionless; Var[I] is the variance of I; p a probability.
    I > E[I] means neighbouring cells have similar values (clustering).

    Equal to PySAL ``esda.Moran(y, w, transformation=transform)`` attributes ``I``, ``EI``,
    ``VI_norm``, ``z_norm`` and ``p_norm``. esda's default ``two_tailed=True`` takes the tail in
    the direction of z (``sf`` when z > 0, else ``cdf``) and doubles it, which is exactly the
    two-sided p above.

    Undefined cases return NaN for I, z and p (and for Var[I] when S0 = 0): constant y (0/0),
    no neighbour pairs at all (S0 = 0) or fewer than three cells (Var[I] = 0).

    Args:
        y: n finite values, one per cell.
        w: n×n scipy.sparse binary neighbour matrix without the diagonal.
        transform: ``"r"`` row-standardised (the default, as in esda) or ``"b"`` binary.

    Raises:
        ValueError: bad y, w or transform.
    """
    mode = transform.lower()
    if mode not in ("r", "b"):
        raise ValueError(f"transform must be 'r' (row-standardised) or 'b' (binary): {transform!r}")
    values = _as_values(y)
    n = values.size
    adjacency = _as_binary_adjacency(w, n)
    weights = adjacency.astype(np.float64)
    if mode == "r":
        neighbours = np.diff(weights.indptr)
        weights.data = weights.data / np.repeat(neighbours, neighbours)
    expected = -1.0 / (n - 1) if n > 1 else float("nan")
    s0 = float(weights.sum())
    if n < 2 or s0 == 0.0:
        return MoransI(
            I=float("nan"), expected=expected, variance=float("nan"), z=float("nan"), p=float("nan")
        )
    symmetric = weights + weights.T
    s1 = 0.5 * float(symmetric.multiply(symmetric).sum())
    row_plus_column = (
        np.asarray(weights.sum(axis=1)).ravel() + np.asarray(weights.sum(axis=0)).ravel()
    )
    s2 = float((row_plus_column**2).sum())
    variance = (n * n * s1 - n * s2 + 3.0 * s0 * s0) / ((n - 1) * (n + 1) * s0 * s0) - expected**2
    deviations = values - values.mean()
    sum_of_squares = float(deviations @ deviations)
    if sum_of_squares == 0.0 or values.min() == values.max():
        return MoransI(
            I=float("nan"), expected=expected, variance=variance, z=float("nan"), p=float("nan")
        )
    statistic = n / s0 * float(deviations @ (weights @ deviations)) / sum_of_squares
    if variance <= 0.0:
        return MoransI(
            I=statistic, expected=expected, variance=variance, z=float("nan"), p=float("nan")
        )
    z = (statistic - expected) / float(np.sqrt(variance))
    return MoransI(
        I=statistic, expected=expected, variance=variance, z=z, p=float(2.0 * ndtr(-abs(z)))
    )


def fdr_threshold(p: ArrayLike, alpha: float) -> float:
    """Benjamini–Hochberg cut-off: the largest p-value declared a discovery at FDR ``alpha``.

    Formula (Benjamini and Hochberg 1995, step-up procedure): sort the m p-values ascending,
    ``p_(1) <= ... <= p_(m)``, find the largest k with ``p_(k) <= k alpha / m`` and reject every
    hypothesis with ``p <= p_(k)``. Controls the expected proportion of false discoveries at
    ``alpha`` for independent or positively dependent tests (Benjamini and Yekutieli 2001).

    Units: probabilities. Returns 0.0 when nothing is a discovery (no p-value is then <= the
    cut-off, since a p-value of 0 is always a discovery when alpha >= 0).

    Differs from ``esda.fdr``, which returns the critical value ``k alpha / m`` (used with a
    strict ``<``) and the Bonferroni bound ``alpha / m`` when nothing is rejected; both flag the
    same hypotheses except for p-values exactly equal to the critical value.
    """
    values = _as_probabilities(p)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must lie in [0, 1]: {alpha}")
    m = values.size
    if m == 0:
        return 0.0
    ordered = np.sort(values, axis=None)
    passing = np.flatnonzero(ordered <= alpha * np.arange(1, m + 1) / m)
    return float(ordered[passing[-1]]) if passing.size else 0.0


def fdr(p: ArrayLike, alpha: float) -> BoolArray:
    """Benjamini–Hochberg discoveries: True where a hypothesis is rejected at FDR ``alpha``.

    Formula (Benjamini and Hochberg 1995): reject every hypothesis whose p-value is at most
    ``p_(k)``, the largest sorted p-value with ``p_(k) <= k alpha / m`` (see
    :func:`fdr_threshold`). Returns a boolean array the shape of ``p``; all False when no k
    qualifies.
    """
    values = _as_probabilities(p)
    # With no discovery the cut-off is 0.0 and no p-value is <= 0 (a zero would be a discovery).
    return np.asarray(values <= fdr_threshold(values, alpha), dtype=np.bool_)


def bh_adjusted(p: ArrayLike) -> FloatArray:
    """Benjamini–Hochberg adjusted p-values ("q-values"): ``q_(k) = min_{j >= k} p_(j) m / j``
    over the p-values sorted ascending, capped at 1 (Benjamini and Hochberg 1995; R's
    ``p.adjust(method="BH")``). A cell is a discovery at FDR ``alpha`` exactly when
    ``q <= alpha``, so q says at which level a cell's hot spot class holds."""
    p = _as_probabilities(p)
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted_sorted = np.minimum.accumulate(scaled[::-1])[::-1]
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(adjusted_sorted, 1.0)
    return adjusted


def hotspot_classes(z: ArrayLike, p: ArrayLike) -> ClassArray:
    """Hot and cold spot classes after Benjamini–Hochberg, as integers from -3 to 3.

    Class ``sign(z_i) * c_i`` where ``c_i`` counts the confidence levels 90 %, 95 % and 99 % at
    which cell i is a discovery under :func:`fdr` with ``alpha = 1 - level`` applied to all
    cells:

    - 3 / -3: hot / cold spot at 99 % confidence,
    - 2 / -2: at 95 % (but not 99 %),
    - 1 / -1: at 90 % (but not 95 %),
    - 0: not significant at 90 %.

    BH discoveries are nested (a discovery at alpha is one at any larger alpha), so the levels
    stack. This is the "Gi_Bin" convention of ArcGIS Hot Spot Analysis with its FDR correction
    (Esri, "How Hot Spot Analysis (Getis-Ord Gi*) works"), with BH as in Caldas de Castro and
    Singer (2006). Units: ``z`` standard deviates (the sign says hot or cold), ``p`` two-sided
    probabilities; the output is int8.
    """
    scores = np.asarray(z, dtype=np.float64)
    values = _as_probabilities(p)
    if scores.shape != values.shape:
        raise ValueError(f"z and p differ in shape: {scores.shape} and {values.shape}")
    levels = np.zeros(values.shape, dtype=np.int8)
    for confidence in HOTSPOT_CONFIDENCE_LEVELS:
        levels += fdr(values, 1.0 - confidence).astype(np.int8)
    return (np.sign(scores).astype(np.int8) * levels).astype(np.int8)


def _two_sided_p(z: FloatArray) -> FloatArray:
    # ndtr(-|z|) is the upper normal tail without cancellation for large |z|.
    return np.asarray(2.0 * ndtr(-np.abs(z)), dtype=np.float64)


def _as_values(y: ArrayLike) -> FloatArray:
    values = np.asarray(y, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"y must be a 1-d array of cell values, got shape {values.shape}")
    if not np.isfinite(values).all():
        raise ValueError("y must be finite (no NaN or infinity)")
    return values


def _as_probabilities(p: ArrayLike) -> FloatArray:
    values = np.asarray(p, dtype=np.float64)
    if not ((values >= 0.0) & (values <= 1.0)).all():
        raise ValueError("p-values must lie in [0, 1] (no NaN)")
    return values


def _as_binary_adjacency(w: Any, n: int) -> Any:
    """w as a canonical CSR array (sorted, no duplicates, no stored zeros), after validation."""
    if not scipy.sparse.issparse(w):
        raise ValueError("w must be a scipy.sparse matrix or array")
    if w.shape != (n, n):
        raise ValueError(f"w must be {n}×{n} for {n} values, got {w.shape}")
    adjacency = scipy.sparse.csr_array(w, dtype=np.float64, copy=True)
    adjacency.sum_duplicates()
    adjacency.eliminate_zeros()
    if not (adjacency.data == 1.0).all():
        raise ValueError("w must be binary: every stored neighbour weight equal to 1")
    if adjacency.diagonal().any():
        raise ValueError("w must not contain the diagonal (each cell's self-weight)")
    return adjacency
