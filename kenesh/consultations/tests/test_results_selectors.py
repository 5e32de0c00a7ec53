"""Survey results: counts against a brute-force count of the answers, denominators, groups,
numbers and texts, and the disclosure rule at each level of detail."""

from __future__ import annotations

import random
import statistics
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from kenesh.accounts.tests.factories import UserFactory
from kenesh.analytics.proportions import wilson_interval
from kenesh.consultations.models import (
    Answer,
    Question,
    QuestionKind,
    Response,
    ResponseChannel,
    Survey,
)
from kenesh.consultations.results.selectors import (
    ResultsRefused,
    results_at,
    survey_results,
)
from kenesh.consultations.tests.factories import QuestionFactory, SurveyFactory, choice_question
from kenesh.core.disclosure import Detail
from kenesh.core.permissions import Role
from kenesh.geo.tests.factories import SettlementFactory

pytestmark = pytest.mark.django_db

SEXES = ["female", "male", "not_said"]
BANDS = ["18_29", "30_44", "60_plus"]


def respond(survey: Survey, people: list[dict[str, Any]]) -> list[Response]:
    """One response per person: ``sex``, ``age_band``, ``settlement`` and ``answers`` (question
    code → an option code, a list of them, a number or a text)."""
    questions = {q.code: q for q in survey.questions.prefetch_related("options")}
    responses = Response.objects.bulk_create(
        [
            Response(
                survey=survey,
                channel=ResponseChannel.PAPER,
                sex=person.get("sex", "female"),
                age_band=person.get("age_band", "30_44"),
                settlement=person.get("settlement"),
            )
            for person in people
        ]
    )
    answers = []
    for response, person in zip(responses, people, strict=True):
        for code, value in person.get("answers", {}).items():
            question = questions[code]
            if question.kind == QuestionKind.NUMBER:
                answers.append(Answer(response=response, question=question, number=value))
            elif question.kind == QuestionKind.TEXT:
                answers.append(Answer(response=response, question=question, text=value))
            else:
                options = {option.code: option for option in question.options.all()}
                for chosen in [value] if isinstance(value, str) else value:
                    answers.append(
                        Answer(response=response, question=question, option=options[chosen])
                    )
    Answer.objects.bulk_create(answers)
    return responses


def random_people(rng: random.Random, n: int, **extra: Any) -> list[dict[str, Any]]:
    people = []
    for _ in range(n):
        answers: dict[str, Any] = {"safe": rng.choice(["yes", "no", "unsure"])}
        if rng.random() < 0.8:
            answers["worries"] = rng.sample(["theft", "drugs", "roads"], rng.randint(1, 3))
        people.append(
            {"sex": rng.choice(SEXES), "age_band": rng.choice(BANDS), "answers": answers, **extra}
        )
    return people


@pytest.fixture
def survey() -> Survey:
    made = SurveyFactory.create()
    choice_question(made, "safe", ["yes", "no", "unsure"])
    choice_question(made, "worries", ["theft", "drugs", "roads"], kind=QuestionKind.MULTIPLE)
    return made


def reader(survey: Survey) -> Any:
    return UserFactory.create(role=Role.LCPC_COORDINATOR, unit=survey.unit)


def test_counts_and_shares_match_a_brute_force_count_of_the_answers(survey: Survey) -> None:
    rng = random.Random(3)
    people = random_people(rng, 80)
    respond(survey, people)
    found = survey_results(survey=survey.pk, user=reader(survey))
    assert found.detail is Detail.READ
    assert found.respondents.value == 80
    for code in ("safe", "worries"):
        question = found.question(code)
        assert question is not None
        answered = [p for p in people if code in p["answers"]]
        chose: Counter[str] = Counter()
        for person in answered:
            value = person["answers"][code]
            chose.update([value] if isinstance(value, str) else value)
        assert question.total.n.value == len(answered)
        for ref, cell in zip(question.options, question.total.options, strict=True):
            assert cell.count.value == chose[ref.code]
            assert cell.share == pytest.approx(chose[ref.code] / len(answered))
            expected = wilson_interval(chose[ref.code], len(answered))
            assert cell.lower == pytest.approx(float(expected.lower))
            assert cell.upper == pytest.approx(float(expected.upper))


