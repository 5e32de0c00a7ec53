"""Survey results: counts, shares and intervals per question, by group, and the change between
two rounds, at the level of detail the viewer has (docs/survey-results.md).

The denominator of a question is the number of respondents who were shown it and answered it:
people a display condition skipped, and people who left it blank, are not counted. For a
multiple-choice question the shares add up to more than 100 % (one person may choose several).

Disclosure (kenesh.core.disclosure): staff who may read surveys where the survey lies see every
count; aggregate-only viewers and the public get counts from 1 to 4 suppressed, with
complementary suppression against the totals (:func:`kenesh.core.disclosure.publish_table`),
and every share, interval, mean or change computed from a withheld count withheld with it.
Free texts are for readers of records only, never published.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kenesh.analytics.proportions import DEFAULT_ALPHA, flag_changes, wilson_interval
from kenesh.consultations.models import (
    AgeBand,
    Answer,
    Option,
    Question,
    QuestionKind,
    RespondentSex,
    Response,
    Survey,
    SurveyStatus,
)
from kenesh.core.disclosure import (
    Detail,
    DisclosureRefused,
    Published,
    check_area,
    detail_at,
    publish_series,
    publish_table,
)
from kenesh.core.models import localized_name
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import get_for_user
from kenesh.geo.models import AdministrativeUnit

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User

    AnyUser = User | AnonymousUser

#: The groups results can be broken down by: the respondent's field, and its name for people.
GROUPINGS: dict[str, Any] = {
    "sex": gettext_lazy("sex"),
    "age_band": gettext_lazy("age band"),
    "settlement": gettext_lazy("settlement"),
}
_GROUP_FIELDS = {
    "sex": "response__sex",
    "age_band": "response__age_band",
    "settlement": "response__settlement_id",
}
#: The key of respondents who gave no settlement.
NO_SETTLEMENT = "none"
#: How many free texts a reader of records is shown per question (the newest first).
TEXTS_SHOWN = 200
CONFIDENCE = 0.95


class ResultsRefused(Exception):
    """A request for results that cannot be given; ``field`` names the parameter at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Group:
    """A group of respondents (``key`` "" for everyone)."""

    key: str
    label: str


EVERYONE = Group("", "")


@dataclass(frozen=True)
class OptionRef:
    code: str
    label: str


@dataclass(frozen=True)
class OptionCell:
    """One option in one group: how many chose it and their share of the group's respondents
    (a fraction from 0 to 1) with its Wilson interval; ``None`` where the count is withheld or
    no one answered."""

    count: Published
    share: float | None
    lower: float | None
    upper: float | None

    @property
    def percent(self) -> float | None:
        return None if self.share is None else 100.0 * self.share

    @property
    def lower_percent(self) -> float | None:
        return None if self.lower is None else 100.0 * self.lower

    @property
    def upper_percent(self) -> float | None:
        return None if self.upper is None else 100.0 * self.upper


@dataclass(frozen=True)
class GroupResult:
    """A question's result in one group: ``n`` respondents answered it; ``options`` for a
    choice question (in the question's order), ``mean`` and ``median`` for a number."""

    group: Group
    n: Published
    options: list[OptionCell] = field(default_factory=list)
    mean: float | None = None
    median: float | None = None


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    options: list[OptionRef]
    total: GroupResult
    groups: list[GroupResult]
    texts: list[str] | None = None  # for readers of records only

    @property
    def code(self) -> str:
        return self.question.code

    @property
    def is_choice(self) -> bool:
        return self.question.is_choice

    @property
    def is_number(self) -> bool:
        return self.question.kind == QuestionKind.NUMBER

    @property
    def multiple(self) -> bool:
        return self.question.kind == QuestionKind.MULTIPLE

    @property
    def rows(self) -> list[GroupResult]:
        """The groups, then everyone (one row when not broken down)."""
        return [*self.groups, self.total]

    @property
    def table(self) -> list[tuple[GroupResult, list[tuple[OptionRef, OptionCell]]]]:
        """Each row with its options paired with their cells, for a page."""
        return [(row, list(zip(self.options, row.options, strict=True))) for row in self.rows]


