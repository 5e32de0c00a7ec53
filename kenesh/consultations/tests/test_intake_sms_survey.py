"""A survey over SMS: one question at a time, answers by number, a response at the end."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kenesh.consultations.intake.outbox import address_key
from kenesh.consultations.intake.services import message_receive
from kenesh.consultations.intake.sms_survey import question_text, validate_sms_survey
from kenesh.consultations.models import (
    Answer,
    OutboxMessage,
    QuestionKind,
    Response,
    ResponseChannel,
    SmsSurveySession,
    Survey,
    SurveyStatus,
)
from kenesh.consultations.tests.factories import (
    OptionFactory,
    QuestionFactory,
    SurveyFactory,
    choice_question,
)
from kenesh.consultations.tests.intake_support import NUMBER

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)


def safety_survey() -> Survey:
    """Feels safe (single), why not (multiple; only when unsafe), police rating (optional)."""
    survey: Survey = SurveyFactory.create(sms_enabled=True, sms_keyword="KOOPSUZ")
    feels = choice_question(survey, "feels_safe", ["safe", "unsafe"], order=1, required=True)
    feels.options.filter(code="safe").update(label_en="Safe")
    feels.options.filter(code="unsafe").update(label_en="Unsafe")
    choice_question(
        survey,
        "why",
        ["dark", "dogs", "drink"],
        order=2,
        kind=QuestionKind.MULTIPLE,
        shown_if_question=feels,
        shown_if_options=["unsafe"],
    )
    rating = QuestionFactory.create(survey=survey, code="police", kind=QuestionKind.RATING, order=3)
    for value in range(1, 6):
        OptionFactory.create(question=rating, code=str(value), order=value, label_en=str(value))
    return survey


def send(text: str, n: int, *, at: dt.datetime = NOW) -> str:
    return message_receive(
        channel="sms", message_id=f"s-{n}", sender=NUMBER, text=text, now=at
    ).result


def last_text() -> str:
    return OutboxMessage.objects.filter(address=NUMBER).latest("id").text


def test_a_whole_conversation_stores_one_sms_response() -> None:
    survey = safety_survey()
    assert send("koopsuz en", 1) == "survey"
    assert "1 Safe 2 Unsafe" in last_text()
    assert send("2", 2) == "survey"  # unsafe: the condition shows "why"
    assert "1 Dark 2 Dogs 3 Drink" in last_text()
    assert send("1 3", 3) == "survey"
    assert "1 1 2 2 3 3 4 4 5 5" in last_text()
    assert send("4", 4) == "survey"
    assert "Thank you" in last_text()
    response = Response.objects.get(survey=survey)
    assert response.channel == ResponseChannel.SMS
    answers = Answer.objects.filter(response=response)
    chosen = set(answers.values_list("question__code", "option__code"))
    assert chosen == {("feels_safe", "unsafe"), ("why", "dark"), ("why", "drink"), ("police", "4")}
    session = SmsSurveySession.objects.get(survey=survey)
    assert session.finished
    # The session keeps the number's key, enough to know that it answered, not the number, and
    # nothing links it to what was answered.
    assert session.address == address_key(NUMBER)
    assert set(session.answers) == {"_language", "_answered"} and session.response is None
    assert response.external_id == ""


def test_a_question_whose_condition_is_not_met_is_not_asked() -> None:
    survey = safety_survey()
    send("KOOPSUZ en", 1)
    send("1", 2)  # safe: "why" is skipped
    assert "1 1 2 2 3 3 4 4 5 5" in last_text()
    send("0", 3)  # the rating is optional: skipped
    answers = Answer.objects.filter(response__survey=survey)
    assert {a.question.code for a in answers} == {"feels_safe"}


def test_an_answer_that_is_not_one_of_the_numbers_repeats_the_question() -> None:
    survey = safety_survey()
    send("KOOPSUZ en", 1)
    for n, wrong in enumerate(["7", "yes", "1 2", "0"], start=2):  # 0: the question is required
        assert send(wrong, n) == "survey"
        assert "1 Safe 2 Unsafe" in last_text()
    session = SmsSurveySession.objects.get(survey=survey)
    assert session.question is not None and session.question.code == "feels_safe"
    assert not Response.objects.filter(survey=survey).exists()


def test_a_number_answers_a_survey_once() -> None:
    survey = safety_survey()
    for n, text in enumerate(["KOOPSUZ en", "1", "0"], start=1):
        send(text, n)
    assert send("KOOPSUZ", 9) == "survey"
    assert "already answered" in last_text()
    assert Response.objects.filter(survey=survey).count() == 1


def test_a_session_left_for_days_no_longer_takes_messages_as_answers() -> None:
    safety_survey()
    send("KOOPSUZ en", 1)
    SmsSurveySession.objects.update(updated_at=NOW)  # auto_now wrote the clock's time
    assert send("2", 2, at=NOW + dt.timedelta(days=2)) == "survey"
    SmsSurveySession.objects.update(updated_at=NOW)
    assert send("2", 3, at=NOW + dt.timedelta(days=4)) != "survey"


def test_a_closed_survey_does_not_start_over_sms() -> None:
    survey = safety_survey()
    Survey.objects.filter(pk=survey.pk).update(status=SurveyStatus.CLOSED)
    assert send("KOOPSUZ", 1) == "unplaced"


def test_stop_ends_the_survey() -> None:
    survey = safety_survey()
    send("KOOPSUZ en", 1)
    assert send("STOP", 2) == "stopped"
    assert SmsSurveySession.objects.get(survey=survey).finished
    assert send("1", 3) != "survey"


def test_sms_mode_is_refused_for_a_survey_with_number_or_text_questions() -> None:
    survey = safety_survey()
    validate_sms_survey(survey)  # choice and rating questions only: fine
    QuestionFactory.create(survey=survey, code="age", kind=QuestionKind.NUMBER)
    QuestionFactory.create(survey=survey, code="comment", kind=QuestionKind.TEXT)
    with pytest.raises(ValidationError) as refused:
        validate_sms_survey(survey)
    text = " ".join(refused.value.message_dict["sms_enabled"])
    assert "age" in text and "comment" in text


@pytest.mark.parametrize("keyword", ["", "STOP", "12", "two words"])
def test_sms_mode_needs_a_usable_keyword(keyword: str) -> None:
    survey = safety_survey()
    survey.sms_keyword = keyword
    with pytest.raises(ValidationError):
        validate_sms_survey(survey)


def test_two_open_sms_surveys_cannot_share_a_keyword() -> None:
    safety_survey()
    other: Survey = SurveyFactory.create(sms_enabled=False, sms_keyword="koopsuz")
    choice_question(other, "q", ["a", "b"])
    with pytest.raises(ValidationError):
        validate_sms_survey(other)


def test_the_question_text_numbers_its_options_in_order() -> None:
    survey = safety_survey()
    question = survey.questions.get(code="feels_safe")
    assert question_text(question, "en").splitlines()[1] == "1 Safe 2 Unsafe"