def test_the_denominator_is_who_answered_not_who_responded(survey: Survey) -> None:
    respond(
        survey,
        [{"answers": {"safe": "yes", "worries": ["theft", "drugs"]}}] * 6
        + [{"answers": {"safe": "no"}}] * 4,
    )
    found = survey_results(survey=survey, user=reader(survey))
    worries = found.question("worries")
    assert worries is not None and worries.total.n.value == 6
    assert [cell.share for cell in worries.total.options] == [1.0, 1.0, 0.0]


def test_results_broken_down_by_sex_and_age_band_count_each_group(survey: Survey) -> None:
    rng = random.Random(5)
    people = random_people(rng, 90)
    respond(survey, people)
    for by, key in (("sex", "sex"), ("age_band", "age_band")):
        found = survey_results(survey=survey, user=reader(survey), by=by)
        question = found.question("safe")
        assert question is not None
        assert [group.key for group in found.groups] == [
            value
            for value in (SEXES if by == "sex" else BANDS)
            if any(p[key] == value for p in people)
        ]
        for row in question.groups:
            members = [p for p in people if p[key] == row.group.key]
            assert row.n.value == len(members)
            counts = Counter(p["answers"]["safe"] for p in members)
            assert [cell.count.value for cell in row.options] == [
                counts[code] for code in ("yes", "no", "unsure")
            ]
        assert question.total.n.value == 90


def test_results_by_settlement_name_each_and_keep_those_without_one(survey: Survey) -> None:
    village = SettlementFactory.create(parent=survey.unit)
    respond(survey, [{"settlement": village, "answers": {"safe": "yes"}}] * 3)
    respond(survey, [{"answers": {"safe": "no"}}] * 2)
    found = survey_results(survey=survey, user=reader(survey), by="settlement")
    safe = found.question("safe")
    assert safe is not None
    assert [(row.group.key, row.n.value) for row in safe.groups] == [
        (str(village.pk), 3),
        ("none", 2),
    ]
    assert safe.groups[0].group.label == village.name


def test_number_questions_give_the_mean_and_median() -> None:
    survey = SurveyFactory.create()
    QuestionFactory.create(survey=survey, code="nights", kind=QuestionKind.NUMBER)
    values = [Decimal(v) for v in ("0", "1", "2", "2", "7", "3.5")]
    respond(survey, [{"answers": {"nights": value}} for value in values])
    found = survey_results(survey=survey, user=reader(survey))
    nights = found.question("nights")
    assert nights is not None and nights.total.n.value == 6
    assert nights.total.mean == pytest.approx(float(sum(values)) / 6)
    assert nights.total.median == pytest.approx(float(statistics.median(values)))


def test_free_texts_are_for_readers_and_never_at_the_aggregate_level() -> None:
    survey = SurveyFactory.create()
    QuestionFactory.create(survey=survey, code="say", kind=QuestionKind.TEXT)
    respond(survey, [{"answers": {"say": f"Lamp {n} is out"}} for n in range(6)])
    read = results_at(survey, detail=Detail.READ).question("say")
    assert read is not None and read.texts is not None and len(read.texts) == 6
    for level in (Detail.AGGREGATE, Detail.PUBLIC):
        hidden = results_at(survey, detail=level).question("say")
        assert hidden is not None and hidden.texts is None
        assert hidden.total.n.value == 6


@pytest.mark.parametrize("level", [Detail.AGGREGATE, Detail.PUBLIC])
def test_small_counts_are_withheld_with_what_would_give_them_back(
    survey: Survey, level: Detail
) -> None:
    respond(survey, [{"answers": {"safe": "yes"}}] * 12 + [{"answers": {"safe": "no"}}] * 2)
    safe = results_at(survey, detail=level).question("safe")
    assert safe is not None
    yes, no, unsure = safe.total.options
    assert no.count.suppressed and no.count.small and no.share is None and no.lower is None
    assert unsure.count.value == 0
    # 12 of 14 would give the 2 back: the yes count or the total is withheld too.
    assert yes.count.suppressed or safe.total.n.suppressed
    if yes.count.suppressed:
        assert yes.share is None


