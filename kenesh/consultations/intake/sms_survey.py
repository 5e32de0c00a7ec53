"""Surveys over SMS: one question at a time, answered by number.

A person texts a survey's keyword (``Survey.sms_keyword`` of an open survey with
``sms_enabled``; a second word ``ru``, ``ky`` or ``en`` picks the language). Each question comes
with its options numbered (``1 Very safe 2 Fairly safe ...``); the answer is the number (several
numbers for a multiple choice, ``0`` skips a question that is not required). Anything else
repeats the question. Display conditions are respected: a question whose condition is not met
is not asked. After the last question the answers are stored as one response (channel SMS)
through :func:`kenesh.consultations.services.response_submit`, and the person is thanked.

Where each number stands is kept in :class:`SmsSurveySession` (one per survey and number: a
number answers a survey once). A session untouched for :data:`SESSION_IDLE` is abandoned: what
the number sends then is a new message, not an answer. A session that ends (answered, or
stopped) keeps the number's key (:func:`kenesh.consultations.intake.outbox.address_key`), not
the number: enough to know that the number answered, nothing to call it with.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kenesh.consultations.intake.outbox import address_key, is_key, outbox_queue
from kenesh.consultations.models import (
    CHOICE_KINDS,
    MessageChannel,
    Question,
    QuestionKind,
    ResponseChannel,
    SmsSurveySession,
    Survey,
    SurveyStatus,
)
from kenesh.consultations.services import is_shown, response_submit

logger = logging.getLogger("kenesh.intake")

SESSION_IDLE = dt.timedelta(days=3)
# The private key of the session's answers that holds its language (question codes start with a
# letter, so it cannot clash with one).
LANGUAGE_KEY = "_language"
# ... and the one that says the number answered (after the answers themselves are gone).
ANSWERED_KEY = "_answered"
LANGUAGE_WORDS = {
    "ky": "ky",
    "кы": "ky",
    "кыр": "ky",
    "kg": "ky",
    "ru": "ru",
    "ру": "ru",
    "рус": "ru",
    "en": "en",
    "eng": "en",
}
SKIP = "0"
_KEYWORD = re.compile(r"^[0-9A-Za-zА-Яа-яЁёҢңӨөҮү_-]{2,20}$")
RESERVED_KEYWORDS = frozenset({"stop", "стоп", "токто", "start", "старт", "баштоо"})


# Which surveys may run over SMS ----------------------------------------------------------------


def sms_survey_problems(survey: Survey) -> list[str]:
    """Why ``survey`` cannot run over SMS (empty when it can): only choice and rating questions
    can be answered by number, and a keyword is needed that no other open SMS survey uses."""
    problems: list[str] = []
    questions = list(survey.questions.all())
    if not questions:
        problems.append(_("The survey has no questions."))
    for question in questions:
        if question.kind not in CHOICE_KINDS:
            problems.append(
                _(
                    "Question “%(code)s” is a %(kind)s question; over SMS only choice and rating "
                    "questions can be answered."
                )
                % {"code": question.code, "kind": question.get_kind_display()}
            )
    keyword = (survey.sms_keyword or "").strip()
    if not keyword:
        problems.append(_("Give the SMS keyword people text to start the survey."))
    elif not _KEYWORD.match(keyword) or keyword.isdigit():
        problems.append(
            _("The SMS keyword is one word of 2 to 20 letters or digits, not only digits.")
        )
    elif keyword.casefold() in RESERVED_KEYWORDS:
        problems.append(_("STOP and START cannot be SMS keywords."))
    else:
        clash = (
            Survey.objects.filter(
                sms_enabled=True,
                status=SurveyStatus.OPEN,
                sms_keyword__iexact=keyword,
            )
            .exclude(pk=survey.pk)
            .exists()
        )
        if clash:
            problems.append(_("Another open SMS survey uses this keyword."))
    return problems


def validate_sms_survey(survey: Survey) -> None:
    """Raise ``ValidationError`` (on ``sms_enabled``) when ``survey`` cannot run over SMS; for
    whoever switches SMS on (the survey editor, the API)."""
    problems = sms_survey_problems(survey)
    if problems:
        raise ValidationError({"sms_enabled": problems})


# The conversation -------------------------------------------------------------------------------


def _questions(survey: Survey) -> list[Question]:
    return list(survey.questions.prefetch_related("options").order_by("order", "id"))


def _chosen(questions: list[Question], answers: dict[str, object]) -> dict[int, set[str]]:
    chosen: dict[int, set[str]] = {}
    for question in questions:
        value = answers.get(question.code)
        if isinstance(value, list):
            chosen[question.pk] = {str(v) for v in value}
        elif isinstance(value, str) and value:
            chosen[question.pk] = {value}
    return chosen


def _next_question(
    questions: list[Question], answers: dict[str, object], after: Question | None
) -> Question | None:
    chosen = _chosen(questions, answers)
    start = (
        0
        if after is None
        else next((i + 1 for i, q in enumerate(questions) if q.pk == after.pk), len(questions))
    )
    for question in questions[start:]:
        if is_shown(question, chosen):
            return question
    return None


def question_text(question: Question, language: str) -> str:
    """The question with its options numbered: ``Question? 1 Yes 2 No`` (and ``0`` to skip one
    that is not required), in ``language``."""
    with translation.override(language):
        options = " ".join(
            f"{number} {option.label}"
            for number, option in enumerate(question.options.all(), start=1)
        )
        text = f"{question.text}\n{options}"
        if question.kind == QuestionKind.MULTIPLE:
            text += "\n" + _("(you may send several numbers)")
        if not question.required:
            text += "\n" + _("0 skip")
        return text


def _answer(question: Question, text: str) -> str | list[str] | None:
    """The option code(s) a reply chooses, ``""`` for a skip, ``None`` when it is not an
    answer."""
    options = list(question.options.all())
    numbers = re.findall(r"\d+", text)
    if not numbers or re.sub(r"[\d\s,.;]", "", text):
        return None
    if numbers == [SKIP] and not question.required:
        return ""
    picked: list[str] = []
    for number in numbers:
        index = int(number)
        if not 1 <= index <= len(options):
            return None
        picked.append(options[index - 1].code)
    picked = list(dict.fromkeys(picked))
    if question.kind == QuestionKind.MULTIPLE:
        if question.max_choices and len(picked) > question.max_choices:
            return None
        return picked
    return picked[0] if len(picked) == 1 else None


def _language(survey: Survey, wanted: str) -> str:
    """``wanted`` when the survey's questions are written in it, else the first language they
    are written in (Kyrgyz, Russian, English)."""
    written = [
        code
        for code in ("ky", "ru", "en")
        if survey.questions.exclude(**{f"text_{code}": ""}).exists()
    ]
    if wanted in written:
        return wanted
    return written[0] if written else "ky"


def survey_by_keyword(text: str, *, today: dt.date) -> tuple[Survey, str] | None:
    """The open SMS survey whose keyword ``text`` starts with, and the language asked for."""
    parts = text.strip().split()
    if not parts:
        return None
    candidates = Survey.objects.filter(
        sms_enabled=True, status=SurveyStatus.OPEN, sms_keyword__iexact=parts[0]
    ).order_by("-id")
    for survey in candidates:
        if survey.is_open_on(today):
            wanted = LANGUAGE_WORDS.get(parts[1].casefold(), "") if len(parts) > 1 else ""
            return survey, wanted
    return None


def open_session(address: str, *, now: dt.datetime) -> SmsSurveySession | None:
    """The unfinished session of ``address`` it last answered in, if not abandoned and its
    survey still open."""
    sessions = SmsSurveySession.objects.filter(
        address=address, finished=False, updated_at__gte=now - SESSION_IDLE
    ).select_related("survey")
    for session in sessions.order_by("-updated_at"):
        if session.survey.is_open_on(timezone.localdate(now)) and session.question_id:
            return session
    return None


@dataclass(frozen=True)
class SurveyTurn:
    result: str  # "started", "answered", "repeated", "finished", "already_answered"
    session: SmsSurveySession


@transaction.atomic
def survey_start(*, survey: Survey, address: str, language: str) -> SurveyTurn:
    """The keyword: ask the first question (again, for a session already under way)."""
    # A session that ended keeps the number's key only.
    session = (
        SmsSurveySession.objects.select_for_update()
        .filter(survey=survey, address=address_key(address))
        .first()
    )
    created = False
    if session is not None:
        # (a session in clear beside it would clash when the number is put back)
        SmsSurveySession.objects.filter(survey=survey, address=address).delete()
    else:
        session, created = SmsSurveySession.objects.select_for_update().get_or_create(
            survey=survey, address=address
        )
    questions = _questions(survey)
    if session.finished and session.answers.get(ANSWERED_KEY):
        with translation.override(session.answers.get(LANGUAGE_KEY) or language or "ky"):
            text = _("You have already answered this survey. Thank you.")
        outbox_queue(channel=MessageChannel.SMS, address=address, text=text)
        return SurveyTurn("already_answered", session)
    language = _language(survey, language)
    session.address = address  # again in clear while the conversation lasts
    if created or session.finished or session.question is None:
        session.answers = {LANGUAGE_KEY: language}
        session.finished = False
        session.question = _next_question(questions, {}, None)
    else:
        session.answers[LANGUAGE_KEY] = language
    session.save()
    if session.question is None:  # nothing to ask
        return _finish(session, questions)
    with translation.override(language):
        intro = _("%(title)s. Answer with the numbers. STOP ends it.") % {"title": survey.title}
    outbox_queue(
        channel=MessageChannel.SMS,
        address=address,
        text=f"{intro}\n{question_text(session.question, language)}",
    )
    return SurveyTurn("started", session)


@transaction.atomic
def survey_reply(*, session: SmsSurveySession, text: str) -> SurveyTurn:
    """An answer to the session's current question: the next question, the same one again
    when the answer is not one of its numbers, or the thanks at the end."""
    session = (
        SmsSurveySession.objects.select_for_update().select_related("survey").get(pk=session.pk)
    )
    questions = _questions(session.survey)
    current = next((q for q in questions if q.pk == session.question_id), None)
    language = str(session.answers.get(LANGUAGE_KEY) or "ky")
    if current is None:
        return _finish(session, questions)
    answer = _answer(current, text)
    if answer is None:
        with translation.override(language):
            hint = _("Please answer with one of the numbers.")
        outbox_queue(
            channel=MessageChannel.SMS,
            address=session.address,
            text=f"{hint}\n{question_text(current, language)}",
        )
        session.save(update_fields=["updated_at"])
        return SurveyTurn("repeated", session)
    answers = dict(session.answers)
    if answer == "":
        answers.pop(current.code, None)
    else:
        answers[current.code] = answer
    session.answers = answers
    session.question = _next_question(questions, answers, current)
    session.save()
    if session.question is None:
        return _finish(session, questions)
    outbox_queue(
        channel=MessageChannel.SMS,
        address=session.address,
        text=question_text(session.question, language),
    )
    return SurveyTurn("answered", session)


def _finish(session: SmsSurveySession, questions: list[Question]) -> SurveyTurn:
    language = str(session.answers.get(LANGUAGE_KEY) or "ky")
    answers = {k: v for k, v in session.answers.items() if k != LANGUAGE_KEY}
    try:
        with transaction.atomic():
            response = response_submit(
                actor=None,
                survey=session.survey,
                answers=answers,
                # Nothing ties the response back to the session (and so to the number's key).
                respondent={"channel": ResponseChannel.SMS},
                questions=questions,
            )
    except ValidationError as exc:
        # The questionnaire changed under the conversation: nothing can be stored honestly.
        logger.warning("SMS survey session %s not stored: %s", session.pk, exc.messages)
        response = None
    address = session.address
    session_close(session=session, answered=response is not None)
    with translation.override(language):
        text = _("Thank you for answering the survey.")
    outbox_queue(channel=MessageChannel.SMS, address=address, text=text)
    return SurveyTurn("finished", session)


def session_close(*, session: SmsSurveySession, answered: bool = False) -> None:
    """End ``session`` (answered, or its number sent STOP): no next question, no answers kept,
    and the number replaced by its key (enough to know that it answered, not what)."""
    session.question = None
    session.finished = True
    language = session.answers.get(LANGUAGE_KEY)
    session.answers = {LANGUAGE_KEY: language, ANSWERED_KEY: True} if answered else {}
    session.response = None
    if session.address and not is_key(session.address):
        session.address = address_key(session.address)
    session.save()
