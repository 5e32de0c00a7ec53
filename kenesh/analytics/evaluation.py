"""Evaluation of an intervention from counts before and after it: difference in differences.

Pure numpy/scipy kernel; the selectors add up the incidents and person-time of the treated and
comparison units on either side of the start date and hand the eight numbers over.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from scipy import stats

from kenesh.analytics.rates import PER_10K, _check_confidence, _check_count, _check_exposure

CONTINUITY_CORRECTION = 0.5


@dataclass(frozen=True)
class DifferenceInDifferences:
    """Difference in differences of rates, on the ratio and on the absolute scale.

    Rates are events per 10,000 units of exposure (per 10,000 person-years when exposures are
    person-years). ``treated_rate_ratio`` and ``comparison_rate_ratio`` are after / before;
    ``ratio_of_rate_ratios`` is treated over comparison, so a value below 1 means the treated
    units' rate fell more (or rose less) than the comparison units'. ``rate_change_difference``
    is (treated after − before) − (comparison after − before) per 10,000; below 0 means the same.
    ``continuity_corrected`` says whether 0.5 was added to every count because one was 0; the
    ratio-scale figures and both standard errors then use the corrected counts.
    """

    treated_rate_before: float
    treated_rate_after: float
    comparison_rate_before: float
    comparison_rate_after: float
    treated_rate_ratio: float
    comparison_rate_ratio: float
    ratio_of_rate_ratios: float
    ratio_lower: float
    ratio_upper: float
    log_ratio_standard_error: float
    ratio_p_value: float
    rate_change_difference: float
    difference_lower: float
    difference_upper: float
    difference_standard_error: float
    difference_p_value: float
    confidence: float
    continuity_corrected: bool


def did(
    *,
    treated_before: int,
    treated_after: int,
    comparison_before: int,
    comparison_after: int,
    treated_exposure_before: float,
    treated_exposure_after: float,
    comparison_exposure_before: float,
    comparison_exposure_after: float,
    confidence: float = 0.95,
    zero_counts: Literal["correct", "refuse"] = "correct",
) -> DifferenceInDifferences:
    """Difference-in-differences estimate of an intervention's effect on an event rate.

    Inputs are four event counts — treated (T) and comparison (C) units, before (0) and after
    (1) the start date — and their exposures E in person-time (population × years, any one unit).

    Ratio scale (the primary estimate): rates ``r = x / E``, rate ratios after/before
    ``RR_T = r_T1 / r_T0`` and ``RR_C = r_C1 / r_C0``, and the ratio of rate ratios
    ``RRR = RR_T / RR_C``. Its Wald interval is ``exp(log RRR ± z·SE)`` with
    ``SE² = 1/x_T0 + 1/x_T1 + 1/x_C0 + 1/x_C1`` and ``z = Φ⁻¹((1 + confidence)/2)``; the p-value
    is two-sided for ``RRR = 1``. This equals the interaction coefficient exp(β₃) and its Wald
    interval in the Poisson regression ``log E[x] = log E + β₀ + β₁·treated + β₂·after +
    β₃·treated·after`` (saturated, so the fitted counts are the observed ones).

    Absolute scale: ``D = (r_T1 − r_T0) − (r_C1 − r_C0)`` per 10,000, with the Poisson
    variance of each rate ``x / E²``, ``SE² = Σ 10,000²·x / E²``, a normal-approximation
    interval ``D ± z·SE`` and a two-sided p-value for ``D = 0``.

    Zero counts: log RRR and its variance need every count positive. With
    ``zero_counts="correct"`` (default) 0.5 is added to all four counts when any is 0
    (Haldane–Anscombe correction); the ratio-scale estimate and both standard errors use the
    corrected counts, while the rates and ``D`` itself use the observed counts. With
    ``zero_counts="refuse"`` a zero count raises ``ValueError``. Counts must be non-negative
    whole numbers, exposures positive and finite, ``0 < confidence < 1``; otherwise
    ``ValueError``.

    Assumptions — without them the estimate describes a difference, not an effect:
    parallel trends (without the intervention the treated rate would have changed by the same
    ratio as the comparison rate; on the absolute scale, by the same amount); no spill-over
    (the intervention does not change the comparison units' rate, e.g. by displacing crime to
    them); no other change at the same date that affects only one group; stable populations
    (exposures measured without error and the same kind of people before and after); counts
    Poisson (independent events; with over-dispersion, e.g. clustered incidents, the
    intervals are too narrow); large enough counts for the normal approximations.

    References: Rothman, Greenland and Lash, *Modern Epidemiology*, 3rd ed. (2008), ch. 14
    (Wald limits for a rate ratio) and ch. 21 (Poisson regression); Angrist and Pischke,
    *Mostly Harmless Econometrics* (2009), §5.2 (difference in differences); Haldane, Annals of
    Human Genetics 20 (1956) 309–311 (adding 0.5 to empty cells).
    """
    counts = {
        "treated_before": _check_count(treated_before, "treated_before"),
        "treated_after": _check_count(treated_after, "treated_after"),
        "comparison_before": _check_count(comparison_before, "comparison_before"),
        "comparison_after": _check_count(comparison_after, "comparison_after"),
    }
    exposures = {
        "treated_before": _check_exposure(treated_exposure_before, "treated_exposure_before"),
        "treated_after": _check_exposure(treated_exposure_after, "treated_exposure_after"),
        "comparison_before": _check_exposure(
            comparison_exposure_before, "comparison_exposure_before"
        ),
        "comparison_after": _check_exposure(comparison_exposure_after, "comparison_exposure_after"),
    }
    level = _check_confidence(confidence)
    if zero_counts not in ("correct", "refuse"):
        raise ValueError(f'zero_counts must be "correct" or "refuse", got {zero_counts!r}')

    empty = [cell for cell, count in counts.items() if count == 0]
    if empty and zero_counts == "refuse":
        raise ValueError(f"zero count in {', '.join(empty)}: the log rate ratio is undefined")
    shift = CONTINUITY_CORRECTION if empty else 0.0
    modelled = {cell: count + shift for cell, count in counts.items()}

    def log_rate(cell: str) -> float:
        return math.log(modelled[cell]) - math.log(exposures[cell])

    log_treated = log_rate("treated_after") - log_rate("treated_before")
    log_comparison = log_rate("comparison_after") - log_rate("comparison_before")
    log_rrr = log_treated - log_comparison
    log_se = math.sqrt(sum(1.0 / count for count in modelled.values()))
    z = float(stats.norm.isf((1.0 - level) / 2.0))

    rates = {cell: PER_10K * counts[cell] / exposures[cell] for cell in counts}
    difference = (rates["treated_after"] - rates["treated_before"]) - (
        rates["comparison_after"] - rates["comparison_before"]
    )
    difference_se = math.sqrt(
        sum(modelled[cell] * (PER_10K / exposures[cell]) ** 2 for cell in counts)
    )

    return DifferenceInDifferences(
        treated_rate_before=rates["treated_before"],
        treated_rate_after=rates["treated_after"],
        comparison_rate_before=rates["comparison_before"],
        comparison_rate_after=rates["comparison_after"],
        treated_rate_ratio=math.exp(log_treated),
        comparison_rate_ratio=math.exp(log_comparison),
        ratio_of_rate_ratios=math.exp(log_rrr),
        ratio_lower=math.exp(log_rrr - z * log_se),
        ratio_upper=math.exp(log_rrr + z * log_se),
        log_ratio_standard_error=log_se,
        ratio_p_value=float(2.0 * stats.norm.sf(abs(log_rrr) / log_se)),
        rate_change_difference=difference,
        difference_lower=difference - z * difference_se,
        difference_upper=difference + z * difference_se,
        difference_standard_error=difference_se,
        difference_p_value=float(2.0 * stats.norm.sf(abs(difference) / difference_se)),
        confidence=level,
        continuity_corrected=bool(empty),
    )
