"""Counts, rates and the change in a rate between two periods.

Pure numpy/scipy kernels: the selectors hand them arrays of dates, counts and populations.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

PER_10K = 10_000.0


@dataclass(frozen=True)
class MonthlyCounts:
    """Counts per calendar month.

    ``months`` is a ``datetime64[M]`` array of consecutive months, ``counts`` an ``int64`` array
    of the same length; ``counts[i]`` is the number of dates in ``months[i]``.
    """

    months: npt.NDArray[np.datetime64]
    counts: npt.NDArray[np.int64]


@dataclass(frozen=True)
class RateRatio:
    """The change in a rate from period a to period b.

    ``ratio`` is rate_b / rate_a (b over a: a value below 1 is a fall from a to b), with an
    exact two-sided confidence interval ``[lower, upper]`` at level ``confidence``. Rates are
    events per unit of the exposures given (``rate_a = count_a / exposure_a``).
    """

    ratio: float
    lower: float
    upper: float
    confidence: float
    count_a: int
    exposure_a: float
    count_b: int
    exposure_b: float
    rate_a: float
    rate_b: float


def _as_day(value: Any, name: str) -> np.datetime64:
    day = np.datetime64(value, "D")
    if np.isnat(day):
        raise ValueError(f"{name} must be a date, got NaT")
    return day


def monthly_counts(dates: npt.ArrayLike, start: Any, end: Any) -> MonthlyCounts:
    """Count dates per calendar month from the month of ``start`` to the month of ``end``.

    Formula: for each month m in [month(start), month(end)],
    ``count[m] = #{i : start <= dates[i] <= end and month(dates[i]) = m}``.
    Every month of the range is present, with 0 for a month without events, so the result can
    be plotted or divided by a population directly.

    Units: ``dates`` are days (anything numpy converts to ``datetime64[D]``; finer units are
    truncated to the day); ``start`` and ``end`` are days, both inclusive. Counts are events per
    calendar month (months have 28 to 31 days; divide by ``days_in_month`` for a daily rate).

    Assumptions: each date is one event. Dates outside ``[start, end]`` are ignored, so the
    first and last months are partial when ``start`` is not the 1st or ``end`` not the last
    day of its month. NaT dates and ``start > end`` raise ``ValueError``.

    Reference: calendar-month binning of event dates as in routine crime statistics
    (UNODC, International Classification of Crime for Statistical Purposes, 2015, ch. 3:
    counting unit and reference period).
    """
    first = _as_day(start, "start")
    last = _as_day(end, "end")
    if first > last:
        raise ValueError(f"start {first} is after end {last}")
    days = np.asarray(dates).astype("datetime64[D]").ravel()
    if np.isnat(days).any():
        raise ValueError("dates contain NaT")
    first_month = first.astype("datetime64[M]")
    months = np.arange(first_month, last.astype("datetime64[M]") + 1, dtype="datetime64[M]")
    inside = days[(days >= first) & (days <= last)]
    index = (inside.astype("datetime64[M]") - first_month).astype(np.int64)
    counts = np.bincount(index, minlength=months.size).astype(np.int64)
    return MonthlyCounts(months=months, counts=counts)


def rate_per_10k(count: npt.ArrayLike, population: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Rate per 10,000 population: ``10_000 * count / population``, element-wise.

    Units: ``count`` is events in a period; ``population`` is persons (mid-period population),
    giving events per 10,000 persons per that period. Pass person-years (population × years)
    as ``population`` for an annual rate over a period that is not one year.

    Assumptions: inputs broadcast against each other (numpy rules). Where ``population`` is 0
    the rate is undefined and the result is ``nan`` (also when ``count`` is positive: there is
    no population to be at risk, not an infinite rate); no warning is raised. Negative counts
    or populations, and non-finite values, raise ``ValueError``. Always returns a float array
    (0-d for scalar inputs).

    Reference: crude rate, Rothman, Greenland and Lash, *Modern Epidemiology*, 3rd ed. (2008),
    ch. 3, "Incidence rates".
    """
    events = np.asarray(count, dtype=np.float64)
    persons = np.asarray(population, dtype=np.float64)
    if not (np.isfinite(events).all() and np.isfinite(persons).all()):
        raise ValueError("count and population must be finite")
    if (events < 0).any():
        raise ValueError("count must not be negative")
    if (persons < 0).any():
        raise ValueError("population must not be negative")
    events, persons = np.broadcast_arrays(events, persons)
    rate = np.full(events.shape, np.nan)
    np.divide(PER_10K * events, persons, out=rate, where=persons > 0)
    return rate


