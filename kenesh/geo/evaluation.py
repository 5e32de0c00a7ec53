"""Before/after evaluation of an intervention over groups of municipalities: difference in
differences of rates per 10,000 person-years, for any kind of count.

The caller (incidents now; livestock thefts, road accidents and survey answers next) validates
its own input, finds the range its records cover, and hands over a count callback: how many of
its events fell in a window in some municipalities. This module cuts the windows to the
records, computes person-years from :mod:`kenesh.geo.population`, calls
:func:`kenesh.analytics.evaluation.did` and writes the caveats and the plain-language reading.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kenesh.analytics.evaluation import DifferenceInDifferences, did
from kenesh.core.formats import format_date, format_number
from kenesh.core.periods import add_months
from kenesh.geo.models import AdministrativeUnit
from kenesh.geo.population import PopulationTable

#: Below this count in any group and window the interval is only a rough guide.
SMALL_COUNT = 10

#: How many events of the caller's kind lie in ``window`` in the units with these ids.
CountInWindow = Callable[[Sequence[int], "Window"], int]


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class GroupWindows:
    """One group of municipalities (treated or comparison) before and after the start."""

    units: list[AdministrativeUnit]
    count_before: int
    count_after: int
    person_years_before: float
    person_years_after: float

    @property
    def rate_before(self) -> float:
        return 10_000 * self.count_before / self.person_years_before

    @property
    def rate_after(self) -> float:
        return 10_000 * self.count_after / self.person_years_after

    @property
    def rate_ratio(self) -> float | None:
        if self.count_before == 0:
            return None
        return self.rate_after / self.rate_before


@dataclass(frozen=True)
class DidEvaluation:
    """Windows, groups and the difference in differences of one evaluation."""

    start: dt.date
    before: Window
    after: Window
    data_start: dt.date
    data_end: dt.date
    treated: GroupWindows
    comparison: GroupWindows
    result: DifferenceInDifferences
    caveats: list[str]


def _names(units: Sequence[AdministrativeUnit]) -> str:
    return ", ".join(unit.name for unit in units)


def evaluate_groups(
    *,
    treated: Sequence[AdministrativeUnit],
    comparison: Sequence[AdministrativeUnit],
    start: dt.date,
    data_start: dt.date,
    data_end: dt.date,
    count: CountInWindow,
    before_months: int = 12,
    after_months: int = 12,
    end: dt.date | None = None,
) -> DidEvaluation:
    """Counts (from ``count``) and person-years of the treated and comparison municipalities in
    a window before ``start`` and one from it, handed to :func:`kenesh.analytics.evaluation.did`
    (ratio of rate ratios with its interval; Poisson counts, exposure in person-years).

    The before window is the ``before_months`` months up to the day before ``start``; the after
    window runs from ``start`` for ``after_months`` months, or to ``end`` when given. Both are
    cut to ``data_start``–``data_end``, the range the caller's records cover, so months not yet
    entered do not count as months without events; a caveat says so.

    Raises ``ValidationError`` keyed by field (``treated``/``comparison``) when a municipality
    has no population or a group's population is 0.
    """
    treated_ids = [unit.pk for unit in treated]
    comparison_ids = [unit.pk for unit in comparison]
    populations = PopulationTable.of(treated_ids + comparison_ids)
    missing = [unit for unit in [*treated, *comparison] if not populations.counts.get(unit.pk)]
    if missing:
        raise ValidationError(
            {
                "treated" if missing[0] in treated else "comparison": [
                    _("No population is known for %(names)s, so no rate can be computed.")
                    % {"names": _names(missing)}
                ]
            }
        )

    caveats: list[str] = []
    wanted_before = add_months(start, -before_months)
    before = Window(max(wanted_before, data_start), start - dt.timedelta(days=1))
    if before.start > wanted_before:
        caveats.append(
            _(
                "The records begin on %(first)s, so the before period is shorter than asked "
                "(from %(first)s)."
            )
            % {"first": format_date(data_start)}
        )
    wanted_after = (
        end if end is not None else add_months(start, after_months) - dt.timedelta(days=1)
    )
    after = Window(start, min(wanted_after, data_end))
    if after.end < wanted_after:
        caveats.append(
            _(
                "The records end on %(last)s, so the after period is shorter than asked "
                "(to %(last)s)."
            )
            % {"last": format_date(data_end)}
        )

    def group(units: Sequence[AdministrativeUnit], ids: list[int]) -> GroupWindows:
        return GroupWindows(
            list(units),
            count(ids, before),
            count(ids, after),
            populations.person_years(ids, before.start, before.end),
            populations.person_years(ids, after.start, after.end),
        )

    treated_group = group(treated, treated_ids)
    comparison_group = group(comparison, comparison_ids)
    for found in (treated_group, comparison_group):
        if found.person_years_before <= 0 or found.person_years_after <= 0:
            raise ValidationError({"treated": [_("The population of these municipalities is 0.")]})
    result = did(
        treated_before=treated_group.count_before,
        treated_after=treated_group.count_after,
        comparison_before=comparison_group.count_before,
        comparison_after=comparison_group.count_after,
        treated_exposure_before=treated_group.person_years_before,
        treated_exposure_after=treated_group.person_years_after,
        comparison_exposure_before=comparison_group.person_years_before,
        comparison_exposure_after=comparison_group.person_years_after,
    )
    caveats.extend(evaluation_caveats(result, treated_group, comparison_group))
    return DidEvaluation(
        start=start,
        before=before,
        after=after,
        data_start=data_start,
        data_end=data_end,
        treated=treated_group,
        comparison=comparison_group,
        result=result,
        caveats=caveats,
    )


def evaluation_caveats(
    result: DifferenceInDifferences, treated: GroupWindows, comparison: GroupWindows
) -> list[str]:
    """What a reader must keep in mind: always the assumptions, and the data's own limits."""
    caveats = [
        _(
            "Parallel trends: the estimate assumes that without the intervention the treated "
            "municipalities' rate would have changed like the comparison municipalities'. "
            "Check the trend chart of the years before the start."
        ),
        _(
            "Spill-over: if the intervention pushed crime into the comparison municipalities, "
            "or their residents benefited from it too, the estimate is biased."
        ),
        _(
            "Other changes: anything else that began at the same time in only one group "
            "(a new police post, a change in how incidents are recorded) is mixed into the "
            "estimate."
        ),
    ]
    smallest = min(
        treated.count_before, treated.count_after, comparison.count_before, comparison.count_after
    )
    if smallest < SMALL_COUNT:
        caveats.append(
            _(
                "Small counts: at least one group has fewer than %(n)d incidents in a period, so "
                "the interval is wide and only a rough guide."
            )
            % {"n": SMALL_COUNT}
        )
    if result.continuity_corrected:
        caveats.append(
            _(
                "A period without any incident: 0.5 was added to every count to compute the "
                "ratio and its interval."
            )
        )
    caveats.append(
        _(
            "Incidents that cluster (one offender, one feud) make the interval too narrow: it "
            "assumes independent events."
        )
    )
    return caveats


