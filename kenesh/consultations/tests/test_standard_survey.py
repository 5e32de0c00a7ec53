"""The standard public-safety perception survey: complete in three languages, coherent, audited."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kenesh.accounts.tests.factories import UserFactory
from kenesh.consultations.models import (
    Option,
    Question,
    QuestionKind,
    QuestionMeasure,
    Survey,
    SurveyStatus,
)
from kenesh.consultations.services import response_submit
from kenesh.consultations.standard import (
    CATEGORIES_FILE,
    STANDARD_SERIES,
    create_standard_survey,
    standard_question_codes,
)
from kenesh.core.models import AuditEntry
from kenesh.geo.tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey() -> Survey:
    return create_standard_survey(
        unit=MunicipalityFactory.create(),
        round="baseline",
        opens_on=dt.date(2024, 2, 1),
        closes_on=dt.date(2024, 3, 31),
        status=SurveyStatus.OPEN,
    )


def test_the_survey_is_of_the_standard_series_with_a_title_in_three_languages(
    survey: Survey,
) -> None:
    assert survey.series == STANDARD_SERIES == "standard"
    assert survey.round == "baseline"
    assert survey.status == SurveyStatus.OPEN
    assert (survey.opens_on, survey.closes_on) == (dt.date(2024, 2, 1), dt.date(2024, 3, 31))
    assert all((survey.title_ky, survey.title_ru, survey.title_en))


def test_every_question_and_option_has_kyrgyz_russian_and_english_text(survey: Survey) -> None:
    questions = list(survey.questions.all())
    options = list(Option.objects.filter(question__survey=survey))
    assert len(questions) == len(standard_question_codes()) > 10
    for question in questions:
        assert question.text_ky and question.text_ru and question.text_en, question.code
    for option in options:
        assert option.label_ky and option.label_ru and option.label_en, option.code


def test_question_codes_are_unique_and_option_codes_unique_within_a_question(
    survey: Survey,
) -> None:
    codes = list(survey.questions.values_list("code", flat=True))
    assert len(codes) == len(set(codes))
    for question in survey.questions.prefetch_related("options"):
        option_codes = [option.code for option in question.options.all()]
        assert len(option_codes) == len(set(option_codes)), question.code
        assert bool(option_codes) == question.is_choice, question.code


def test_display_conditions_point_to_an_earlier_question_and_its_options(survey: Survey) -> None:
    questions = list(survey.questions.prefetch_related("options").order_by("order"))
    position = {question.pk: index for index, question in enumerate(questions)}
    conditioned = [q for q in questions if q.shown_if_question_id is not None]
    assert len(conditioned) >= 5
    for question in conditioned:
        source = next(q for q in questions if q.pk == question.shown_if_question_id)
        assert position[source.pk] < position[question.pk], question.code
        assert set(question.shown_if_options) <= {o.code for o in source.options.all()}
        assert question.shown_if_options == ["yes"]
        assert source.code.startswith("victim_") and question.code.startswith("reported_")


def test_each_kind_of_victimisation_has_a_reporting_follow_up(survey: Survey) -> None:
    codes = set(survey.questions.values_list("code", flat=True))
    victim = {code.removeprefix("victim_") for code in codes if code.startswith("victim_")}
    reported = {code.removeprefix("reported_") for code in codes if code.startswith("reported_")}
    assert victim == reported
    assert {"livestock_theft", "burglary", "personal_theft", "assault", "fraud"} <= victim


def test_safe_after_dark_is_the_icvs_item_and_measures_feeling_unsafe(survey: Survey) -> None:
    question = survey.questions.get(code="safe_after_dark")
    assert question.kind == QuestionKind.SINGLE
    assert question.measures == QuestionMeasure.UNSAFE_AFTER_DARK
    assert question.text_en == "How safe do you feel walking alone in your area after dark?"
    assert list(question.options.values_list("code", flat=True)) == [
        "very_safe",
        "fairly_safe",
        "a_bit_unsafe",
        "very_unsafe",
        "never_go_out",
        "dont_know",
    ]


def test_serious_problems_offers_the_concern_categories_three_at_most(survey: Survey) -> None:
    question = survey.questions.get(code="serious_problems")
    assert question.kind == QuestionKind.MULTIPLE
    assert question.max_choices == 3
    assert question.measures == QuestionMeasure.SERIOUS_PROBLEMS
    with CATEGORIES_FILE.open(encoding="utf-8", newline="") as handle:
        rows = {row["code"]: row for row in csv.DictReader(handle)}
    options = list(question.options.all())
    assert {option.code for option in options} == set(rows)
    for option in options:
        assert option.label_ky == rows[option.code]["name_ky"]
        assert option.label_ru == rows[option.code]["name_ru"]
        assert option.label_en == rows[option.code]["name_en"]


def test_the_police_items_and_the_rating_have_their_scales(survey: Survey) -> None:
    job = survey.questions.get(code="police_doing_good_job")
    assert list(job.options.values_list("code", flat=True)) == [
        "very_good",
        "fairly_good",
        "fairly_poor",
        "very_poor",
        "dont_know",
    ]
    trust = survey.questions.get(code="trust_police")
    assert trust.kind == QuestionKind.RATING
    assert list(trust.options.values_list("code", flat=True)) == ["1", "2", "3", "4", "5"]
    comments = survey.questions.get(code="comments")
    assert comments.kind == QuestionKind.TEXT and not comments.required


def test_respondent_details_are_not_questions(survey: Survey) -> None:
    codes = set(survey.questions.values_list("code", flat=True))
    assert not codes & {"sex", "age", "age_band", "settlement"}


def test_a_response_follows_the_conditions_and_the_limit_of_three(survey: Survey) -> None:
    answers = {
        "safe_after_dark": "a_bit_unsafe",
        "serious_problems": ["livestock_theft", "road_safety"],
        "victim_livestock_theft": "yes",
        "reported_livestock_theft": "no",
        "victim_burglary": "no",
        "reported_burglary": "yes",  # not asked: ignored
        "victim_personal_theft": "no",
        "victim_robbery": "no",
        "victim_assault": "no",
        "victim_fraud": "no",
        "police_doing_good_job": "fairly_good",
        "trust_police": "4",
        "aware_lcpc": "yes",
        "attended_meeting": "no",
    }
    response = response_submit(
        actor=None, survey=survey, answers=answers, respondent={"channel": "paper"}
    )
    stored = set(response.answers.values_list("question__code", flat=True))
    assert "reported_livestock_theft" in stored and "reported_burglary" not in stored

    too_many = dict(answers, serious_problems=["drugs", "fraud", "burglary", "road_safety"])
    with pytest.raises(ValidationError) as error:
        response_submit(
            actor=None, survey=survey, answers=too_many, respondent={"channel": "paper"}
        )
    assert "serious_problems" in error.value.message_dict


def test_creation_is_audited_for_the_survey_and_each_question() -> None:
    actor = UserFactory.create()
    survey = create_standard_survey(
        unit=MunicipalityFactory.create(), round="follow_up", actor=actor, status=SurveyStatus.DRAFT
    )
    assert survey.created_by == actor
    entry = AuditEntry.objects.get(model="survey", object_id=str(survey.pk))
    assert entry.action == "create" and entry.actor == actor
    question_ids = {str(pk) for pk in survey.questions.values_list("pk", flat=True)}
    audited = set(
        AuditEntry.objects.filter(model="question", object_id__in=question_ids).values_list(
            "object_id", flat=True
        )
    )
    assert audited == question_ids


def test_a_bad_round_or_dates_store_nothing() -> None:
    unit = MunicipalityFactory.create()
    before = (Survey.objects.count(), Question.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError):
        create_standard_survey(unit=unit, round="fortnightly")
    with pytest.raises(ValidationError):
        create_standard_survey(
            unit=unit,
            round="baseline",
            opens_on=dt.date(2024, 5, 1),
            closes_on=dt.date(2024, 4, 1),
        )
    assert (Survey.objects.count(), Question.objects.count(), AuditEntry.objects.count()) == before