@dataclass(frozen=True)
class SurveyResults:
    survey: Survey
    detail: Detail
    by: str | None
    groups: list[Group]
    respondents: Published
    questions: list[QuestionResult]

    @property
    def suppresses(self) -> bool:
        return self.detail.aggregate_only

    @property
    def any_suppressed(self) -> bool:
        return any(
            row.n.suppressed or any(cell.count.suppressed for cell in row.options)
            for question in self.questions
            for row in question.rows
        )

    def question(self, code: str) -> QuestionResult | None:
        return next((one for one in self.questions if one.code == code), None)


def survey_detail(user: AnyUser | None, survey: Survey) -> Detail:
    """The level of detail ``user`` gets of ``survey``'s results (at worst the public's)."""
    return detail_at(user, Resource.SURVEYS, survey.unit.path) or Detail.PUBLIC


def _survey_for(user: AnyUser | None, survey: Survey | int, action: Action) -> Survey:
    pk = survey.pk if isinstance(survey, Survey) else survey
    queryset = Survey.objects.select_related("unit")
    return get_for_user(queryset, user, action, pk=pk)


def parse_by(by: str | None) -> str | None:
    """The grouping asked for: None (everyone), or one of :data:`GROUPINGS`."""
    if by in (None, ""):
        return None
    if by not in GROUPINGS:
        raise ResultsRefused(
            "by",
            _("Break results down by one of: %(names)s.") % {"names": ", ".join(GROUPINGS)},
        )
    return by


def survey_results(
    *, survey: Survey | int, user: AnyUser | None, by: str | None = None
) -> SurveyResults:
    """The results of ``survey`` (a survey or its id) as ``user`` may see them, per question,
    broken down ``by`` sex, age band or settlement (None: everyone).

    Scope first: the survey is looked up among those the user covers (404 outside, 403 without
    aggregates on surveys). Aggregate-only viewers and the public may not break results down by
    settlement (smaller than a municipality): :class:`ResultsRefused`.
    """
    found = _survey_for(user, survey, Action.AGGREGATE)
    detail = survey_detail(user, found)
    return results_at(found, detail=detail, by=parse_by(by))


def results_at(
    survey: Survey,
    *,
    detail: Detail,
    by: str | None = None,
    question_filter: Q | None = None,
) -> SurveyResults:
    """The results of ``survey`` at the level ``detail`` (the viewer's, already established):
    the selector behind the page, the API, the export and the public page.

    Runs a fixed number of queries whatever the number of questions and answers: the questions
    with their options, the answers' counts per option (and group), the respondents per
    question (and group), the numbers of number questions, and (for readers of records) the
    free texts.
    """
    by = parse_by(by)
    if by == "settlement":
        try:
            check_area(detail, below_municipality=True, field="by")
        except DisclosureRefused as exc:
            raise ResultsRefused(exc.field, exc.message) from None
    questions = list(
        Question.objects.filter(survey=survey)
        .filter(question_filter or Q())
        .prefetch_related("options")
        .order_by("order", "id")
    )
    group_field = _GROUP_FIELDS[by] if by else None
    grouping = [group_field] if group_field else []
    answers = Answer.objects.filter(question__survey=survey)
    if question_filter is not None:
        answers = answers.filter(question__in=[question.pk for question in questions])

    chosen: dict[tuple[int, int, str], int] = {}
    for row in (
        answers.filter(option__isnull=False)
        .values("question_id", "option_id", *grouping)
        .annotate(chose=Count("id"))
        .order_by()
    ):
        key = _key(row.get(group_field)) if group_field else ""
        chosen[(row["question_id"], row["option_id"], key)] = row["chose"]

    answered: dict[tuple[int, str], int] = {}
    for row in (
        answers.values("question_id", *grouping)
        .annotate(respondents=Count("response_id", distinct=True))
        .order_by()
    ):
        key = _key(row.get(group_field)) if group_field else ""
        answered[(row["question_id"], key)] = row["respondents"]

    numbers: dict[tuple[int, str], list[Decimal]] = defaultdict(list)
    if any(question.kind == QuestionKind.NUMBER for question in questions):
        number_fields = ["question_id", "number", *grouping]
        for row in answers.filter(number__isnull=False).values(*number_fields).order_by():
            key = _key(row.get(group_field)) if group_field else ""
            numbers[(row["question_id"], key)].append(row["number"])

    texts: dict[int, list[str]] = defaultdict(list)
    if not detail.aggregate_only and any(q.kind == QuestionKind.TEXT for q in questions):
        for question_id, text in (
            answers.filter(question__kind=QuestionKind.TEXT)
            .exclude(text="")
            .order_by("-response__submitted_at", "-id")
            .values_list("question_id", "text")
        ):
            if len(texts[question_id]) < TEXTS_SHOWN:
                texts[question_id].append(text)

    groups = _groups(by, {key for _, key in answered})
    suppress = detail.aggregate_only
    results = [
        _question_result(
            question,
            groups=groups,
            chosen=chosen,
            answered=answered,
            numbers=numbers,
            texts=texts.get(question.pk, []) if not suppress else None,
            suppress=suppress,
        )
        for question in questions
    ]
    respondents = Response.objects.filter(survey=survey).count()
    return SurveyResults(
        survey=survey,
        detail=detail,
        by=by,
        groups=groups,
        respondents=publish_series([respondents], suppress=suppress).total,
        questions=results,
    )


