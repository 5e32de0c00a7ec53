"""Difference in differences, checked against a brute-force computation and a Poisson GLM.

The GLM reference is fitted in the test by iteratively reweighted least squares (Fisher scoring)
on unit-level rows, log E[count] = log exposure + β₀ + β₁·treated + β₂·after +
β₃·treated·after; its β₃ and Wald standard error from the inverse Fisher information must equal
did()'s log ratio of rate ratios and its standard error.
"""

import dataclasses
import math
import subprocess
import sys
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pytest

from kenesh.analytics.evaluation import did

REPOSITORY = Path(__file__).resolve().parents[3]

CELLS = ("treated_before", "treated_after", "comparison_before", "comparison_after")


def arguments(counts, exposures):
    values = {cell: count for cell, count in zip(CELLS, counts, strict=True)}
    for cell, exposure in zip(CELLS, exposures, strict=True):
        group, period = cell.split("_")
        values[f"{group}_exposure_{period}"] = exposure
    return values


def brute_force_did(counts, exposures, confidence):
    t0, t1, c0, c1 = counts
    et0, et1, ec0, ec1 = exposures
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    rrr = ((t1 / et1) / (t0 / et0)) / ((c1 / ec1) / (c0 / ec0))
    se = (1 / t0 + 1 / t1 + 1 / c0 + 1 / c1) ** 0.5
    difference = 1e4 * ((t1 / et1 - t0 / et0) - (c1 / ec1 - c0 / ec0))
    difference_se = 1e4 * (t0 / et0**2 + t1 / et1**2 + c0 / ec0**2 + c1 / ec1**2) ** 0.5
    return {
        "ratio_of_rate_ratios": rrr,
        "ratio_lower": rrr / math.exp(z * se),
        "ratio_upper": rrr * math.exp(z * se),
        "log_ratio_standard_error": se,
        "ratio_p_value": 2 * (1 - NormalDist().cdf(abs(math.log(rrr)) / se)),
        "rate_change_difference": difference,
        "difference_lower": difference - z * difference_se,
        "difference_upper": difference + z * difference_se,
        "difference_standard_error": difference_se,
        "difference_p_value": 2 * (1 - NormalDist().cdf(abs(difference) / difference_se)),
        "treated_rate_ratio": (t1 / et1) / (t0 / et0),
        "comparison_rate_ratio": (c1 / ec1) / (c0 / ec0),
        "treated_rate_before": 1e4 * t0 / et0,
        "comparison_rate_after": 1e4 * c1 / ec1,
    }


def test_did_matches_a_brute_force_computation_on_random_inputs():
    rng = np.random.default_rng(31)
    for _ in range(200):
        counts = [int(c) for c in rng.integers(1, 2000, size=4)]
        exposures = [float(e) for e in rng.uniform(1e3, 5e6, size=4)]
        confidence = float(rng.choice([0.9, 0.95, 0.99]))

        result = did(**arguments(counts, exposures), confidence=confidence)

        for name, expected in brute_force_did(counts, exposures, confidence).items():
            assert getattr(result, name) == pytest.approx(expected, rel=1e-9, abs=1e-12), name
        assert result.continuity_corrected is False


def poisson_glm_interaction(counts, exposures, treated, after):
    """Fit count ~ treated + after + treated:after with a log(exposure) offset by IRLS."""
    design = np.column_stack([np.ones_like(treated), treated, after, treated * after])
    offset = np.log(exposures)
    beta = np.zeros(4)
    beta[0] = math.log(counts.sum() / exposures.sum())
    for _ in range(100):
        mean = np.exp(design @ beta + offset)
        information = design.T @ (mean[:, None] * design)
        step = np.linalg.solve(information, design.T @ (counts - mean))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-13:
            break
    mean = np.exp(design @ beta + offset)
    covariance = np.linalg.inv(design.T @ (mean[:, None] * design))
    return beta[3], math.sqrt(covariance[3, 3])


def test_did_equals_the_interaction_of_a_poisson_glm_fitted_on_unit_level_rows():
    rng = np.random.default_rng(5)
    for _ in range(40):
        treated_units, comparison_units = (int(n) for n in rng.integers(1, 8, size=2))
        units = treated_units + comparison_units
        treated = np.repeat([1.0] * treated_units + [0.0] * comparison_units, 2)
        after = np.tile([0.0, 1.0], units)
        exposures = rng.uniform(2e3, 5e4, size=2 * units)
        rates = rng.uniform(5e-4, 5e-3) * np.exp(0.3 * treated * after - 0.1 * after)
        counts = rng.poisson(rates * exposures).astype(float)
        # Every cell of the 2×2 table must have at least one event for the uncorrected fit.
        for group in (0.0, 1.0):
            for period in (0.0, 1.0):
                cell = (treated == group) & (after == period)
                if counts[cell].sum() == 0:
                    counts[np.flatnonzero(cell)[0]] = 1.0

        coefficient, standard_error = poisson_glm_interaction(counts, exposures, treated, after)

        def total(values, group, period, treated=treated, after=after):
            cell = (treated == group) & (after == period)
            return values[cell].sum()

        result = did(
            treated_before=int(total(counts, 1, 0)),
            treated_after=int(total(counts, 1, 1)),
            comparison_before=int(total(counts, 0, 0)),
            comparison_after=int(total(counts, 0, 1)),
            treated_exposure_before=total(exposures, 1, 0),
            treated_exposure_after=total(exposures, 1, 1),
            comparison_exposure_before=total(exposures, 0, 0),
            comparison_exposure_after=total(exposures, 0, 1),
        )

        assert math.log(result.ratio_of_rate_ratios) == pytest.approx(coefficient, abs=1e-9)
        assert result.log_ratio_standard_error == pytest.approx(standard_error, abs=1e-9)


