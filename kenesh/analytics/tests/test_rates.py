"""Rates and trends, each checked against an independent reference.

References: a brute-force month count in plain Python; scipy.stats.binomtest's Clopper–Pearson
interval converted to the rate-ratio scale; the closed-form Clopper–Pearson bounds at zero
counts; the worked example in Fay's rateratio.test vignette (R); and the interval's coverage,
computed by enumerating the Poisson distribution and by simulation.
"""

import dataclasses
import datetime as dt
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from kenesh.analytics.rates import monthly_counts, rate_per_10k, rate_ratio

REPOSITORY = Path(__file__).resolve().parents[3]


def brute_force_monthly_counts(dates, start, end):
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    counts = dict.fromkeys(months, 0)
    for day in dates:
        if start <= day <= end:
            counts[(day.year, day.month)] += 1
    return months, [counts[m] for m in months]


def test_monthly_counts_match_a_brute_force_count_on_random_dates():
    rng = np.random.default_rng(20240601)
    origin = dt.date(2019, 11, 1)
    for _ in range(50):
        offsets = rng.integers(0, 3 * 365, size=rng.integers(0, 400))
        # Month and year ends on purpose, so an off-by-one at a boundary cannot hide.
        boundaries = [dt.date(2020, 12, 31), dt.date(2021, 1, 1), dt.date(2020, 2, 29)]
        dates = [origin + dt.timedelta(days=int(o)) for o in offsets] + boundaries
        start = origin + dt.timedelta(days=int(rng.integers(0, 500)))
        end = start + dt.timedelta(days=int(rng.integers(0, 700)))

        result = monthly_counts(np.array(dates, dtype="datetime64[D]"), start, end)

        months, counts = brute_force_monthly_counts(dates, start, end)
        assert [(m.year, m.month) for m in result.months.astype(object)] == months
        assert result.counts.tolist() == counts
        assert result.counts.dtype == np.int64


def test_monthly_counts_keep_empty_months_and_year_boundaries():
    dates = np.array(["2023-12-31", "2024-01-01", "2024-01-31", "2024-04-01"], "datetime64[D]")

    result = monthly_counts(dates, "2023-11-01", "2024-05-31")

    assert result.months.astype(str).tolist() == [
        "2023-11",
        "2023-12",
        "2024-01",
        "2024-02",
        "2024-03",
        "2024-04",
        "2024-05",
    ]
    assert result.counts.tolist() == [0, 1, 2, 0, 0, 1, 0]


def test_monthly_counts_ignore_dates_outside_the_inclusive_range():
    dates = np.array(["2024-01-09", "2024-01-10", "2024-03-20", "2024-03-21"], "datetime64[D]")

    result = monthly_counts(dates, np.datetime64("2024-01-10"), np.datetime64("2024-03-20"))

    assert result.counts.tolist() == [1, 0, 1]


def test_monthly_counts_of_no_dates_are_zero_for_every_month():
    result = monthly_counts(np.array([], dtype="datetime64[D]"), "2024-01-15", "2024-03-02")

    assert result.counts.tolist() == [0, 0, 0]


def test_monthly_counts_refuse_a_start_after_the_end_and_missing_dates():
    with pytest.raises(ValueError, match="after"):
        monthly_counts(np.array([], dtype="datetime64[D]"), "2024-02-01", "2024-01-31")
    with pytest.raises(ValueError, match="NaT"):
        monthly_counts(np.array(["2024-01-01", "NaT"], "datetime64[D]"), "2024-01-01", "2024-02-01")


def test_rate_per_10k_matches_plain_division_on_random_inputs():
    rng = np.random.default_rng(7)
    counts = rng.integers(0, 500, size=200)
    populations = rng.integers(1, 200_000, size=200)

    rates = rate_per_10k(counts, populations)

    expected: list[float] = [
        10_000 * int(c) / int(p) for c, p in zip(counts, populations, strict=True)
    ]
    np.testing.assert_allclose(rates, np.array(expected), rtol=1e-15)


