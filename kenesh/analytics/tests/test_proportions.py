"""The proportion kernels against published values (Newcombe 1998a and 1998b), a brute-force
inversion of the score test, scipy's chi-squared test, and R's ``p.adjust`` arithmetic."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats

from kenesh.analytics.proportions import (
    flag_changes,
    newcombe_difference,
    two_proportion_p,
    wilson_interval,
)

# Newcombe (1998a), Table I, method 3 (score interval without continuity correction).
WILSON_PUBLISHED = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]

# Newcombe (1998b), Table II, method 10 (hybrid score interval without continuity correction).
NEWCOMBE_PUBLISHED = [
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (6, 7, 2, 7, 0.0582, 0.8062),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (0, 10, 0, 10, -0.2775, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0000),
    (10, 10, 0, 10, 0.6075, 1.0000),
]


@pytest.mark.parametrize(("x", "n", "lower", "upper"), WILSON_PUBLISHED)
def test_wilson_interval_matches_newcombes_published_values(
    x: int, n: int, lower: float, upper: float
) -> None:
    found = wilson_interval(x, n)
    assert float(found.estimate) == pytest.approx(x / n)
    assert float(found.lower) == pytest.approx(lower, abs=5e-5)
    assert float(found.upper) == pytest.approx(upper, abs=5e-5)


def _score_bounds(x: int, n: int, z: float) -> tuple[float, float]:
    """The Wilson interval by its definition: the π where the score statistic equals ±z,
    found by root finding instead of the closed form."""
    p = x / n

    def score(pi: float) -> float:
        return (p - pi) / math.sqrt(pi * (1 - pi) / n)

    lower = 0.0 if x == 0 else optimize.brentq(lambda pi: score(pi) - z, 1e-12, min(p, 1 - 1e-12))
    upper = 1.0 if x == n else optimize.brentq(lambda pi: score(pi) + z, max(p, 1e-12), 1 - 1e-12)
    return lower, upper


def test_wilson_interval_inverts_the_score_test_on_random_counts() -> None:
    rng = np.random.default_rng(7)
    n = rng.integers(1, 400, size=60)
    x = rng.integers(0, n + 1)
    for confidence in (0.90, 0.95, 0.99):
        found = wilson_interval(x, n, confidence)
        z = stats.norm.ppf(0.5 + confidence / 2)
        for i in range(n.size):
            lower, upper = _score_bounds(int(x[i]), int(n[i]), z)
            assert found.lower[i] == pytest.approx(lower, abs=1e-9)
            assert found.upper[i] == pytest.approx(upper, abs=1e-9)


def test_wilson_interval_keeps_within_zero_and_one_at_the_edges() -> None:
    found = wilson_interval([0, 5, 0], [5, 5, 0])
    assert found.lower[0] == 0.0 and 0 < found.upper[0] < 1
    assert found.upper[1] == 1.0 and 0 < found.lower[1] < 1
    assert math.isnan(found.estimate[2]) and math.isnan(found.lower[2])


def test_wilson_interval_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError):
        wilson_interval(6, 5)
    with pytest.raises(ValueError):
        wilson_interval(-1, 5)
    with pytest.raises(ValueError):
        wilson_interval(1, 5, confidence=1.0)


@pytest.mark.parametrize(("x1", "n1", "x2", "n2", "lower", "upper"), NEWCOMBE_PUBLISHED)
def test_newcombe_difference_matches_the_published_examples(
    x1: int, n1: int, x2: int, n2: int, lower: float, upper: float
) -> None:
    found = newcombe_difference(x1, n1, x2, n2)
    assert float(found.estimate) == pytest.approx(x1 / n1 - x2 / n2)
    assert float(found.lower) == pytest.approx(lower, abs=5e-5)
    assert float(found.upper) == pytest.approx(upper, abs=5e-5)


def test_newcombe_difference_is_first_minus_second_and_antisymmetric() -> None:
    forward = newcombe_difference(56, 70, 48, 80)
    backward = newcombe_difference(48, 80, 56, 70)
    assert float(forward.estimate) == pytest.approx(0.2)
    assert float(backward.estimate) == pytest.approx(-0.2)
    assert float(backward.lower) == pytest.approx(-float(forward.upper))
    assert float(backward.upper) == pytest.approx(-float(forward.lower))


def test_newcombe_difference_by_hand_from_the_wilson_bounds() -> None:
    """Method 10's formula written out from Wilson bounds computed by root finding."""
    z = stats.norm.ppf(0.975)
    l1, u1 = _score_bounds(56, 70, z)
    l2, u2 = _score_bounds(48, 80, z)
    p1, p2 = 0.8, 0.6
    found = newcombe_difference(56, 70, 48, 80)
    assert float(found.lower) == pytest.approx(0.2 - math.hypot(p1 - l1, u2 - p2), abs=1e-9)
    assert float(found.upper) == pytest.approx(0.2 + math.hypot(u1 - p1, p2 - l2), abs=1e-9)