def _key(value: Any) -> str:
    return NO_SETTLEMENT if value is None else str(value)


def _groups(by: str | None, keys: set[str]) -> list[Group]:
    """The groups present among the answers, in the order of their choices (settlements by
    name, those not given last)."""
    if by is None:
        return []
    if by in ("sex", "age_band"):
        choices = RespondentSex.choices if by == "sex" else AgeBand.choices
        return [Group(value, str(label)) for value, label in choices if value in keys]
    ids = [int(key) for key in keys if key != NO_SETTLEMENT]
    units = sorted(
        AdministrativeUnit.objects.filter(pk__in=ids), key=lambda unit: localized_name(unit)
    )
    groups = [Group(str(unit.pk), localized_name(unit)) for unit in units]
    if NO_SETTLEMENT in keys:
        groups.append(Group(NO_SETTLEMENT, _("settlement not given")))
    return groups


def _cells(counts: Sequence[Published], n: Published) -> list[OptionCell]:
    shown = [not count.suppressed and not n.suppressed and (n.value or 0) > 0 for count in counts]
    xs = np.array([count.value or 0 for count in counts], dtype=np.int64)
    total = n.value or 0
    interval = wilson_interval(xs, np.full(xs.shape, total), CONFIDENCE)
    return [
        OptionCell(
            count=count,
            share=float(interval.estimate[i]) if shown[i] else None,
            lower=float(interval.lower[i]) if shown[i] else None,
            upper=float(interval.upper[i]) if shown[i] else None,
        )
        for i, count in enumerate(counts)
    ]


