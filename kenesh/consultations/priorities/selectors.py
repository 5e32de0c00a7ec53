"""Reads of the priority matrix: per concern category, what people raised, what the survey
says, recorded crime and its trend, and severity, scored by :mod:`kenesh.analytics.priorities`.

Disclosure control (docs/privacy.md, :mod:`kenesh.core.disclosure`): each component is shown
at the viewer's level of detail of its own resource over the municipality (concerns, surveys,
incidents). For an aggregate-only viewer every count from 1 to 4 behind a component is withheld
(the concern counts with complementary suppression, as their shares add up to the total): the
page and the API say ``<5`` or ``×``, never its value nor its normalised value.

The ranking is the same for every viewer (the working group adopts one ranking): scores are
worked out from the full counts, a withheld component counting like a shown one, and an
aggregate-only viewer gets each score rounded to :data:`AGGREGATE_SCORE_DECIMALS` decimals. Only
a missing component (no data at all) is left out, with the weights of the others renormalised.
With weights other than the defaults an aggregate-only viewer's withheld components are left out
like missing ones (a single weight on a withheld component would give its value back); see
docs/priorities.md for the reasoning and the risk that remains.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kenesh.analytics.priorities import COMPONENTS, DEFAULT_WEIGHTS, check_weights, priority_scores
from kenesh.consultations.models import (
    AdoptedPriority,
    Answer,
    Concern,
    ConcernCategory,
    Meeting,
    QuestionMeasure,
)
from kenesh.core.dates import validate_not_too_early
from kenesh.core.disclosure import SMALL_COUNT, Detail, Published, detail_at, publish_series
from kenesh.core.formats import MISSING, format_number, format_percent
from kenesh.core.periods import add_months, complete_months_before, whole_months
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import allowed, require_at
from kenesh.geo.models import AdministrativeUnit, Level
from kenesh.geo.selectors import unit_get
from kenesh.incidents.selectors import category_rates

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User

    AnyUser = User | AnonymousUser

#: The months of the default period: the last 12 complete months.
DEFAULT_MONTHS = 12

#: The decimals of a score an aggregate-only viewer gets (the score is worked out from counts
#: withheld from them).
AGGREGATE_SCORE_DECIMALS = 2

#: Component names as pages say them.
COMPONENT_LABELS: dict[str, Any] = {
    "concerns_share": gettext_lazy("Share of concerns"),
    "survey_share": gettext_lazy("Named in the survey"),
    "incident_rate": gettext_lazy("Incidents per 10,000 per year"),
    "rate_change": gettext_lazy("Change in the rate"),
    "severity": gettext_lazy("Severity"),
}


class Status:
    """What a component's value is: shown, missing, withheld, or not applicable."""

    OK = "ok"
    MISSING = "missing"  # no data: no survey asked, no population known, too few months
    SUPPRESSED = "suppressed"  # withheld: a count from 1 to 4 (or one that gives it back)
    NOT_APPLICABLE = "not_applicable"  # no incident category matches the concern category


@dataclass(frozen=True)
class Component:
    """One component of one category: its raw value (a share from 0 to 1, a rate per 10,000
    person-years, the change in that rate, a severity weight), the count behind it (``n``) and
    its denominator (``total``: concerns, respondents), its status and its normalised value."""

    name: str
    value: float | None
    status: str
    n: int | None = None
    total: int | None = None
    normalised: float | None = None
    #: Withheld for being from 1 to 4 itself (``<5``), not only to protect another (``×``).
    small: bool = False
    #: The rate ratio (later over earlier) behind a change, for the page.
    ratio: float | None = None

    @property
    def label(self) -> str:
        return str(COMPONENT_LABELS[self.name])

    @property
    def used(self) -> bool:
        return self.status == Status.OK

    def api(self) -> dict[str, Any]:
        return {"value": self.value, "n": self.n, "status": self.status}

    @property
    def mark(self) -> Published | None:
        """A withheld component as the ``published`` filter shows it (``<5`` or ``×``)."""
        if self.status != Status.SUPPRESSED:
            return None
        return Published.withheld(small=self.small)

    @property
    def text(self) -> str:
        """The raw value as the page shows it: a share in percent, a rate or its change per
        10,000 person-years (the change signed), a severity weight."""
        if self.value is None:
            return MISSING
        if self.name in ("concerns_share", "survey_share"):
            return format_percent(100 * self.value, 0)
        if self.name == "rate_change":
            sign = "+" if self.value > 0 else ""
            return sign + format_number(self.value, 1)
        return format_number(self.value, 1)


