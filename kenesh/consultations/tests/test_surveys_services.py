"""Survey authoring rules: automatic options, display conditions, questions frozen once a survey
has responses, new rounds, and every write audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from kenesh.accounts.tests.factories import UserFactory
from kenesh.consultations.models import Option, Question, Survey, SurveyStatus
from kenesh.consultations.services import response_submit
from kenesh.consultations.surveys import services
from kenesh.consultations.tests.factories import QuestionFactory, SurveyFactory
from kenesh.core.models import AuditEntry
from kenesh.core.permissions import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def survey() -> Survey:
    return SurveyFactory.create(status=SurveyStatus.DRAFT)


@pytest.fixture
def actor(survey: Survey) -> Any:
    return UserFactory.create(role=Role.LCPC_COORDINATOR, unit=survey.unit)


def add(survey: Survey, actor: Any, code: str, kind: str, **extra: Any) -> Question:
    options = extra.pop("options", None)
    data = {"code": code, "kind": kind, "text_en": f"{code}?", **extra}
    return services.question_create(actor=actor, survey=survey, data=data, options=options)


CHOICES = [{"code": "a", "label_en": "A"}, {"code": "b", "label_ru": "Б"}]


def test_a_rating_gets_the_options_one_to_five_by_itself(survey: Survey, actor: Any) -> None:
    question = add(survey, actor, "safety", "rating", options=CHOICES)
    assert list(question.options.values_list("code", flat=True)) == ["1", "2", "3", "4", "5"]


def test_a_yes_no_question_gets_yes_and_no_in_three_languages(survey: Survey, actor: Any) -> None:
    question = add(survey, actor, "trust", "yes_no")
    options = list(question.options.order_by("order"))
    assert [o.code for o in options] == ["yes", "no"]
    assert (options[0].label_ky, options[0].label_ru, options[0].label_en) == ("Ооба", "Да", "Yes")


def test_a_choice_question_needs_two_options_with_sound_codes(survey: Survey, actor: Any) -> None:
    with pytest.raises(ValidationError) as one:
        add(survey, actor, "q1", "single", options=[{"code": "a", "label_en": "A"}])
    assert "options" in one.value.message_dict
    with pytest.raises(ValidationError) as bad:
        add(survey, actor, "q1", "single", options=[*CHOICES, {"code": "1x", "label_en": "X"}])
    assert "1x" in " ".join(bad.value.message_dict["options"])
    assert Question.objects.filter(survey=survey).count() == 0
    assert Option.objects.filter(question__survey=survey).count() == 0


def test_a_number_question_has_no_options_and_no_choice_limit(survey: Survey, actor: Any) -> None:
    with pytest.raises(ValidationError) as options:
        add(survey, actor, "years", "number", options=CHOICES)
    assert "options" in options.value.message_dict
    with pytest.raises(ValidationError) as limit:
        add(survey, actor, "years", "number", max_choices=2)
    assert "max_choices" in limit.value.message_dict


def test_two_questions_of_a_survey_cannot_share_a_code(survey: Survey, actor: Any) -> None:
    add(survey, actor, "q1", "yes_no")
    with pytest.raises(ValidationError) as exc:
        add(survey, actor, "q1", "text")
    assert "code" in exc.value.message_dict


def test_a_condition_names_options_of_an_earlier_choice_question(
    survey: Survey, actor: Any
) -> None:
    victim = add(survey, actor, "victim", "yes_no")
    text = add(survey, actor, "free", "text")
    shown = add(
        survey, actor, "reported", "yes_no", shown_if_question=victim, shown_if_options=["yes"]
    )
    assert shown.shown_if_question == victim
    with pytest.raises(ValidationError) as not_choice:
        add(survey, actor, "x1", "text", shown_if_question=text, shown_if_options=["a"])
    assert "shown_if_question" in not_choice.value.message_dict
    with pytest.raises(ValidationError) as unknown:
        add(survey, actor, "x2", "text", shown_if_question=victim, shown_if_options=["maybe"])
    assert "shown_if_options" in unknown.value.message_dict
    with pytest.raises(ValidationError) as empty:
        add(survey, actor, "x3", "text", shown_if_question=victim, shown_if_options=[])
    assert "shown_if_options" in empty.value.message_dict


def test_a_condition_cannot_name_a_later_question(survey: Survey, actor: Any) -> None:
    later = add(survey, actor, "later", "yes_no", order=10)
    with pytest.raises(ValidationError) as exc:
        add(
            survey,
            actor,
            "early",
            "text",
            order=1,
            shown_if_question=later,
            shown_if_options=["no"],
        )
    assert "shown_if_question" in exc.value.message_dict


def test_a_question_others_depend_on_keeps_its_place_and_answers(
    survey: Survey, actor: Any
) -> None:
    victim = add(survey, actor, "victim", "single", options=CHOICES, order=1)
    add(survey, actor, "follow", "text", order=2, shown_if_question=victim, shown_if_options=["a"])
    with pytest.raises(ValidationError) as moved:
        services.question_update(actor=actor, question=victim, data={"order": 5})
    assert "order" in moved.value.message_dict
    with pytest.raises(ValidationError) as lost:
        services.question_update(
            actor=actor,
            question=victim,
            data={},
            options=[{"code": "b", "label_en": "B"}, {"code": "c", "label_en": "C"}],
        )
    assert "options" in lost.value.message_dict
    with pytest.raises(ValidationError):
        services.question_delete(actor=actor, question=victim)
    victim.refresh_from_db()
    assert victim.order == 1
    assert sorted(victim.options.values_list("code", flat=True)) == ["a", "b"]


def test_changing_the_options_keeps_those_by_code_and_audits_each(
    survey: Survey, actor: Any
) -> None:
    question = add(survey, actor, "q1", "single", options=CHOICES)
    kept = question.options.get(code="a")
    services.question_update(
        actor=actor,
        question=question,
        data={"text_ru": "Вопрос?"},
        options=[{"code": "a", "label_en": "Aa"}, {"code": "c", "label_en": "C"}],
    )
    kept.refresh_from_db()
    assert kept.label_en == "Aa"
    assert sorted(question.options.values_list("code", flat=True)) == ["a", "c"]
    entries = AuditEntry.objects.filter(model="option", actor=actor)
    assert {e.action for e in entries} == {"create", "update", "delete"}
    assert AuditEntry.objects.filter(model="question", action="update", actor=actor).exists()


def test_turning_a_question_into_a_rating_replaces_its_options(survey: Survey, actor: Any) -> None:
    question = add(survey, actor, "q1", "single", options=CHOICES)
    services.question_update(actor=actor, question=question, data={"kind": "rating"})
    assert list(question.options.values_list("code", flat=True)) == ["1", "2", "3", "4", "5"]


def test_questions_are_frozen_once_the_survey_has_a_response(survey: Survey, actor: Any) -> None:
    question = add(survey, actor, "q1", "yes_no")
    response_submit(
        actor=actor, survey=survey, answers={"q1": "yes"}, respondent={"channel": "paper"}
    )
    with pytest.raises(services.QuestionsFrozen) as added:
        add(survey, actor, "q2", "text")
    assert "new round" in added.value.messages[0]
    with pytest.raises(services.QuestionsFrozen):
        services.question_update(actor=actor, question=question, data={"text_en": "Changed?"})
    with pytest.raises(services.QuestionsFrozen):
        services.question_delete(actor=actor, question=question)
    question.refresh_from_db()
    assert question.text_en == "q1?"
    assert survey.questions.count() == 1


def test_a_new_round_copies_questions_options_and_conditions_into_a_draft(
    survey: Survey, actor: Any
) -> None:
    victim = add(survey, actor, "victim", "single", options=CHOICES)
    add(survey, actor, "follow", "text", shown_if_question=victim, shown_if_options=["b"])
    response_submit(
        actor=actor, survey=survey, answers={"victim": "a"}, respondent={"channel": "paper"}
    )
    copy = services.survey_new_round(
        actor=actor, survey=survey, round="follow_up", opens_on=dt.date(2026, 3, 1)
    )
    survey.refresh_from_db()
    assert copy.status == SurveyStatus.DRAFT
    assert copy.round == "follow_up" and copy.series == survey.series != ""
    assert copy.public_key != survey.public_key
    codes = list(copy.questions.order_by("order").values_list("code", flat=True))
    assert codes == ["victim", "follow"]
    follow = copy.questions.get(code="follow")
    assert follow.shown_if_question == copy.questions.get(code="victim")
    assert follow.shown_if_options == ["b"]
    # The copy has no responses: its questions can change.
    add(copy, actor, "extra", "text")
    assert copy.questions.count() == 3


def test_a_survey_with_inline_questions_resolves_conditions_by_code(actor: Any) -> None:
    unit = actor.role_assignments.get().unit
    survey = services.survey_create(
        actor=actor,
        data={"unit": unit, "title_ky": "Сурамжылоо"},
        questions=[
            {"code": "victim", "kind": "yes_no", "text_en": "Victim?"},
            {
                "code": "reported",
                "kind": "yes_no",
                "text_en": "Reported?",
                "shown_if": {"question": "victim", "options": ["yes"]},
            },
        ],
    )
    reported = survey.questions.get(code="reported")
    assert reported.shown_if_question == survey.questions.get(code="victim")
    assert survey.created_by == actor
    assert AuditEntry.objects.filter(model="survey", action="create", actor=actor).exists()


def test_a_bad_inline_question_stores_nothing_and_says_which(actor: Any) -> None:
    unit = actor.role_assignments.get().unit
    before = Survey.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.survey_create(
            actor=actor,
            data={"unit": unit, "title_ky": "Сурамжылоо"},
            questions=[
                {"code": "ok", "kind": "yes_no", "text_en": "Fine?"},
                {"code": "bad", "kind": "single", "text_en": "No options?"},
            ],
        )
    assert "questions.1.options" in exc.value.message_dict
    assert Survey.objects.count() == before


def test_sms_is_switched_on_only_for_a_survey_answerable_by_number() -> None:
    survey = SurveyFactory.create(status="draft")
    choice = QuestionFactory.create(survey=survey, code="safe", kind="yes_no")
    free = QuestionFactory.create(survey=survey, code="comment", kind="text")
    with pytest.raises(ValidationError) as refused:
        services.survey_update(
            actor=None, survey=survey, data={"sms_enabled": True, "sms_keyword": "SAFE"}
        )
    assert "comment" in " ".join(refused.value.message_dict["sms_enabled"])
    survey.refresh_from_db()
    assert not survey.sms_enabled
    free.delete()
    services.survey_update(
        actor=None, survey=survey, data={"sms_enabled": True, "sms_keyword": "SAFE"}
    )
    assert Survey.objects.get(pk=survey.pk).sms_enabled
    # While SMS is on, a question it could not ask is refused.
    with pytest.raises(ValidationError):
        services.question_create(
            actor=None, survey=survey, data={"code": "age", "kind": "number", "text_en": "Age?"}
        )
    assert list(survey.questions.values_list("code", flat=True)) == [choice.code]