def test_rate_per_10k_is_nan_without_a_warning_where_the_population_is_zero():
    rates = rate_per_10k([0, 5, 5], [0, 0, 1000])

    assert np.isnan(rates[0]) and np.isnan(rates[1])
    assert rates[2] == 50.0


def test_rate_per_10k_broadcasts_and_accepts_scalars():
    assert float(rate_per_10k(3, 1500)) == 20.0
    np.testing.assert_allclose(
        rate_per_10k([[1, 2]], [[10_000], [20_000]]), np.array([[1.0, 2.0], [0.5, 1.0]])
    )


@pytest.mark.parametrize(
    ("count", "population"), [(-1, 100), (1, -100), (math.nan, 100), (1, math.inf)]
)
def test_rate_per_10k_refuses_negative_or_non_finite_inputs(count, population):
    with pytest.raises(ValueError):
        rate_per_10k(count, population)


def rate_ratio_from_binomtest(count_a, exposure_a, count_b, exposure_b, confidence):
    """Clopper–Pearson interval for π by scipy.stats.binomtest, mapped to the rate ratio."""
    n = count_a + count_b
    interval = stats.binomtest(count_b, n).proportion_ci(confidence, method="exact")

    def to_ratio(pi):
        return math.inf if pi == 1 else exposure_a / exposure_b * pi / (1 - pi)

    return to_ratio(interval.low), to_ratio(interval.high)


def test_rate_ratio_interval_equals_binomtest_clopper_pearson_on_random_inputs():
    rng = np.random.default_rng(11)
    for _ in range(300):
        count_a, count_b = (int(c) for c in rng.integers(1, 400, size=2))
        exposure_a, exposure_b = (float(e) for e in rng.uniform(100.0, 1e6, size=2))
        confidence = float(rng.choice([0.8, 0.9, 0.95, 0.99]))

        result = rate_ratio(count_a, exposure_a, count_b, exposure_b, confidence)

        low, high = rate_ratio_from_binomtest(count_a, exposure_a, count_b, exposure_b, confidence)
        assert result.lower == pytest.approx(low, rel=1e-9)
        assert result.upper == pytest.approx(high, rel=1e-9)
        assert result.ratio == pytest.approx((count_b / exposure_b) / (count_a / exposure_a))
        assert result.lower <= result.ratio <= result.upper


def test_rate_ratio_reproduces_the_published_rateratio_test_example():
    # Fay, "Testing the ratio of two Poisson rates" (vignette of the R package rateratio.test),
    # section 1: 2 events in 17,877 and 9 events in 16,660 person-time; rate ratio 0.2070941557,
    # 95 % exact interval 0.02177406 to 1.00054910 (first group over second, so b over a here).
    result = rate_ratio(count_a=9, exposure_a=16660, count_b=2, exposure_b=17877)

    assert result.ratio == pytest.approx(0.2070941557, abs=5e-11)
    assert result.lower == pytest.approx(0.02177406, abs=5e-9)
    assert result.upper == pytest.approx(1.00054910, abs=5e-9)


@pytest.mark.parametrize("count", [1, 2, 7, 40])
def test_rate_ratio_bounds_at_a_zero_count_follow_the_closed_form(count):
    # Clopper–Pearson with 0 successes in n: upper π = 1 − (α/2)^(1/n); with n of n: lower
    # π = (α/2)^(1/n). Exposures differ so the mapping to the rate ratio is exercised.
    alpha = 0.05

    fall_to_zero = rate_ratio(count, 300.0, 0, 120.0)
    pi_high = 1 - (alpha / 2) ** (1 / count)
    assert fall_to_zero.ratio == 0.0
    assert fall_to_zero.lower == 0.0
    assert fall_to_zero.upper == pytest.approx(300.0 / 120.0 * pi_high / (1 - pi_high), rel=1e-12)

    rise_from_zero = rate_ratio(0, 300.0, count, 120.0)
    pi_low = (alpha / 2) ** (1 / count)
    assert rise_from_zero.ratio == math.inf
    assert rise_from_zero.upper == math.inf
    assert rise_from_zero.lower == pytest.approx(300.0 / 120.0 * pi_low / (1 - pi_low), rel=1e-12)