@dataclass(frozen=True)
class MatrixRow:
    category: ConcernCategory
    components: dict[str, Component]
    score: float | None
    rank: int

    def snapshot(self) -> dict[str, Any]:
        """The components as stored with an adopted priority (JSON)."""
        return {
            name: {
                "value": one.value,
                "n": one.n,
                "total": one.total,
                "status": one.status,
                "normalised": one.normalised,
            }
            for name, one in self.components.items()
        }


@dataclass(frozen=True)
class PriorityMatrix:
    unit: AdministrativeUnit
    start: dt.date
    end: dt.date
    #: The previous period the change compares with (as many months before ``start``).
    before_start: dt.date
    before_end: dt.date
    weights: dict[str, float]
    rows: list[MatrixRow]  # ranked
    notes: list[str] = field(default_factory=list)
    respondents: int | None = None
    concerns: int | None = None
    #: Withheld components count in the scores (from their full counts), as for every viewer;
    #: False when an aggregate-only viewer asked for other weights than the defaults.
    withheld_scored: bool = True

    @property
    def any_withheld(self) -> bool:
        return any(
            one.status == Status.SUPPRESSED for row in self.rows for one in row.components.values()
        )

    def row(self, code: str) -> MatrixRow | None:
        return next((row for row in self.rows if row.category.code == code), None)


# Periods -----------------------------------------------------------------------------------------


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last :data:`DEFAULT_MONTHS` complete months before ``today``."""
    return complete_months_before(today or timezone.localdate(), DEFAULT_MONTHS)


# Weights -----------------------------------------------------------------------------------------


def default_weights() -> dict[str, float]:
    """The documented defaults, or ``settings.KENESH_PRIORITY_WEIGHTS`` where it sets some."""
    configured = getattr(settings, "KENESH_PRIORITY_WEIGHTS", None) or {}
    weights = {**DEFAULT_WEIGHTS, **{str(k): float(v) for k, v in dict(configured).items()}}
    check_weights(weights, COMPONENTS)
    return weights


def resolve_weights(asked: Mapping[str, float | None] | None) -> dict[str, float]:
    """The defaults with the weights asked for in their place; ``ValidationError`` keyed by
    ``w_<component>`` when they cannot be used (negative, not a number, all zero)."""
    weights = default_weights()
    for name, value in (asked or {}).items():
        if value is None:
            continue
        if name not in COMPONENTS:
            raise ValidationError({f"w_{name}": _("There is no such component.")})
        if not math.isfinite(value) or value < 0 or value > 100:
            raise ValidationError({f"w_{name}": _("Give a weight from 0 to 100.")})
        weights[name] = float(value)
    if not any(value > 0 for value in weights.values()):
        raise ValidationError({f"w_{COMPONENTS[0]}": _("At least one weight must be more than 0.")})
    return weights


# Scope -------------------------------------------------------------------------------------------


#: The longest period the matrix takes: its change compares with the period before, of the
#: same length, which must still lie in the register's years.
MAX_PERIOD_MONTHS = 60


def check_period(start: dt.date, end: dt.date) -> None:
    """Refuse a period that begins before 1991 (:data:`kenesh.core.dates.EARLIEST_DATE`: the
    period before it, which the change compares with, must still be a date), whose end lies
    before its start, or longer than five years. Keyed ``date_from`` and ``date_to``; the
    matrix's form, page query and API ask it, and so does adopting priorities."""
    for key, day in (("date_from", start), ("date_to", end)):
        try:
            validate_not_too_early(day)
        except ValidationError as exc:
            raise ValidationError({key: exc.messages}) from None
    if end < start:
        raise ValidationError({"date_to": [_("The end lies before the start.")]})
    if (end.year - start.year) * 12 + end.month - start.month >= MAX_PERIOD_MONTHS:
        raise ValidationError({"date_from": [_("Choose at most 5 years.")]})


