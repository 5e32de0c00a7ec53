"""Proportions from survey answers: their confidence intervals, the change between two rounds,
and which changes to call significant when many are compared at once.

Pure numpy/scipy kernels, vectorised: every argument may be a scalar or an array (broadcast
together), and so is every result. Proportions are fractions from 0 to 1.

* :func:`wilson_interval` — the Wilson score interval of one proportion (Wilson 1927; method 3 of
  Newcombe 1998a), which keeps within [0, 1] and holds its coverage for small samples and
  proportions near 0 or 1, where the textbook "p ± 1.96 √(p(1−p)/n)" fails;
* :func:`newcombe_difference` — Newcombe's hybrid score interval for the difference of two
  independent proportions, ``p1 − p2`` (Newcombe 1998b, method 10), built from the two Wilson
  intervals;
* :func:`two_proportion_p` — the two-sided p-value of the pooled score test of ``p1 = p2``;
* :func:`flag_changes` — which changes to call significant: Benjamini–Hochberg across all the
  changes compared (:func:`kenesh.analytics.spatial.bh_adjusted`) *and* an interval that
  excludes 0.

References: E. B. Wilson, "Probable inference, the law of succession, and statistical
inference", JASA 22 (1927) 209–212. R. G. Newcombe, "Two-sided confidence intervals for the
single proportion: comparison of seven methods", Stat. Med. 17 (1998a) 857–872. R. G. Newcombe,
"Interval estimation for the difference between independent proportions: comparison of eleven
methods", Stat. Med. 17 (1998b) 873–890. A. Agresti and B. Caffo, "Simple and effective
confidence intervals for proportions and differences of proportions", Am. Stat. 54 (2000)
280–288. Y. Benjamini and Y. Hochberg, "Controlling the false discovery rate", JRSS B 57 (1995)
289–300.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr, ndtri

from kenesh.analytics.spatial import bh_adjusted

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: The false discovery rate at which a change is flagged, and the intervals' level.
DEFAULT_ALPHA = 0.05
DEFAULT_CONFIDENCE = 0.95


@dataclass(frozen=True)
class Interval:
    """An estimate with the bounds of its interval (arrays of one shape; NaN where undefined)."""

    estimate: FloatArray
    lower: FloatArray
    upper: FloatArray


@dataclass(frozen=True)
class Changes:
    """The changes ``p1 − p2`` of several proportions, each with its Newcombe interval, the
    score test's p-value, its Benjamini–Hochberg q-value and whether it is flagged."""

    difference: FloatArray
    lower: FloatArray
    upper: FloatArray
    p: FloatArray
    q: FloatArray
    flagged: BoolArray


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1: {confidence}")
    return float(ndtri(0.5 + confidence / 2.0))


