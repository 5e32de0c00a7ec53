"""The priority matrix kernel against a brute-force implementation in plain Python and hand
examples (renormalised weights when a component is missing, ties, categories without data)."""

import math

import numpy as np
import pytest

from kenesh.analytics.priorities import (
    COMPONENTS,
    DEFAULT_WEIGHTS,
    NORMALISATION,
    normalise,
    priority_scores,
)


def brute_force(rows, weights, methods):
    """Normalise each column, take the weighted mean over present components, rank."""
    n = len(rows)
    columns = []
    for c, name in enumerate(COMPONENTS):
        column = [row[c] for row in rows]
        present = [v for v in column if not math.isnan(v)]
        out = []
        for v in column:
            if math.isnan(v):
                out.append(math.nan)
            elif methods[name] == "share_of_max":
                top = max(present)
                out.append(v / top if top > 0 else 0.0)
            else:
                low, high = min(present), max(present)
                out.append((v - low) / (high - low) if high > low else 0.0)
        columns.append(out)
    scores = []
    for i in range(n):
        total, weight = 0.0, 0.0
        for c, name in enumerate(COMPONENTS):
            if not math.isnan(columns[c][i]):
                total += weights[name] * columns[c][i]
                weight += weights[name]
        scores.append(total / weight if weight > 0 else math.nan)
    ranked = sorted(
        range(n),
        key=lambda i: (math.isnan(scores[i]), -(scores[i] if not math.isnan(scores[i]) else 0), i),
    )
    ranks = [0] * n
    for position, i in enumerate(ranked):
        ranks[i] = position + 1
    return scores, ranks


def test_scores_and_ranks_match_a_brute_force_computation_on_random_inputs():
    rng = np.random.default_rng(20250610)
    for _trial in range(200):
        n = int(rng.integers(1, 12))
        values = np.column_stack(
            [
                rng.random(n),  # concern share
                rng.random(n),  # survey share
                rng.gamma(2.0, 5.0, n),  # rate per 10,000
                rng.normal(0, 3, n),  # change in the rate (may be negative)
                rng.choice([1, 1.5, 2, 3, 4, 5], n),  # severity
            ]
        )
        values[rng.random(values.shape) < 0.25] = np.nan
        # Ties: repeat a row now and then.
        if n > 2 and rng.random() < 0.3:
            values[1] = values[0]
        raw = rng.random(len(COMPONENTS)) * (rng.random(len(COMPONENTS)) < 0.8)
        if not raw.any():
            raw[0] = 1.0
        weights = dict(zip(COMPONENTS, raw.tolist(), strict=True))
        found = priority_scores(values, weights)
        expected_scores, expected_ranks = brute_force(values.tolist(), weights, NORMALISATION)
        np.testing.assert_allclose(found.scores, expected_scores, rtol=1e-12, equal_nan=True)
        assert found.ranks.tolist() == expected_ranks
        assert [found.ranks[i] for i in found.order] == list(range(1, n + 1))


def test_a_missing_survey_component_renormalises_the_other_weights():
    # Two categories; the second has no survey answer (NaN).
    values = [
        [0.5, 0.4, 10.0, 1.0, 4.0],
        [0.25, math.nan, 5.0, -1.0, 2.0],
    ]
    found = priority_scores(values)
    w = DEFAULT_WEIGHTS
    # First: every normalised component is 1 (it is the largest everywhere).
    assert found.scores[0] == pytest.approx(1.0)
    # Second: 0.5, –, 0.5, 0 (min–max of the change), 0.5 over the weights without the survey.
    expected = (w["concerns_share"] * 0.5 + w["incident_rate"] * 0.5 + w["severity"] * 0.5) / (
        1.0 - w["survey_share"]
    )
    assert found.scores[1] == pytest.approx(expected)
    assert found.ranks.tolist() == [1, 2]


def test_equal_scores_keep_the_given_order_and_a_category_without_data_comes_last():
    nan = math.nan
    values = [
        [nan, nan, nan, nan, nan],
        [0.5, nan, nan, nan, 2.0],
        [0.5, nan, nan, nan, 2.0],
    ]
    found = priority_scores(values)
    assert math.isnan(found.scores[0])
    assert found.scores[1] == found.scores[2]
    assert found.ranks.tolist() == [3, 1, 2]
    assert found.order.tolist() == [1, 2, 0]


def test_a_component_of_weight_zero_does_not_count_even_when_present():
    values = [[1.0, 0.0, 0.0, 0.0, 1.0], [0.0, 1.0, 0.0, 0.0, 1.0]]
    found = priority_scores(values, {"concerns_share": 1.0, "survey_share": 0.0})
    assert found.scores.tolist() == [1.0, 0.0]


def test_normalisation_share_of_max_and_min_max_by_hand():
    np.testing.assert_allclose(
        normalise([2.0, 4.0, 0.0, math.nan], "share_of_max"), [0.5, 1, 0, math.nan]
    )
    np.testing.assert_allclose(normalise([0.0, 0.0], "share_of_max"), [0.0, 0.0])
    np.testing.assert_allclose(normalise([-2.0, 0.0, 2.0], "min_max"), [0.0, 0.5, 1.0])
    np.testing.assert_allclose(normalise([3.0, 3.0], "min_max"), [0.0, 0.0])


@pytest.mark.parametrize(
    "weights",
    [{"concerns_share": -1.0}, {"concerns_share": 0.0}, {"nonsense": 1.0}, {"severity": math.inf}],
)
def test_weights_that_cannot_be_used_are_refused(weights):
    with pytest.raises(ValueError):
        priority_scores([[1, 1, 1, 1, 1]], weights)


def test_negative_values_are_refused_where_shares_of_the_maximum_are_taken():
    with pytest.raises(ValueError):
        normalise([-1.0, 2.0], "share_of_max")


def test_no_categories_give_an_empty_ranking():
    found = priority_scores(np.empty((0, len(COMPONENTS))))
    assert found.scores.size == 0 and found.ranks.size == 0
