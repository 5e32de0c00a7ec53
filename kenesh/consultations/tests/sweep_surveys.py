"""The permission sweep's samples for survey authoring, entry and the public form
(kenesh/portal/tests/sweeping.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kenesh.consultations.models import Question, Survey
from kenesh.consultations.tests.factories import (
    AnswerFactory,
    ResponseFactory,
    SurveyFactory,
    choice_question,
)
from kenesh.core.permissions import Role
from kenesh.portal.tests.sweeping import Place, Rows, Sample


def survey(place: Place) -> Survey:
    """An open survey of A with one single-choice question."""
    made: Survey = place.once("survey", lambda: SurveyFactory.create(unit=place.a))
    return made


def question(place: Place) -> Question:
    made: Question = place.once(
        "survey_question", lambda: choice_question(survey(place), "safe", ["yes", "no"])
    )
    return made


def _survey_pk(place: Place) -> dict[str, Any]:
    return {"pk": survey(place).pk}


def _question_pks(place: Place) -> dict[str, Any]:
    return {"pk": survey(place).pk, "question_pk": question(place).pk}


def _survey_id(place: Place) -> dict[str, Any]:
    return {"survey_id": survey(place).pk}


def _public_key(place: Place) -> dict[str, Any]:
    question(place)
    return {"public_key": survey(place).public_key}


SAMPLES: dict[str, Sample] = {
    "consultations:surveys:detail": Sample(_survey_pk),
    "consultations:surveys:edit": Sample(_survey_pk),
    "consultations:surveys:new_round": Sample(_survey_pk),
    "consultations:surveys:question_add": Sample(_survey_pk),
    "consultations:surveys:question_edit": Sample(_question_pks),
    "consultations:surveys:question_delete": Sample(_question_pks),
    "consultations:surveys:responses": Sample(_survey_pk),
    "consultations:surveys:response_add": Sample(_survey_pk),
    # Public: anyone with the link; the sample is an open survey of A.
    "consultations:answer:form": Sample(_public_key),
    "consultations:answer:done": Sample(_public_key),
    "api:survey_detail": Sample(_survey_id),
    "api:survey_update": Sample(_survey_id),
    "api:survey_questions": Sample(_survey_id),
    "api:survey_question_add": Sample(_survey_id),
    "api:survey_responses": Sample(_survey_id),
    "api:survey_response_add": Sample(_survey_id),
}

BODIES: dict[str, Callable[[Place], dict[str, Any]]] = {
    "api:survey_create": lambda p: {"unit": p.a.code, "title_ru": "Опрос"},
    "api:survey_update": lambda p: {"title_ru": "Опрос"},
    "api:survey_question_add": lambda p: {"code": "q_new", "kind": "yes_no", "text_ru": "Вопрос?"},
    "api:survey_response_add": lambda p: {"sex": "female", "answers": {"safe": "yes"}},
}


def _surveys(place: Place, n: int) -> dict[str, Any]:
    for made in SurveyFactory.create_batch(n, unit=place.a):
        ResponseFactory.create(survey=made)
    return {}


def _responses(place: Place, n: int) -> dict[str, Any]:
    asked = question(place)
    extra = place.once(
        "survey_multiple",
        lambda: choice_question(survey(place), "problems", ["dark", "dogs"], kind="multiple"),
    )
    option = asked.options.first()
    for response in ResponseFactory.create_batch(n, survey=survey(place)):
        AnswerFactory.create(response=response, question=asked, option=option)
        for chosen in extra.options.all():
            AnswerFactory.create(response=response, question=extra, option=chosen)
    return {"path": {"survey_id": survey(place).pk}}


ROWS: dict[str, Rows] = {
    "consultations:surveys:list": Rows(Role.LCPC_COORDINATOR, _surveys),
    "api:survey_list": Rows(Role.LCPC_COORDINATOR, _surveys),
    "api:survey_responses": Rows(Role.LCPC_COORDINATOR, _responses),
}