def _counts(successes: ArrayLike, n: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(successes, dtype=np.float64)
    total = np.asarray(n, dtype=np.float64)
    x, total = np.broadcast_arrays(x, total)
    if not (np.isfinite(x).all() and np.isfinite(total).all()):
        raise ValueError("counts must be finite")
    if ((x < 0) | (total < 0) | (x > total)).any():
        raise ValueError("counts must satisfy 0 <= successes <= n")
    return x.astype(np.float64), total.astype(np.float64)


def wilson_interval(
    successes: ArrayLike, n: ArrayLike, confidence: float = DEFAULT_CONFIDENCE
) -> Interval:
    """The proportion ``successes / n`` with its Wilson score interval.

    Formula (Wilson 1927; Newcombe 1998a, method 3), with ``z`` the standard normal quantile of
    ``1 − (1 − confidence) / 2`` and ``p = x / n``::

        centre    = (p + z²/(2n)) / (1 + z²/n)
        halfwidth = z / (1 + z²/n) · √(p(1 − p)/n + z²/(4n²))

    The interval is ``centre ± halfwidth``: the proportions π for which the score test of
    ``π`` does not reject at the level. It lies within [0, 1]; at x = 0 its lower bound is 0 and
    at x = n its upper bound is 1 (exactly: rounding is clipped). Where ``n`` is 0 the estimate
    and both bounds are NaN (nothing was asked of anyone).
    """
    z = _z(confidence)
    x, total = _counts(successes, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / total
        z2n = z * z / total
        centre = (p + z2n / 2.0) / (1.0 + z2n)
        half = z / (1.0 + z2n) * np.sqrt(p * (1.0 - p) / total + z2n / (4.0 * total))
        lower = np.where(x == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
        upper = np.where(x == total, 1.0, np.clip(centre + half, 0.0, 1.0))
    empty = total == 0
    nan = np.nan
    return Interval(
        estimate=np.where(empty, nan, p),
        lower=np.where(empty, nan, lower),
        upper=np.where(empty, nan, upper),
    )


def newcombe_difference(
    x1: ArrayLike,
    n1: ArrayLike,
    x2: ArrayLike,
    n2: ArrayLike,
    confidence: float = DEFAULT_CONFIDENCE,
) -> Interval:
    """The difference ``p1 − p2`` (the first proportion minus the second: a positive value is
    a rise from sample 2 to sample 1) with Newcombe's hybrid score interval.

    Formula (Newcombe 1998b, method 10), with ``(l_i, u_i)`` the Wilson interval of
    ``p_i = x_i / n_i`` at the same level (:func:`wilson_interval`) and ``d = p1 − p2``::

        lower = d − √((p1 − l1)² + (u2 − p2)²)
        upper = d + √((u1 − p1)² + (p2 − l2)²)

    No continuity correction. The interval lies within [−1, 1]. NaN wherever either ``n`` is 0.
    """
    first = wilson_interval(x1, n1, confidence)
    second = wilson_interval(x2, n2, confidence)
    p1, l1, u1 = first.estimate, first.lower, first.upper
    p2, l2, u2 = second.estimate, second.lower, second.upper
    difference = p1 - p2
    lower = difference - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = difference + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Interval(
        estimate=np.asarray(difference, dtype=np.float64),
        lower=np.asarray(np.clip(lower, -1.0, 1.0), dtype=np.float64),
        upper=np.asarray(np.clip(upper, -1.0, 1.0), dtype=np.float64),
    )


def two_proportion_p(x1: ArrayLike, n1: ArrayLike, x2: ArrayLike, n2: ArrayLike) -> FloatArray:
    """Two-sided p-value of the pooled score test (the "two-proportion z-test") of ``p1 = p2``.

    Formula: with the pooled ``p = (x1 + x2) / (n1 + n2)``,
    ``z = (x1/n1 − x2/n2) / √(p (1 − p) (1/n1 + 1/n2))`` and ``P = 2 Φ(−|z|)``; the same as
    Pearson's chi-squared test of the 2×2 table without continuity correction (Agresti and Caffo
    2000 discuss its score-test form). It is 1 where the test says nothing: either ``n`` is 0,
    or the pooled proportion is 0 or 1 (no one, or everyone, in both samples).
    """
    a, total1 = _counts(x1, n1)
    b, total2 = _counts(x2, n2)
    a, total1, b, total2 = np.broadcast_arrays(a, total1, b, total2)
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (a + b) / (total1 + total2)
        se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / total1 + 1.0 / total2))
        z = (a / total1 - b / total2) / se
        p = 2.0 * ndtr(-np.abs(z))
    undefined = (total1 == 0) | (total2 == 0) | ~np.isfinite(z)
    return np.asarray(np.where(undefined, 1.0, np.clip(p, 0.0, 1.0)), dtype=np.float64)


def flag_changes(
    x1: ArrayLike,
    n1: ArrayLike,
    x2: ArrayLike,
    n2: ArrayLike,
    *,
    alpha: float = DEFAULT_ALPHA,
    confidence: float = DEFAULT_CONFIDENCE,
) -> Changes:
    """Every change ``p1 − p2`` compared at once, flagged only where it is significant.

    Each change gets its Newcombe interval (:func:`newcombe_difference`) and the p-value of the
    pooled score test (:func:`two_proportion_p`). The p-values of *all* the changes given —
    every option of every question, in every group compared — are adjusted together by
    Benjamini–Hochberg (:func:`kenesh.analytics.spatial.bh_adjusted`), so that among the changes
    flagged the expected share of chance findings is at most ``alpha`` (Benjamini and Hochberg
    1995). A change is flagged when its q-value is at most ``alpha`` **and** its interval
    excludes 0 (the two almost always agree; requiring both keeps a flag from contradicting the
    interval printed beside it). Only changes the test can judge enter the adjustment: one with
    a sample of 0, or with no one (or everyone) in both samples, is no test at all, so it neither
    counts in the family nor is flagged (its q is 1). Arrays of any shape; the adjustment runs
    over all their elements.
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must lie in [0, 1]: {alpha}")
    interval = newcombe_difference(x1, n1, x2, n2, confidence)
    p = two_proportion_p(x1, n1, x2, n2)
    a, total1 = _counts(x1, n1)
    b, total2 = _counts(x2, n2)
    a, total1, b, total2 = np.broadcast_arrays(a, total1, b, total2)
    pooled_some = (a + b > 0) & (a + b < total1 + total2)
    tested = ((total1 > 0) & (total2 > 0) & pooled_some).ravel()
    flat_q = np.ones(p.size, dtype=np.float64)
    if tested.any():
        flat_q[tested] = bh_adjusted(p.ravel()[tested])
    q = flat_q.reshape(p.shape)
    with np.errstate(invalid="ignore"):
        excludes_zero = (interval.lower > 0.0) | (interval.upper < 0.0)
    flagged = np.asarray((q <= alpha) & excludes_zero, dtype=np.bool_)
    return Changes(
        difference=interval.estimate,
        lower=interval.lower,
        upper=interval.upper,
        p=p,
        q=np.asarray(q, dtype=np.float64),
        flagged=flagged,
    )