def test_newcombe_difference_is_undefined_without_a_sample() -> None:
    found = newcombe_difference(0, 0, 3, 10)
    assert math.isnan(found.estimate) and math.isnan(found.lower) and math.isnan(found.upper)


def test_the_score_test_p_value_equals_pearsons_chi_squared_without_correction() -> None:
    rng = np.random.default_rng(11)
    n1, n2 = rng.integers(5, 300, size=40), rng.integers(5, 300, size=40)
    x1, x2 = rng.integers(0, n1 + 1), rng.integers(0, n2 + 1)
    found = two_proportion_p(x1, n1, x2, n2)
    for i in range(n1.size):
        table = [[x1[i], n1[i] - x1[i]], [x2[i], n2[i] - x2[i]]]
        if min(x1[i] + x2[i], n1[i] + n2[i] - x1[i] - x2[i]) == 0:
            assert found[i] == 1.0
            continue
        expected = stats.chi2_contingency(table, correction=False).pvalue
        assert found[i] == pytest.approx(expected, rel=1e-9)


def test_the_score_test_says_nothing_when_no_one_or_everyone_answered_so() -> None:
    assert list(two_proportion_p([0, 10, 0], [10, 10, 0], [0, 20, 4], [20, 20, 9])) == [1, 1, 1]


def test_flag_changes_adjusts_every_p_value_together_as_r_p_adjust_does() -> None:
    x1, n1 = [56, 10, 30, 12], [70, 100, 100, 50]
    x2, n2 = [48, 11, 18, 10], [80, 100, 100, 50]
    found = flag_changes(x1, n1, x2, n2)
    p = found.p
    # p.adjust(p, "BH") by hand: q_(k) = min over j >= k of p_(j) m / j.
    order = np.argsort(p)
    m = p.size
    by_hand = np.empty(m)
    running = 1.0
    for rank in range(m, 0, -1):
        running = min(running, p[order[rank - 1]] * m / rank)
        by_hand[order[rank - 1]] = running
    assert found.q == pytest.approx(by_hand)
    assert list(found.flagged) == [
        q <= 0.05 and (lo > 0 or hi < 0)
        for q, lo, hi in zip(found.q, found.lower, found.upper, strict=True)
    ]
    assert found.flagged[0] and not found.flagged[1]


def test_a_change_significant_alone_may_not_survive_many_comparisons() -> None:
    """p about 0.03 alone is flagged; among nine changes of nothing it is not."""
    alone = flag_changes(60, 100, 45, 100)
    assert float(alone.p) < 0.05 and bool(alone.flagged)
    crowd = flag_changes([60] + [50] * 9, [100] * 10, [45] + [50] * 9, [100] * 10)
    assert not crowd.flagged[0]
    assert crowd.q[0] == pytest.approx(min(1.0, float(alone.p) * 10))


def test_flag_changes_never_flags_an_empty_sample_or_nothing_at_all() -> None:
    found = flag_changes([0, 5], [0, 10], [3, 5], [10, 10])
    assert not found.flagged.any()
    empty = flag_changes(np.array([], dtype=int), [], [], [])
    assert empty.flagged.size == 0


def test_changes_the_test_cannot_judge_do_not_enlarge_the_family() -> None:
    """An option no one chose in either round (or a round without answers) is no test: the
    others are adjusted as if it were not there."""
    x1, n1 = [60, 56, 30], [100, 70, 100]
    x2, n2 = [45, 48, 18], [100, 80, 100]
    alone = flag_changes(x1, n1, x2, n2)
    padded = flag_changes(
        [*x1, 0, 100, 0], [*n1, 100, 100, 0], [*x2, 0, 100, 3], [*n2, 100, 100, 9]
    )
    assert padded.q[:3] == pytest.approx(alone.q)
    assert list(padded.flagged[:3]) == list(alone.flagged)
    assert list(padded.q[3:]) == [1.0, 1.0, 1.0] and not padded.flagged[3:].any()