def _question_result(
    question: Question,
    *,
    groups: list[Group],
    chosen: dict[tuple[int, int, str], int],
    answered: dict[tuple[int, str], int],
    numbers: dict[tuple[int, str], list[Decimal]],
    texts: list[str] | None,
    suppress: bool,
) -> QuestionResult:
    keys = [group.key for group in groups] or [""]
    options = list(question.options.all())
    refs = [OptionRef(option.code, option.label) for option in options]
    respondents = [answered.get((question.pk, key), 0) for key in keys]
    if question.is_choice and options:
        total, rows = _choice_rows(question, options, keys, chosen, respondents, suppress)
        grouped = [
            GroupResult(group, row_n, _cells(row_counts, row_n))
            for group, (row_counts, row_n) in zip(groups, rows, strict=True)
        ]
        everyone = GroupResult(EVERYONE, total[1], _cells(total[0], total[1]))
        return QuestionResult(question, refs, everyone, grouped if groups else [], texts)
    series = publish_series(respondents, suppress=suppress)
    everyone_n = series.total if groups else series.counts[0]
    group_ns = series.counts if groups else []
    if question.kind == QuestionKind.NUMBER:
        everyone_values = [v for key in keys for v in numbers.get((question.pk, key), [])]
        everyone = _number_result(EVERYONE, everyone_n, everyone_values)
        grouped = [
            _number_result(group, n, numbers.get((question.pk, group.key), []))
            for group, n in zip(groups, group_ns, strict=True)
        ]
        return QuestionResult(question, refs, everyone, grouped)
    everyone = GroupResult(EVERYONE, everyone_n)
    grouped = [GroupResult(group, n) for group, n in zip(groups, group_ns, strict=True)]
    return QuestionResult(question, refs, everyone, grouped, texts)


def _number_result(group: Group, n: Published, values: list[Decimal]) -> GroupResult:
    if n.suppressed or not values:
        return GroupResult(group, n)
    floats = [float(value) for value in values]
    return GroupResult(
        group, n, mean=float(np.mean(floats)), median=float(statistics.median(floats))
    )


def _choice_rows(
    question: Question,
    options: list[Option],
    keys: list[str],
    chosen: dict[tuple[int, int, str], int],
    respondents: list[int],
    suppress: bool,
) -> tuple[tuple[list[Published], Published], list[tuple[list[Published], Published]]]:
    """The counts per option and the respondents, per group and for everyone, as published.

    Rows are groups, columns options. For a question with one answer per person, a group's
    respondents are the sum of its row, which the suppression knows (the row total); for a
    multiple-choice question they are one more column, since the options overlap.
    """
    counts = [[chosen.get((question.pk, option.pk, key), 0) for option in options] for key in keys]
    multiple = question.kind == QuestionKind.MULTIPLE
    k = len(options)
    if multiple:
        counts = [[*row, n] for row, n in zip(counts, respondents, strict=True)]
    table = publish_table(counts, suppress_rows=[suppress] * len(counts), suppress_totals=suppress)
    single = len(keys) == 1 and keys[0] == ""

    def split(series: Any) -> tuple[list[Published], Published]:
        if multiple:
            return list(series.counts[:k]), series.counts[k]
        return list(series.counts), series.total

    rows = [split(row) for row in table.rows]
    total = rows[0] if single else split(table.column_totals)
    return total, ([] if single else rows)


# Comparing two rounds -------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionChange:
    """One option in one group, before and after: the shares with their Wilson intervals
    (:class:`OptionCell`), the change ``after − before`` with Newcombe's interval, and whether
    it is flagged (significant after Benjamini–Hochberg across everything compared).
    ``None`` everywhere a count it rests on is withheld."""

    option: OptionRef
    before: OptionCell
    after: OptionCell
    change: float | None = None
    lower: float | None = None
    upper: float | None = None
    q: float | None = None
    flagged: bool = False

    @property
    def withheld(self) -> bool:
        return self.change is None

    @property
    def points(self) -> float | None:
        """The change in percentage points."""
        return None if self.change is None else 100.0 * self.change

    @property
    def lower_points(self) -> float | None:
        return None if self.lower is None else 100.0 * self.lower

    @property
    def upper_points(self) -> float | None:
        return None if self.upper is None else 100.0 * self.upper

    @property
    def direction(self) -> str:
        """ "up", "down" for a flagged change; "" otherwise."""
        if not self.flagged or self.change is None:
            return ""
        return "up" if self.change > 0 else "down"


@dataclass(frozen=True)
class GroupChange:
    group: Group
    n_before: Published
    n_after: Published
    options: list[OptionChange]