def matrix_unit(*, user: AnyUser, code: str) -> AdministrativeUnit:
    """The municipality the matrix is asked for: 404 outside the user's area, 403 in it for a
    role that may not read priorities, ``ValidationError`` on ``unit`` for a unit that is not a
    municipality."""
    unit = unit_get(user=user, code=code)
    require_at(user, Action.READ, Resource.PRIORITIES, unit.path)
    if unit.level != Level.MUNICIPALITY:
        raise ValidationError({"unit": _("Choose a municipality.")})
    return unit


def matrix_municipalities(user: AnyUser) -> list[AdministrativeUnit]:
    """The municipalities whose priorities the user may read: the unit choices of the page."""
    return list(
        AdministrativeUnit.objects.where_allowed(user, Action.READ, Resource.PRIORITIES)
        .filter(level=Level.MUNICIPALITY)
        .defer("boundary")
        .order_by("code")
    )


# The matrix --------------------------------------------------------------------------------------


def _detail(user: AnyUser, resource: Resource, unit: AdministrativeUnit) -> Detail:
    return detail_at(user, resource, unit.path) or Detail.PUBLIC


def _small(value: int) -> bool:
    return 1 <= value < SMALL_COUNT


#: Per category code, a component's full value (from counts the viewer may not see), for the
#: score only; ``None`` where it is missing.
FullValues = dict[str, float | None]


def concern_counts(
    *,
    unit: AdministrativeUnit,
    codes: list[str],
    start: dt.date,
    end: dt.date,
    concerns: QuerySet[Concern] | None = None,
) -> dict[str, int]:
    """Concerns of ``unit`` received from ``start`` to ``end`` per category of ``codes``, merged
    duplicates (``merged_into`` set) left out: the one count of the matrix and of the public
    page. ``concerns`` narrows the rows counted (the public page's ``published``)."""
    rows = Concern.objects.all() if concerns is None else concerns
    found = (
        rows.filter(
            unit=unit,
            category_id__in=codes,
            merged_into__isnull=True,
            received_at__date__gte=start,
            received_at__date__lte=end,
        )
        .order_by()
        .values_list("category_id")
        .annotate(n=Count("pk"))
    )
    return {str(code): int(n) for code, n in found}


def _concern_components(
    user: AnyUser, unit: AdministrativeUnit, codes: list[str], start: dt.date, end: dt.date
) -> tuple[dict[str, Component], int | None, FullValues]:
    counts = concern_counts(unit=unit, codes=codes, start=start, end=end)
    values = [counts.get(code, 0) for code in codes]
    total = sum(values)
    suppress = _detail(user, Resource.CONCERNS, unit).aggregate_only
    published = publish_series(values, suppress=suppress)
    found: dict[str, Component] = {}
    full: FullValues = {
        code: value / total if total else None for code, value in zip(codes, values, strict=True)
    }
    shown_total = published.total.value
    for code, value, one in zip(codes, values, published.counts, strict=True):
        if total == 0:
            found[code] = Component("concerns_share", None, Status.MISSING, n=0, total=0)
        elif one.suppressed or shown_total is None:
            found[code] = Component(
                "concerns_share", None, Status.SUPPRESSED, small=one.small or _small(value)
            )
        else:
            found[code] = Component(
                "concerns_share", value / total, Status.OK, n=value, total=shown_total
            )
    return found, shown_total, full


def _survey_components(
    user: AnyUser, unit: AdministrativeUnit, codes: list[str], start: dt.date, end: dt.date
) -> tuple[dict[str, Component], int | None, FullValues]:
    """Share of respondents naming each category among the most serious problems, over every
    survey of the unit with such a question, of the responses submitted in the period."""
    answers = Answer.objects.filter(
        question__survey__unit=unit,
        question__measures=QuestionMeasure.SERIOUS_PROBLEMS,
        option__isnull=False,
        response__submitted_at__date__gte=start,
        response__submitted_at__date__lte=end,
    ).order_by()
    respondents = answers.values("response_id").distinct().count()
    if respondents == 0:
        return (
            {code: Component("survey_share", None, Status.MISSING, n=0, total=0) for code in codes},
            0,
            dict.fromkeys(codes),
        )
    counts = dict(
        answers.filter(option__code__in=codes)
        .values_list("option__code")
        .annotate(n=Count("response_id", distinct=True))
    )
    # A respondent names several problems: the counts do not add up to the respondents, so
    # only counts from 1 to 4 themselves are withheld (and all of them when the respondents
    # are 1 to 4, as a share of so few gives the count back).
    suppress = _detail(user, Resource.SURVEYS, unit).aggregate_only
    total_hidden = suppress and _small(respondents)
    found: dict[str, Component] = {}
    full: FullValues = {code: int(counts.get(code, 0)) / respondents for code in codes}
    for code in codes:
        value = int(counts.get(code, 0))
        if suppress and (_small(value) or (total_hidden and value)):
            found[code] = Component("survey_share", None, Status.SUPPRESSED, small=_small(value))
        else:
            found[code] = Component(
                "survey_share",
                value / respondents,
                Status.OK,
                n=value,
                total=None if total_hidden else respondents,
            )
    return found, None if total_hidden else respondents, full