def _check_count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if not math.isfinite(value) or value != int(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative whole number, got {value!r}")
    return int(value)


def _check_exposure(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be positive and finite, got {value!r}")
    return float(value)


def _check_confidence(confidence: Any) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real):
        raise ValueError(f"confidence must be a number, got {confidence!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    return float(confidence)


def rate_ratio(
    count_a: int,
    exposure_a: float,
    count_b: int,
    exposure_b: float,
    confidence: float = 0.95,
) -> RateRatio:
    """Rate ratio of period b over period a with an exact (conditional binomial) interval.

    Formula: rates ``r_a = x_a / E_a`` and ``r_b = x_b / E_b``; ratio ``RR = r_b / r_a``
    (b over a; b is normally the later period, so RR < 1 is a fall).

    Exact interval: with ``x_a ~ Poisson(λ_a E_a)`` and ``x_b ~ Poisson(λ_b E_b)`` independent,
    conditional on ``n = x_a + x_b`` the count ``x_b ~ Binomial(n, π)`` with
    ``π = RR·E_b / (RR·E_b + E_a)``, a monotone function of ``RR = λ_b / λ_a``. Clopper–Pearson
    bounds for π at ``α = 1 − confidence``,
    ``π_L = Beta⁻¹(α/2; x_b, n − x_b + 1)`` and ``π_U = Beta⁻¹(1 − α/2; x_b + 1, n − x_b)``,
    are mapped back by ``RR = (E_a / E_b) · π / (1 − π)``. The interval is exact in the
    sense of guaranteed coverage: at least ``confidence`` for every true ratio (conservative,
    because the counts are discrete).

    Zero counts: ``x_b = 0`` gives ``RR = 0`` and lower bound 0 (π_L = 0); ``x_a = 0`` gives
    ``RR = inf`` and upper bound ``inf`` (π_U = 1); the other bound stays finite and
    informative. When both are 0 the ratio is undefined: ``RR = nan`` with interval
    ``[0, inf]``.

    Units: exposures are person-time (e.g. population × years) in any one unit shared by both
    periods; the ratio is unit-free. ``count_a`` and ``count_b`` are non-negative whole numbers,
    exposures positive and finite, ``0 < confidence < 1``; otherwise ``ValueError``.

    Assumptions: counts are Poisson (events independent, rate constant within a period) and
    the exposures are known without error.

    References: Clopper and Pearson, Biometrika 26 (1934) 404–413; Rothman, Greenland and Lash,
    *Modern Epidemiology*, 3rd ed. (2008), ch. 14 (exact limits for a rate ratio via the
    conditional binomial); Fay, "Testing the ratio of two Poisson rates" (R package
    rateratio.test vignette), whose worked example this function reproduces.
    """
    x_a = _check_count(count_a, "count_a")
    x_b = _check_count(count_b, "count_b")
    e_a = _check_exposure(exposure_a, "exposure_a")
    e_b = _check_exposure(exposure_b, "exposure_b")
    level = _check_confidence(confidence)
    tail = (1.0 - level) / 2.0
    n = x_a + x_b
    exposure_odds = e_a / e_b

    if x_b == 0:
        lower = 0.0
    else:
        # π_L and 1 − π_L from the same quantile (1 − Beta(a, b) is Beta(b, a)), so the odds
        # keep full precision when π_L is close to 1.
        pi_low = stats.beta.ppf(tail, x_b, n - x_b + 1)
        lower = exposure_odds * pi_low / stats.beta.isf(tail, n - x_b + 1, x_b)
    if x_a == 0:
        upper = math.inf
    else:
        pi_high = stats.beta.isf(tail, x_b + 1, n - x_b)
        upper = exposure_odds * pi_high / stats.beta.ppf(tail, n - x_b, x_b + 1)

    rate_a = x_a / e_a
    rate_b = x_b / e_b
    if n == 0:
        ratio = math.nan
    elif x_a == 0:
        ratio = math.inf
    else:
        ratio = rate_b / rate_a
    return RateRatio(
        ratio=float(ratio),
        lower=float(lower),
        upper=float(upper),
        confidence=level,
        count_a=x_a,
        exposure_a=e_a,
        count_b=x_b,
        exposure_b=e_b,
        rate_a=rate_a,
        rate_b=rate_b,
    )