def test_did_with_a_zero_count_adds_one_half_to_every_count_on_the_ratio_scale():
    counts = [0, 4, 30, 25]
    exposures = [1e4, 1.1e4, 9e4, 9.2e4]

    result = did(**arguments(counts, exposures))

    corrected = brute_force_did([c + 0.5 for c in counts], exposures, 0.95)
    assert result.continuity_corrected is True
    assert result.ratio_of_rate_ratios == pytest.approx(corrected["ratio_of_rate_ratios"])
    assert result.ratio_lower == pytest.approx(corrected["ratio_lower"])
    assert result.ratio_upper == pytest.approx(corrected["ratio_upper"])
    # The GLM fitted to the corrected counts agrees too (quasi-Poisson with non-integer counts).
    coefficient, standard_error = poisson_glm_interaction(
        np.array(counts) + 0.5,
        np.array(exposures),
        np.array([1.0, 1, 0, 0]),
        np.array([0.0, 1, 0, 1]),
    )
    assert math.log(result.ratio_of_rate_ratios) == pytest.approx(coefficient, abs=1e-9)
    assert result.log_ratio_standard_error == pytest.approx(standard_error, abs=1e-9)
    # The absolute difference uses the observed rates, its standard error the corrected counts.
    assert result.treated_rate_before == 0.0
    assert result.rate_change_difference == pytest.approx(
        1e4 * ((4 / 1.1e4 - 0) - (25 / 9.2e4 - 30 / 9e4))
    )
    assert result.difference_standard_error == pytest.approx(corrected["difference_standard_error"])


def test_did_refuses_a_zero_count_when_asked_to():
    with pytest.raises(ValueError, match="treated_before"):
        did(**arguments([0, 4, 30, 25], [1e4, 1e4, 9e4, 9e4]), zero_counts="refuse")


def test_did_interval_covers_the_true_ratio_of_rate_ratios_in_simulation():
    rng = np.random.default_rng(99)
    exposures = np.array([4e5, 4.2e5, 1.2e6, 1.25e6])
    rates = np.array([1e-3, 0.7e-3, 1.1e-3, 1.05e-3])
    true_rrr = (rates[1] / rates[0]) / (rates[3] / rates[2])
    true_difference = 1e4 * ((rates[1] - rates[0]) - (rates[3] - rates[2]))
    draws = 2000
    ratio_covered = difference_covered = 0
    for counts in rng.poisson(rates * exposures, size=(draws, 4)):
        result = did(**arguments([int(c) for c in counts], exposures.tolist()))
        ratio_covered += result.ratio_lower <= true_rrr <= result.ratio_upper
        difference_covered += result.difference_lower <= true_difference <= result.difference_upper

    monte_carlo_error = 3 * math.sqrt(0.95 * 0.05 / draws)
    assert abs(ratio_covered / draws - 0.95) <= monte_carlo_error
    assert abs(difference_covered / draws - 0.95) <= monte_carlo_error


@pytest.mark.parametrize(
    ("counts", "exposures"),
    [
        ([-1, 4, 30, 25], [1e4, 1e4, 9e4, 9e4]),
        ([3, 4, 30, -25], [1e4, 1e4, 9e4, 9e4]),
        ([3.5, 4, 30, 25], [1e4, 1e4, 9e4, 9e4]),
        ([3, 4, 30, 25], [0.0, 1e4, 9e4, 9e4]),
        ([3, 4, 30, 25], [1e4, -1e4, 9e4, 9e4]),
        ([3, 4, 30, 25], [1e4, 1e4, math.inf, 9e4]),
        ([3, 4, 30, 25], [1e4, 1e4, 9e4, math.nan]),
    ],
)
def test_did_refuses_negative_counts_and_non_positive_exposure(counts, exposures):
    with pytest.raises(ValueError):
        did(**arguments(counts, exposures))


@pytest.mark.parametrize(
    "options", [{"confidence": 1.0}, {"confidence": 0.0}, {"zero_counts": "ignore"}]
)
def test_did_refuses_an_invalid_confidence_or_zero_count_rule(options):
    with pytest.raises(ValueError):
        did(**arguments([3, 4, 30, 25], [1e4, 1e4, 9e4, 9e4]), **options)


def test_did_result_is_frozen():
    result = did(**arguments([3, 4, 30, 25], [1e4, 1e4, 9e4, 9e4]))

    with pytest.raises(dataclasses.FrozenInstanceError):
        result.ratio_of_rate_ratios = 1.0  # type: ignore[misc]


def test_importing_evaluation_does_not_import_django():
    code = "import sys, kenesh.analytics.evaluation; print('django' in sys.modules)"
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPOSITORY
    )

    assert completed.stdout.strip() == "False"
