"""Two rounds compared: a real change flagged, noise not, Benjamini–Hochberg over everything
compared, withheld counts left out; and the results a municipality publishes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kenesh.accounts.tests.factories import UserFactory
from kenesh.analytics.proportions import flag_changes, newcombe_difference
from kenesh.consultations.models import Survey, SurveyStatus
from kenesh.consultations.results.selectors import (
    ResultsRefused,
    compare_at,
    compare_rounds,
    published_results,
    results_at,
)
from kenesh.consultations.tests.factories import SurveyFactory, choice_question
from kenesh.consultations.tests.test_results_selectors import respond
from kenesh.core.disclosure import Detail
from kenesh.core.permissions import Role
from kenesh.geo.models import AdministrativeUnit

pytestmark = pytest.mark.django_db


def round_of(unit: AdministrativeUnit, opens: dt.date, **kwargs: Any) -> Survey:
    survey = SurveyFactory.create(
        unit=unit,
        series="perception",
        opens_on=opens,
        closes_on=opens + dt.timedelta(days=30),
        **kwargs,
    )
    choice_question(survey, "unsafe", ["yes", "no"])
    choice_question(survey, "police", ["good", "bad"])
    return survey


def answers(unsafe_yes: int, police_good: int, n: int = 60) -> list[dict[str, Any]]:
    return [
        {
            "sex": "female" if i % 2 else "male",
            "answers": {
                "unsafe": "yes" if i < unsafe_yes else "no",
                "police": "good" if i < police_good else "bad",
            },
        }
        for i in range(n)
    ]


@pytest.fixture
def rounds() -> tuple[Survey, Survey]:
    baseline = round_of(SurveyFactory.create().unit, dt.date(2024, 3, 1))
    follow_up = round_of(baseline.unit, dt.date(2025, 3, 1))
    # Feeling unsafe falls from 45 of 60 to 15 of 60; the police's rating moves by one person.
    respond(baseline, answers(unsafe_yes=45, police_good=30))
    respond(follow_up, answers(unsafe_yes=15, police_good=31))
    return baseline, follow_up


def coordinator(survey: Survey) -> Any:
    return UserFactory.create(role=Role.LCPC_COORDINATOR, unit=survey.unit)


def test_a_real_fall_is_flagged_and_a_change_of_one_person_is_not(
    rounds: tuple[Survey, Survey],
) -> None:
    baseline, follow_up = rounds
    found = compare_rounds(survey=follow_up, other=baseline, user=coordinator(baseline))
    assert found.before.survey == baseline and found.after.survey == follow_up
    unsafe, police = found.question("unsafe"), found.question("police")
    assert unsafe is not None and police is not None
    yes = unsafe.total.options[0]
    assert yes.change == pytest.approx(15 / 60 - 45 / 60)
    expected = newcombe_difference(15, 60, 45, 60)
    assert (yes.lower, yes.upper) == pytest.approx((float(expected.lower), float(expected.upper)))
    assert yes.flagged and yes.direction == "down"
    good = police.total.options[0]
    assert not good.flagged and good.direction == ""
    assert good.lower is not None and good.lower < 0 < (good.upper or 0)


def test_the_earlier_round_is_before_whichever_is_asked_first(
    rounds: tuple[Survey, Survey],
) -> None:
    baseline, follow_up = rounds
    found = compare_rounds(survey=baseline, other=follow_up, user=coordinator(baseline))
    assert found.before.survey == baseline
    unsafe = found.question("unsafe")
    assert unsafe is not None and (unsafe.total.options[0].change or 0) < 0


def test_benjamini_hochberg_runs_over_every_option_and_group_compared(
    rounds: tuple[Survey, Survey],
) -> None:
    baseline, follow_up = rounds
    found = compare_rounds(survey=follow_up, other=baseline, user=coordinator(baseline), by="sex")
    cells = [
        (change, before_n, after_n)
        for question in found.questions
        for row in question.rows
        for change in row.options
        for before_n, after_n in [(row.n_before.value, row.n_after.value)]
    ]
    assert found.compared == len(cells) == 2 * 2 * 3  # questions × options × (2 sexes + all)
    x1 = [c.after.count.value or 0 for c, _, _ in cells]
    x2 = [c.before.count.value or 0 for c, _, _ in cells]
    n1 = [a or 0 for _, _, a in cells]
    n2 = [b or 0 for _, b, _ in cells]
    reference = flag_changes(x1, n1, x2, n2)
    assert [c.q for c, _, _ in cells] == pytest.approx(list(reference.q))
    assert [c.flagged for c, _, _ in cells] == list(reference.flagged)


def test_questions_and_options_are_matched_by_code() -> None:
    unit = SurveyFactory.create().unit
    first = SurveyFactory.create(unit=unit, opens_on=dt.date(2024, 1, 1))
    second = SurveyFactory.create(unit=unit, opens_on=dt.date(2025, 1, 1))
    choice_question(first, "lit", ["dark", "lit", "gone"])
    choice_question(second, "lit", ["lit", "dark"])  # reordered, one option dropped
    choice_question(second, "new", ["a", "b"])
    respond(first, [{"answers": {"lit": "dark"}}] * 10 + [{"answers": {"lit": "lit"}}] * 10)
    respond(second, [{"answers": {"lit": "lit"}}] * 20)
    found = compare_rounds(survey=second, other=first, user=coordinator(first))
    assert [question.code for question in found.questions] == ["lit"]
    lit = found.questions[0]
    assert [change.option.code for change in lit.total.options] == ["lit", "dark"]
    assert [change.change for change in lit.total.options] == pytest.approx([0.5, -0.5])


def test_a_survey_is_not_compared_with_itself(rounds: tuple[Survey, Survey]) -> None:
    baseline, _ = rounds
    with pytest.raises(ResultsRefused):
        compare_rounds(survey=baseline, other=baseline, user=coordinator(baseline))


def test_at_the_public_level_a_change_resting_on_a_withheld_count_is_withheld() -> None:
    unit = SurveyFactory.create().unit
    before = round_of(unit, dt.date(2024, 1, 1))
    after = round_of(unit, dt.date(2025, 1, 1))
    respond(before, answers(unsafe_yes=2, police_good=30, n=40))
    respond(after, answers(unsafe_yes=20, police_good=20, n=40))
    found = compare_at(
        before=results_at(before, detail=Detail.PUBLIC),
        after=results_at(after, detail=Detail.PUBLIC),
    )
    unsafe = found.question("unsafe")
    assert unsafe is not None
    yes = unsafe.total.options[0]
    assert yes.withheld and yes.q is None and not yes.flagged
    police = found.question("police")
    assert police is not None and not police.total.options[0].withheld
    assert found.compared == sum(
        not change.withheld for q in found.questions for change in q.total.options
    )


def test_published_results_show_the_latest_round_with_its_change_at_the_public_level(
    rounds: tuple[Survey, Survey],
) -> None:
    baseline, follow_up = rounds
    follow_up.questions.filter(code="unsafe").update(published=True)
    baseline.questions.update(published=True)
    found = published_results(unit=follow_up.unit)
    assert len(found) == 1
    shown = found[0]
    assert shown.survey == follow_up and shown.results.detail is Detail.PUBLIC
    assert [question.code for question in shown.results.questions] == ["unsafe"]
    assert shown.comparison is not None
    assert [question.code for question in shown.comparison.questions] == ["unsafe"]
    assert shown.comparison.question("unsafe").total.options[0].flagged  # type: ignore[union-attr]


def test_nothing_is_published_until_a_coordinator_chooses_and_drafts_never(
    rounds: tuple[Survey, Survey],
) -> None:
    baseline, _ = rounds
    assert published_results(unit=baseline.unit) == []
    draft = round_of(baseline.unit, dt.date(2026, 1, 1), status=SurveyStatus.DRAFT)
    draft.questions.update(published=True)
    assert published_results(unit=baseline.unit) == []


def test_published_results_withhold_counts_under_five() -> None:
    survey = round_of(SurveyFactory.create().unit, dt.date(2024, 1, 1))
    survey.questions.update(published=True)
    respond(survey, answers(unsafe_yes=3, police_good=30, n=30))
    found = published_results(unit=survey.unit)
    unsafe = found[0].results.question("unsafe")
    assert unsafe is not None
    assert all(
        cell.count.value is None or not 1 <= cell.count.value <= 4
        for row in unsafe.rows
        for cell in row.options
    )
    assert unsafe.total.options[0].count.suppressed and unsafe.total.options[0].share is None