def test_rate_ratio_of_two_zero_counts_is_undefined_with_an_uninformative_interval():
    result = rate_ratio(0, 1000.0, 0, 1000.0)

    assert math.isnan(result.ratio)
    assert (result.lower, result.upper) == (0.0, math.inf)


@pytest.mark.parametrize(
    ("expected_a", "expected_b", "exposure_a", "exposure_b"),
    [(3.0, 2.0, 1000.0, 700.0), (12.0, 6.0, 5e4, 4e4), (25.0, 40.0, 2e5, 2e5)],
)
def test_rate_ratio_interval_covers_the_true_ratio_at_least_95_percent_exactly(
    expected_a, expected_b, exposure_a, exposure_b
):
    # Coverage as a sum over the joint Poisson distribution of the two counts (truncated where
    # the remaining mass is below 1e-12): the exact interval must not undercover.
    true_ratio = (expected_b / exposure_b) / (expected_a / exposure_a)
    top_a = int(stats.poisson.isf(1e-13, expected_a)) + 1
    top_b = int(stats.poisson.isf(1e-13, expected_b)) + 1
    coverage = 0.0
    for count_a in range(top_a + 1):
        for count_b in range(top_b + 1):
            result = rate_ratio(count_a, exposure_a, count_b, exposure_b)
            if result.lower <= true_ratio <= result.upper:
                coverage += stats.poisson.pmf(count_a, expected_a) * stats.poisson.pmf(
                    count_b, expected_b
                )

    assert coverage >= 0.95 - 1e-9


def test_rate_ratio_interval_covers_the_true_ratio_in_simulation():
    rng = np.random.default_rng(2024)
    draws = 2000
    exposure_a, exposure_b = 30_000.0, 24_000.0
    rate_a, true_ratio = 5e-4, 0.7
    counts_a = rng.poisson(rate_a * exposure_a, size=draws)
    counts_b = rng.poisson(true_ratio * rate_a * exposure_b, size=draws)

    intervals = [
        rate_ratio(int(a), exposure_a, int(b), exposure_b)
        for a, b in zip(counts_a, counts_b, strict=True)
    ]
    covered = sum(i.lower <= true_ratio <= i.upper for i in intervals)

    monte_carlo_error = 3 * math.sqrt(0.95 * 0.05 / draws)
    assert covered / draws >= 0.95 - monte_carlo_error


@pytest.mark.parametrize(
    "arguments",
    [
        (-1, 100.0, 3, 100.0),
        (1, 100.0, -3, 100.0),
        (2.5, 100.0, 3, 100.0),
        (True, 100.0, 3, 100.0),
        (1, 0.0, 3, 100.0),
        (1, 100.0, 3, -5.0),
        (1, math.inf, 3, 100.0),
        (1, 100.0, 3, math.nan),
    ],
)
def test_rate_ratio_refuses_negative_counts_and_non_positive_exposure(arguments):
    with pytest.raises(ValueError):
        rate_ratio(*arguments)


@pytest.mark.parametrize("confidence", [0.0, 1.0, 95, -0.5])
def test_rate_ratio_refuses_a_confidence_outside_zero_and_one(confidence):
    with pytest.raises(ValueError):
        rate_ratio(3, 100.0, 4, 100.0, confidence=confidence)


def test_rate_ratio_result_is_frozen():
    result = rate_ratio(3, 100.0, 4, 100.0)

    with pytest.raises(dataclasses.FrozenInstanceError):
        result.ratio = 2.0  # type: ignore[misc]


def test_importing_rates_does_not_import_django():
    code = "import sys, kenesh.analytics.rates; print('django' in sys.modules)"
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPOSITORY
    )

    assert completed.stdout.strip() == "False"