def _incident_components(
    user: AnyUser,
    unit: AdministrativeUnit,
    categories: list[ConcernCategory],
    start: dt.date,
    end: dt.date,
    notes: list[str],
) -> tuple[dict[str, tuple[Component, Component]], FullValues, FullValues]:
    """The incident rate and its change per category, and their full values (rate, change)."""
    matched = sorted({one.incident_category for one in categories if one.incident_category})
    rates = (
        category_rates(user=user, units=[unit], start=start, end=end, categories=matched)
        if matched and allowed(user, Action.AGGREGATE, Resource.INCIDENTS, unit.path)
        else {}
    )
    suppress = _detail(user, Resource.INCIDENTS, unit).aggregate_only
    for found_change in rates.values():
        for note in (found_change.note, found_change.caveat):
            if note and note not in notes:
                notes.append(note)
    found: dict[str, tuple[Component, Component]] = {}
    full_rates: FullValues = dict.fromkeys(one.code for one in categories)
    full_changes: FullValues = dict.fromkeys(one.code for one in categories)
    for category in categories:
        code = category.incident_category
        if not code:
            found[category.code] = (
                Component("incident_rate", None, Status.NOT_APPLICABLE),
                Component("rate_change", None, Status.NOT_APPLICABLE),
            )
            continue
        change = rates.get(code)
        if change is None or change.rate_after is None:
            found[category.code] = (
                Component("incident_rate", None, Status.MISSING),
                Component("rate_change", None, Status.MISSING),
            )
            continue
        full_rates[category.code] = change.rate_after
        if change.rate_before is not None and change.ratio is not None:
            full_changes[category.code] = change.rate_after - change.rate_before
        after_hidden = suppress and _small(change.count_after)
        before_hidden = suppress and _small(change.count_before)
        if after_hidden:
            rate = Component("incident_rate", None, Status.SUPPRESSED, small=True)
        else:
            rate = Component("incident_rate", change.rate_after, Status.OK, n=change.count_after)
        if change.rate_before is None or change.ratio is None:
            difference = Component("rate_change", None, Status.MISSING)
        elif after_hidden or before_hidden:
            difference = Component("rate_change", None, Status.SUPPRESSED, small=True)
        else:
            ratio = change.ratio.ratio
            difference = Component(
                "rate_change",
                change.rate_after - change.rate_before,
                Status.OK,
                n=change.count_before,
                ratio=None if math.isnan(ratio) or math.isinf(ratio) else ratio,
            )
        found[category.code] = (rate, difference)
    return found, full_rates, full_changes