def evaluation_reading(found: DidEvaluation) -> str:
    """The result in plain words: what changed where, and whether chance explains it."""
    result = found.result
    percent = (result.ratio_of_rate_ratios - 1) * 100
    level = round(result.confidence * 100)
    if result.ratio_of_rate_ratios < 1:
        direction = _(
            "Set against the change in the comparison municipalities, the treated "
            "municipalities' rate ended %(percent)s %% lower than it would have if it had "
            "changed in the same proportion"
        ) % {"percent": format_number(abs(percent), 0)}
    else:
        direction = _(
            "Set against the change in the comparison municipalities, the treated "
            "municipalities' rate ended %(percent)s %% higher than it would have if it had "
            "changed in the same proportion"
        ) % {"percent": format_number(abs(percent), 0)}
    detail = _(
        "(ratio of rate ratios %(ratio)s, %(level)d %% interval %(lower)s to %(upper)s)."
    ) % {
        "ratio": format_number(result.ratio_of_rate_ratios, 2),
        "level": level,
        "lower": format_number(result.ratio_lower, 2),
        "upper": format_number(result.ratio_upper, 2),
    }
    if result.ratio_lower <= 1 <= result.ratio_upper:
        verdict = _(
            "The interval includes 1 (no difference): the data are consistent with the "
            "intervention having had no effect."
        )
    elif result.ratio_upper < 1:
        verdict = _(
            "The interval lies wholly below 1: a fall this large is unlikely to be chance alone, "
            "if the assumptions below hold."
        )
    else:
        verdict = _(
            "The interval lies wholly above 1: a rise this large is unlikely to be chance alone, "
            "if the assumptions below hold."
        )
    groups = _(
        "Treated municipalities: %(tb)s per 10,000 person-years before, %(ta)s after. "
        "Comparison municipalities: %(cb)s before, %(ca)s after."
    ) % {
        "tb": format_number(found.treated.rate_before, 1),
        "ta": format_number(found.treated.rate_after, 1),
        "cb": format_number(found.comparison.rate_before, 1),
        "ca": format_number(found.comparison.rate_after, 1),
    }
    return f"{groups} {direction} {detail} {verdict}"