@dataclass(frozen=True)
class QuestionChange:
    question: Question  # the later round's
    total: GroupChange
    groups: list[GroupChange]

    @property
    def code(self) -> str:
        return self.question.code

    @property
    def rows(self) -> list[GroupChange]:
        return [*self.groups, self.total]

    @property
    def any_flagged(self) -> bool:
        return any(change.flagged for row in self.rows for change in row.options)


@dataclass(frozen=True)
class RoundComparison:
    """Two rounds compared, ``before`` the earlier (by opening date, then creation)."""

    before: SurveyResults
    after: SurveyResults
    questions: list[QuestionChange]
    compared: int  # how many changes were compared (the Benjamini–Hochberg family)
    alpha: float = DEFAULT_ALPHA

    def question(self, code: str) -> QuestionChange | None:
        return next((one for one in self.questions if one.code == code), None)


def _earlier_first(one: Survey, other: Survey) -> tuple[Survey, Survey]:
    def key(survey: Survey) -> tuple[Any, ...]:
        return (survey.opens_on is not None, survey.opens_on, survey.created_at, survey.pk)

    return (one, other) if key(one) <= key(other) else (other, one)


def compare_rounds(
    *,
    survey: Survey | int,
    other: Survey | int,
    user: AnyUser | None,
    by: str | None = None,
) -> RoundComparison:
    """``survey`` against ``other`` (another round of the same series, or any survey whose
    question and option codes match): per choice question and option (and group), the shares
    in each with their intervals and the change from the earlier to the later with its
    interval, flagged after Benjamini–Hochberg across every change compared.

    Both surveys are looked up in the user's scope (404, 403 as for :func:`survey_results`).
    """
    first = _survey_for(user, survey, Action.AGGREGATE)
    second = _survey_for(user, other, Action.AGGREGATE)
    if first.pk == second.pk:
        raise ResultsRefused("compare", _("Choose another survey to compare with."))
    by = parse_by(by)
    before, after = _earlier_first(first, second)
    return compare_at(
        before=results_at(before, detail=survey_detail(user, before), by=by),
        after=results_at(after, detail=survey_detail(user, after), by=by),
    )


def compare_at(*, before: SurveyResults, after: SurveyResults) -> RoundComparison:
    """The changes between two rounds' results already computed (each at its own level)."""
    pairs: list[tuple[QuestionResult, QuestionResult]] = []
    for late in after.questions:
        early = before.question(late.code)
        if early is not None and late.is_choice and early.is_choice:
            pairs.append((early, late))
    # Every comparable cell, in order, with its counts; withheld ones are left out of the
    # family (what is not shown is not compared).
    cells: list[tuple[int, str, int, OptionCell, OptionCell, Published, Published]] = []
    for index, (early, late) in enumerate(pairs):
        early_rows = {row.group.key: row for row in early.rows}
        early_options = {ref.code: i for i, ref in enumerate(early.options)}
        for row in late.rows:
            match = early_rows.get(row.group.key)
            for j, ref in enumerate(late.options):
                i = early_options.get(ref.code)
                if match is None or i is None:
                    continue
                cells.append(
                    (index, row.group.key, j, match.options[i], row.options[j], match.n, row.n)
                )
    usable = [
        k for k, cell in enumerate(cells) if cell[3].share is not None and cell[4].share is not None
    ]
    found = None
    if usable:
        x1 = [cells[k][4].count.value or 0 for k in usable]
        n1 = [cells[k][6].value or 0 for k in usable]
        x2 = [cells[k][3].count.value or 0 for k in usable]
        n2 = [cells[k][5].value or 0 for k in usable]
        found = flag_changes(x1, n1, x2, n2, alpha=DEFAULT_ALPHA, confidence=CONFIDENCE)
    position = {k: i for i, k in enumerate(usable)}

    changes: dict[tuple[int, str, int], OptionChange] = {}
    for k, (index, key, j, b, a, _nb, _na) in enumerate(cells):
        ref = pairs[index][1].options[j]
        at = position.get(k)
        if found is None or at is None:
            changes[(index, key, j)] = OptionChange(ref, b, a)
            continue
        changes[(index, key, j)] = OptionChange(
            ref,
            b,
            a,
            change=float(found.difference[at]),
            lower=float(found.lower[at]),
            upper=float(found.upper[at]),
            q=float(found.q[at]),
            flagged=bool(found.flagged[at]),
        )

    questions: list[QuestionChange] = []
    for index, (early, late) in enumerate(pairs):
        early_rows = {row.group.key: row for row in early.rows}
        rows: list[GroupChange] = []
        for row in late.rows:
            match = early_rows.get(row.group.key)
            if match is None:
                continue
            options = [
                changes[(index, row.group.key, j)]
                for j in range(len(late.options))
                if (index, row.group.key, j) in changes
            ]
            rows.append(GroupChange(row.group, match.n, row.n, options))
        if rows and rows[-1].group == EVERYONE:
            questions.append(QuestionChange(late.question, rows[-1], rows[:-1]))
    return RoundComparison(before, after, questions, compared=len(usable))