def priority_matrix(
    *,
    user: AnyUser,
    unit: AdministrativeUnit,
    start: dt.date,
    end: dt.date,
    weights: Mapping[str, float | None] | None = None,
) -> PriorityMatrix:
    """The priority matrix of a municipality over the whole months from ``start`` to ``end``:
    every active concern category with each component (raw value, count, status, normalised
    value), its score and its rank (:func:`kenesh.analytics.priorities.priority_scores`).

    The caller has found ``unit`` with :func:`matrix_unit`; it is checked again here (403).
    ``weights`` replace the defaults (:func:`resolve_weights`) for the components they name.

    Scores and ranks come from the full counts whatever the viewer sees (module docstring), so
    that at the default weights every viewer gets the same ranking.
    """
    require_at(user, Action.READ, Resource.PRIORITIES, unit.path)
    chosen = resolve_weights(weights)
    start, end = whole_months(start, end)
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    before_start = add_months(start, -months)
    before_end = start - dt.timedelta(days=1)
    categories = list(ConcernCategory.objects.filter(active=True))
    codes = [category.code for category in categories]
    notes: list[str] = []
    concerns, concerns_total, full_concerns = _concern_components(user, unit, codes, start, end)
    survey, respondents, full_survey = _survey_components(user, unit, codes, start, end)
    incidents, full_rates, full_changes = _incident_components(
        user, unit, categories, start, end, notes
    )
    full: dict[str, FullValues] = {
        "concerns_share": full_concerns,
        "survey_share": full_survey,
        "incident_rate": full_rates,
        "rate_change": full_changes,
    }
    aggregate_only = any(
        _detail(user, resource, unit).aggregate_only
        for resource in (Resource.CONCERNS, Resource.SURVEYS, Resource.INCIDENTS)
    )
    # At other weights than the defaults, an aggregate-only viewer's withheld components are
    # left out: weight on a withheld component alone would give its value back in the scores.
    withheld_scored = not aggregate_only or chosen == default_weights()
    rows: list[dict[str, Component]] = []
    for category in categories:
        rate, change = incidents[category.code]
        rows.append(
            {
                "concerns_share": concerns[category.code],
                "survey_share": survey[category.code],
                "incident_rate": rate,
                "rate_change": change,
                "severity": Component("severity", float(category.severity), Status.OK),
            }
        )
    values = np.array(
        [
            [
                _score_value(row[name], full.get(name, {}).get(category.code), withheld_scored)
                for name in COMPONENTS
            ]
            for category, row in zip(categories, rows, strict=True)
        ],
        dtype=np.float64,
    ).reshape(len(rows), len(COMPONENTS))
    scored = priority_scores(values, chosen)
    ranked: list[MatrixRow] = []
    for index in scored.order.tolist():
        components = {
            name: _with_normalised(rows[index][name], scored.normalised[index, column])
            for column, name in enumerate(COMPONENTS)
        }
        score = float(scored.scores[index])
        if aggregate_only and not math.isnan(score):
            score = round(score, AGGREGATE_SCORE_DECIMALS)
        ranked.append(
            MatrixRow(
                category=categories[index],
                components=components,
                score=None if math.isnan(score) else score,
                rank=int(scored.ranks[index]),
            )
        )
    return PriorityMatrix(
        unit=unit,
        start=start,
        end=end,
        before_start=before_start,
        before_end=before_end,
        weights=chosen,
        rows=ranked,
        notes=notes,
        respondents=respondents,
        concerns=concerns_total,
        withheld_scored=withheld_scored,
    )


def _score_value(component: Component, full: float | None, withheld_scored: bool) -> float:
    """The value a component counts with in the score: its own when shown, its full value when
    withheld (unless ``withheld_scored`` is off), NaN when missing or not applicable."""
    if component.used and component.value is not None:
        return component.value
    if component.status == Status.SUPPRESSED and withheld_scored and full is not None:
        return full
    return np.nan


def _with_normalised(component: Component, value: float) -> Component:
    """The component with its normalised value; a withheld one never gets it (it would give
    the withheld value back)."""
    if math.isnan(value) or component.status == Status.SUPPRESSED:
        return component
    return Component(
        component.name,
        component.value,
        component.status,
        n=component.n,
        total=component.total,
        normalised=float(value),
        small=component.small,
        ratio=component.ratio,
    )


# Adopted priorities and meetings ------------------------------------------------------------------


def adopted_priorities(*, user: AnyUser, unit: AdministrativeUnit) -> QuerySet[AdoptedPriority]:
    """The unit's adopted priorities the user may read, newest decision first, by rank."""
    return (
        AdoptedPriority.objects.visible_to(user)
        .filter(unit=unit)
        .select_related("category", "meeting")
        .order_by("-adopted_on", "rank", "pk")
    )


def unit_meeting(*, user: AnyUser, unit: AdministrativeUnit, pk: int) -> Meeting | None:
    """The meeting ``pk`` of ``unit`` a decision may be recorded at, if the user may see it;
    ``None`` for one of another unit or outside the user's area."""
    return Meeting.objects.visible_to(user).filter(pk=pk, unit=unit).first()


def unit_meetings(*, unit: AdministrativeUnit) -> QuerySet[Meeting]:
    """The meetings of the unit a decision may be recorded at, newest first."""
    return Meeting.objects.filter(unit=unit).order_by("-held_on", "-pk")