def test_readers_of_surveys_see_every_count(survey: Survey) -> None:
    respond(survey, [{"answers": {"safe": "yes"}}] * 12 + [{"answers": {"safe": "no"}}] * 2)
    safe = survey_results(survey=survey, user=reader(survey)).question("safe")
    assert safe is not None
    assert [cell.count.value for cell in safe.total.options] == [12, 2, 0]
    assert not any(cell.count.suppressed for cell in safe.total.options)


def test_a_small_group_is_withheld_for_the_public_with_its_complement(survey: Survey) -> None:
    respond(
        survey,
        [{"sex": "female", "answers": {"safe": "yes"}}] * 10
        + [{"sex": "male", "answers": {"safe": "yes"}}] * 8
        + [{"sex": "not_said", "answers": {"safe": "no"}}] * 3,
    )
    safe = results_at(survey, detail=Detail.PUBLIC, by="sex").question("safe")
    assert safe is not None
    shown = [
        (row.group.key, [cell.count.value for cell in row.options], row.n.value)
        for row in safe.rows
    ]
    assert all(
        value is None or not 1 <= value <= 4 for _, counts, n in shown for value in [*counts, n]
    )
    not_said = next(row for row in safe.groups if row.group.key == "not_said")
    assert not_said.n.suppressed and not_said.options[1].count.suppressed


def test_aggregate_only_and_public_viewers_may_not_break_results_down_by_settlement(
    survey: Survey,
) -> None:
    for level in (Detail.AGGREGATE, Detail.PUBLIC):
        with pytest.raises(ResultsRefused) as refused:
            results_at(survey, detail=level, by="settlement")
        assert refused.value.field == "by"


def test_an_unknown_grouping_is_refused(survey: Survey) -> None:
    with pytest.raises(ResultsRefused):
        survey_results(survey=survey, user=reader(survey), by="income")


def test_a_survey_outside_the_users_area_is_not_found_and_a_role_without_surveys_refused(
    survey: Survey,
) -> None:
    with pytest.raises(Http404):
        survey_results(survey=survey, user=UserFactory.create(role=Role.POLICE_OFFICER))
    registrar = UserFactory.create(role=Role.LIVESTOCK_REGISTRAR, unit=survey.unit)
    with pytest.raises(PermissionDenied):
        survey_results(survey=survey, user=registrar)


def test_the_results_run_as_many_queries_for_many_questions_and_answers() -> None:
    def measured(questions: int, people: int) -> int:
        survey = SurveyFactory.create()
        for n in range(questions):
            choice_question(survey, f"q{n}", ["a", "b"])
        QuestionFactory.create(survey=survey, code="num", kind=QuestionKind.NUMBER)
        QuestionFactory.create(survey=survey, code="txt", kind=QuestionKind.TEXT)
        answers = {f"q{n}": "a" for n in range(questions)} | {"num": Decimal(3), "txt": "x"}
        respond(survey, [{"answers": answers}] * people)
        user = reader(survey)
        survey_results(survey=survey, user=user, by="sex")  # grants cached
        with CaptureQueriesContext(connection) as captured:
            survey_results(survey=survey, user=user, by="sex")
        return len(captured.captured_queries)

    assert measured(8, 12) <= measured(2, 3)


def test_questions_of_a_survey_are_kept_in_their_order(survey: Survey) -> None:
    # Orders set outright: the factory's sequence runs on through the whole session.
    Question.objects.filter(survey=survey, code="worries").update(order=1)
    Question.objects.filter(survey=survey, code="safe").update(order=2)
    found = survey_results(survey=survey, user=reader(survey))
    assert [one.code for one in found.questions] == ["worries", "safe"]
