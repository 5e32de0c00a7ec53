"""The priority matrix: one score per category from several components, and its ranking.

Pure numpy. The selector (:mod:`kenesh.consultations.priorities.selectors`) hands it, per
category, the raw value of each component — the share of concerns, the share of survey
respondents naming the category among the most serious problems, the incident rate per 10,000,
the change in that rate and the category's severity weight — with ``NaN`` where a component is
missing (no survey, no population, no incident category). A component withheld from a viewer by
disclosure control is not missing: the selector hands its full value, so every viewer gets the
same ranking.

Method (a weighted linear additive index of normalised indicators, as in the OECD/JRC
*Handbook on Constructing Composite Indicators*, 2008, steps 5 and 6):

1. **Normalise** each component across the categories to 0–1:

   * ``share_of_max`` (the default): ``x / max(x)`` over the categories that have the
     component. Zero stays zero, the largest is 1, and proportions are kept (a category named
     by twice as many respondents counts twice as much). All zeros stay zeros. For components
     that cannot be negative: shares, rates, severity.
   * ``min_max``: ``(x − min) / (max − min)``. The smallest is 0, the largest 1. For the
     change in the rate, which may be negative (a fall): the largest fall is 0, the largest
     rise 1. When every value is equal nothing stands out and every category gets 0.

2. **Combine**: ``score = Σ w_c·x_c / Σ w_c`` over the components the category *has*. A
   missing (``NaN``) component is left out and the weights of the others are renormalised to
   sum to 1, so a category is not pushed down because, say, no survey asked about it. A
   category with no component (or only components of weight 0) has no score (``NaN``).

3. **Rank** by score, highest first; equal scores keep the order the categories were given in
   (a stable sort); categories without a score come last.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

Normalisation = Literal["share_of_max", "min_max"]

#: The components, in the order of the matrix's columns.
COMPONENTS: tuple[str, ...] = (
    "concerns_share",
    "survey_share",
    "incident_rate",
    "rate_change",
    "severity",
)

#: Default weights (they sum to 1): what people raise and what the survey says count half,
#: recorded crime 0.3 (its level 0.2, its trend 0.1), the harm a category does 0.2.
DEFAULT_WEIGHTS: dict[str, float] = {
    "concerns_share": 0.25,
    "survey_share": 0.25,
    "incident_rate": 0.2,
    "rate_change": 0.1,
    "severity": 0.2,
}

#: How each component is normalised (step 1 of the module docstring).
NORMALISATION: dict[str, Normalisation] = {
    "concerns_share": "share_of_max",
    "survey_share": "share_of_max",
    "incident_rate": "share_of_max",
    "rate_change": "min_max",
    "severity": "share_of_max",
}


@dataclass(frozen=True)
class PriorityScores:
    """The matrix worked out: ``normalised[i, c]`` (NaN where category i lacks component c),
    ``scores[i]`` (NaN without any component), ``ranks[i]`` (1 is the highest priority) and
    ``order`` (category indices from rank 1 down)."""

    normalised: npt.NDArray[np.float64]
    scores: npt.NDArray[np.float64]
    ranks: npt.NDArray[np.int64]
    order: npt.NDArray[np.int64]


def normalise(values: npt.ArrayLike, method: Normalisation) -> npt.NDArray[np.float64]:
    """One component's values across the categories, normalised to 0–1 (NaN stays NaN).

    ``share_of_max``: ``x / max`` (all zeros stay 0); values must not be negative.
    ``min_max``: ``(x − min) / (max − min)`` (0 for all when every value is equal)."""
    column = np.asarray(values, dtype=np.float64).ravel()
    if np.isinf(column).any():
        raise ValueError("component values must be finite or NaN")
    result = np.full(column.shape, np.nan)
    present = ~np.isnan(column)
    if not present.any():
        return result
    known = column[present]
    if method == "share_of_max":
        if (known < 0).any():
            raise ValueError("share_of_max needs values that are not negative")
        top = known.max()
        result[present] = known / top if top > 0 else 0.0
    elif method == "min_max":
        low, high = known.min(), known.max()
        result[present] = (known - low) / (high - low) if high > low else 0.0
    else:
        raise ValueError(f"unknown normalisation {method!r}")
    return result


def check_weights(
    weights: Mapping[str, float], components: Sequence[str]
) -> npt.NDArray[np.float64]:
    """The weights of ``components`` in order, checked: finite, not negative, not all zero
    (a component without a weight has 0). They need not sum to 1: only their ratios matter."""
    unknown = set(weights) - set(components)
    if unknown:
        raise ValueError(f"unknown components: {sorted(unknown)}")
    array = np.array([float(weights.get(name, 0.0)) for name in components], dtype=np.float64)
    if not np.isfinite(array).all() or (array < 0).any():
        raise ValueError("weights must be finite and not negative")
    if not (array > 0).any():
        raise ValueError("at least one weight must be positive")
    return array


def priority_scores(
    values: npt.ArrayLike,
    weights: Mapping[str, float] | None = None,
    *,
    components: Sequence[str] = COMPONENTS,
    normalisation: Mapping[str, Normalisation] | None = None,
) -> PriorityScores:
    """Score and rank categories (module docstring).

    ``values`` is an (n categories × n components) array of raw values in the order of
    ``components``, NaN where a category lacks a component. ``weights`` default to
    :data:`DEFAULT_WEIGHTS`; ``normalisation`` to :data:`NORMALISATION`
    (``share_of_max`` for a component it does not name)."""
    matrix = np.asarray(values, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] != len(components):
        raise ValueError("values must be a (categories × components) array")
    chosen = check_weights(DEFAULT_WEIGHTS if weights is None else weights, components)
    methods = {**NORMALISATION, **(normalisation or {})}
    normalised = (
        np.column_stack(
            [
                normalise(matrix[:, index], methods.get(name, "share_of_max"))
                for index, name in enumerate(components)
            ]
        )
        if matrix.shape[0]
        else np.empty(matrix.shape)
    )
    present = ~np.isnan(normalised)
    used = np.where(present, chosen[np.newaxis, :], 0.0)
    total_weight = used.sum(axis=1)
    weighted = np.where(present, normalised, 0.0) * used
    scores = np.full(matrix.shape[0], np.nan)
    np.divide(weighted.sum(axis=1), total_weight, out=scores, where=total_weight > 0)
    # Highest first, NaN last, equal scores in the given order: a stable sort on −score with
    # NaN replaced by +inf.
    key = np.where(np.isnan(scores), np.inf, -scores)
    order = np.argsort(key, kind="stable").astype(np.int64)
    ranks = np.empty(matrix.shape[0], dtype=np.int64)
    ranks[order] = np.arange(1, matrix.shape[0] + 1)
    return PriorityScores(normalised=normalised, scores=scores, ranks=ranks, order=order)