# The public page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedSurvey:
    """A survey's published questions on the municipality's public page, with the change since
    the previous round of its series (``None`` when there is none)."""

    results: SurveyResults
    comparison: RoundComparison | None

    @property
    def survey(self) -> Survey:
        return self.results.survey


def _latest_rounds(surveys: Iterable[Survey]) -> list[tuple[Survey, Survey | None]]:
    """Per series, its latest round and the round before it (a survey without a series is a
    series of its own)."""
    series: dict[str, list[Survey]] = defaultdict(list)
    for survey in surveys:
        series[survey.series or f"#{survey.pk}"].append(survey)
    chosen = []
    for rounds in series.values():
        ordered = sorted(rounds, key=lambda s: (s.opens_on is not None, s.opens_on, s.pk))
        chosen.append((ordered[-1], ordered[-2] if len(ordered) > 1 else None))
    return sorted(chosen, key=lambda pair: (pair[0].opens_on is None, pair[0].opens_on, pair[0].pk))


def published_results(*, unit: AdministrativeUnit) -> list[PublishedSurvey]:
    """The questions a coordinator published (``Question.published``) of the municipality's
    surveys, always at the public level of detail (counts from 1 to 4 suppressed): per series
    its latest round that is not a draft, compared with the round before it where both have the
    question. Newest series last."""
    surveys = (
        Survey.objects.filter(unit=unit, is_template=False)
        .exclude(status=SurveyStatus.DRAFT)
        .select_related("unit")
    )
    with_published = set(
        Question.objects.filter(survey__in=surveys, published=True)
        .values_list("survey_id", flat=True)
        .distinct()
    )
    found: list[PublishedSurvey] = []
    for latest, previous in _latest_rounds(surveys):
        if latest.pk not in with_published:
            continue
        published = Q(published=True)
        results = results_at(latest, detail=Detail.PUBLIC, question_filter=published)
        comparison = None
        if previous is not None:
            codes = [question.code for question in results.questions]
            earlier = results_at(previous, detail=Detail.PUBLIC, question_filter=Q(code__in=codes))
            comparison = compare_at(before=earlier, after=results)
            if not comparison.questions:
                comparison = None
        found.append(PublishedSurvey(results, comparison))
    return found


def comparable_surveys(*, survey: Survey, user: AnyUser | None) -> list[Survey]:
    """Other surveys the user may compare ``survey`` with: those of its series (its other
    rounds) in the user's scope, and other surveys of its municipality sharing a question
    code; newest first."""
    codes = list(survey.questions.values_list("code", flat=True))
    candidates = (
        Survey.objects.visible_to(user, Action.AGGREGATE)
        .filter(Q(unit=survey.unit_id) | (Q(series=survey.series) & ~Q(series="")))
        .filter(questions__code__in=codes)
        .exclude(pk=survey.pk)
        .distinct()
        .order_by("-opens_on", "-id")
    )
    return list(candidates[:50])
