"""API: surveys, their questions and their responses, within scope and role (mounted at
/api/v1/surveys)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as RequestInvalid

from kenesh.accounts.selectors import acting_user
from kenesh.consultations.models import ResponseChannel, Survey
from kenesh.consultations.services import response_submit
from kenesh.consultations.surveys import selectors, services
from kenesh.consultations.surveys.schemas import (
    QuestionIn,
    QuestionOut,
    ResponseIn,
    ResponseOut,
    SurveyDetailOut,
    SurveyFilters,
    SurveyIn,
    SurveyOut,
    SurveyPatch,
)
from kenesh.core.access import api_access, requires
from kenesh.core.api import Page, PageQuery, paginate, responses
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import require_anywhere
from kenesh.geo.models import Level
from kenesh.geo.selectors import unit_for_write, unit_get
from kenesh.orgs.models import Programme

router = Router(tags=["surveys"])


def _detail(user: Any, survey_id: int) -> Survey:
    survey = selectors.survey_get(user=user, pk=survey_id)
    survey.question_list = selectors.survey_questions(survey)  # type: ignore[attr-defined]
    return survey


def _programme(data: dict[str, Any]) -> None:
    """The programme's id as the programme (an unknown id is an error on the field)."""
    if "programme" in data and data["programme"] is not None:
        programme = Programme.objects.filter(pk=data["programme"]).first()
        if programme is None:
            raise ValidationError({"programme": _("There is no such programme.")})
        data["programme"] = programme


def _question_data(payload: QuestionIn) -> dict[str, Any]:
    data = payload.dict()
    data.pop("options", None)
    data.pop("shown_if", None)
    return data


def _frozen(exc: services.QuestionsFrozen) -> HttpError:
    return HttpError(409, exc.messages[0])


@router.get(
    "",
    response=responses(Page[SurveyOut]),
    summary="Surveys",
    operation_id="survey_list",
)
@api_access(requires(Resource.SURVEYS, Action.READ))
def survey_list(
    request: HttpRequest, page: PageQuery, filters: Query[SurveyFilters]
) -> dict[str, Any]:
    require_anywhere(request.user, Action.READ, Resource.SURVEYS)
    unit = unit_get(user=request.user, code=filters.unit) if filters.unit else None
    found = selectors.survey_list(
        user=request.user,
        filters=selectors.SurveyFilter(
            unit=unit, status=filters.status or "", round=filters.round or ""
        ),
    )
    return paginate(found, page)


@router.post(
    "",
    response=responses(SurveyDetailOut, 201),
    summary="Create a survey",
    description=(
        "In a municipality where you may write surveys; with its questions in order when "
        "given (a condition names an earlier question's code). Errors of a question are at "
        "questions.<n>.<field>."
    ),
    operation_id="survey_create",
)
@api_access(requires(Resource.SURVEYS, Action.WRITE))
def survey_create(request: HttpRequest, payload: SurveyIn) -> Status[Any]:
    unit = unit_for_write(user=request.user, code=payload.unit, resource=Resource.SURVEYS)
    if unit.level != Level.MUNICIPALITY:
        raise ValidationError({"unit": _("Choose a municipality.")})
    data = payload.dict()
    questions = data.pop("questions")
    data["unit"] = unit
    _programme(data)
    survey = services.survey_create(actor=acting_user(request), data=data, questions=questions)
    return Status(201, _detail(request.user, survey.pk))


@router.get(
    "/{int:survey_id}",
    response=responses(SurveyDetailOut),
    summary="One survey, with its questions",
    operation_id="survey_detail",
)
@api_access(requires(Resource.SURVEYS, Action.READ))
def survey_detail(request: HttpRequest, survey_id: int) -> Survey:
    return _detail(request.user, survey_id)


@router.patch(
    "/{int:survey_id}",
    response=responses(SurveyDetailOut),
    summary="Change a survey",
    description=(
        "Its titles, round, series, dates, status and programme; fields left out stay as they "
        "are (null only for the dates and the programme)."
    ),
    operation_id="survey_update",
)
@api_access(requires(Resource.SURVEYS, Action.WRITE))
def survey_update(request: HttpRequest, survey_id: int, payload: SurveyPatch) -> Survey:
    survey = selectors.survey_get(user=request.user, pk=survey_id, action=Action.WRITE)
    data = payload.dict(exclude_unset=True)
    _programme(data)
    services.survey_update(actor=acting_user(request), survey=survey, data=data)
    return _detail(request.user, survey.pk)


@router.get(
    "/{int:survey_id}/questions",
    response=responses(list[QuestionOut]),
    summary="A survey's questions, in order",
    operation_id="survey_questions",
)
@api_access(requires(Resource.SURVEYS, Action.READ))
def survey_questions(request: HttpRequest, survey_id: int) -> list[Any]:
    survey = selectors.survey_get(user=request.user, pk=survey_id)
    return list(selectors.survey_questions(survey))


@router.post(
    "/{int:survey_id}/questions",
    response=responses(QuestionOut, 201, conflict=True),
    summary="Add a question",
    description=(
        "409 once the survey has responses: its questions are frozen, start a new round. "
        "Rating gets options 1 to 5 and yes_no the options yes and no by themselves."
    ),
    operation_id="survey_question_add",
)
@api_access(requires(Resource.SURVEYS, Action.WRITE))
def survey_question_add(request: HttpRequest, survey_id: int, payload: QuestionIn) -> Status[Any]:
    survey = selectors.survey_get(user=request.user, pk=survey_id, action=Action.WRITE)
    data = _question_data(payload)
    if payload.shown_if is not None:
        target = survey.questions.filter(code=payload.shown_if.question).first()
        if target is None:
            raise ValidationError({"shown_if": _("The condition must name an earlier question.")})
        data["shown_if_question"] = target
        data["shown_if_options"] = list(payload.shown_if.options)
    options = [option.dict() for option in payload.options]
    try:
        question = services.question_create(
            actor=acting_user(request), survey=survey, data=data, options=options
        )
    except services.QuestionsFrozen as exc:
        raise _frozen(exc) from None
    found = next(q for q in selectors.survey_questions(survey) if q.pk == question.pk)
    return Status(201, found)


@router.get(
    "/{int:survey_id}/responses",
    response=responses(Page[ResponseOut]),
    summary="A survey's responses, with answers by question code",
    operation_id="survey_responses",
)
@api_access(requires(Resource.SURVEYS, Action.READ))
def survey_responses(request: HttpRequest, survey_id: int, page: PageQuery) -> dict[str, Any]:
    survey = selectors.survey_get(user=request.user, pk=survey_id)
    return paginate(selectors.survey_response_list(survey=survey), page)


@router.post(
    "/{int:survey_id}/responses",
    response=responses(ResponseOut, 201),
    summary="Enter a response (a paper questionnaire)",
    description=(
        "Answers by question code. 422 with an error at body.answers.<code> for each answer "
        "that does not fit its question, and nothing stored."
    ),
    operation_id="survey_response_add",
)
@api_access(requires(Resource.SURVEYS, Action.WRITE))
def survey_response_add(request: HttpRequest, survey_id: int, payload: ResponseIn) -> Status[Any]:
    survey = selectors.survey_get(user=request.user, pk=survey_id, action=Action.WRITE)
    if survey.is_template:
        raise ValidationError(_("A programme-wide template takes no responses."))
    questions = selectors.survey_questions(survey)
    respondent: dict[str, Any] = {
        "sex": payload.sex,
        "age_band": payload.age_band,
        "channel": ResponseChannel.PAPER,
        "submitted_at": payload.submitted_at or timezone.now(),
        "settlement": None,
    }
    problems: list[dict[str, Any]] = []
    if payload.settlement:
        respondent["settlement"] = (
            selectors.settlements_of(survey.unit).filter(code=payload.settlement).first()
        )
        if respondent["settlement"] is None:
            problems.append(
                {
                    "loc": ["body", "settlement"],
                    "msg": _("Choose a settlement of the survey's municipality."),
                    "type": "invalid",
                }
            )
    codes = {question.code for question in questions}
    unknown = [code for code in payload.answers if code not in codes]
    for code in unknown:
        problems.append(
            {
                "loc": ["body", "answers", code],
                "msg": _("The survey has no question with this code."),
                "type": "unknown_question",
            }
        )
    if problems:
        raise RequestInvalid(problems)
    try:
        response = response_submit(
            actor=acting_user(request),
            survey=survey,
            answers=payload.answers,
            respondent=respondent,
            questions=questions,
        )
    except ValidationError as exc:
        for key, messages in (exc.message_dict if hasattr(exc, "error_dict") else {}).items():
            where = ["body", "answers", key] if key in codes else ["body", key]
            problems.extend({"loc": where, "msg": m, "type": "invalid"} for m in messages)
        raise RequestInvalid(problems) from None
    stored = selectors.survey_response_list(survey=survey).get(pk=response.pk)
    return Status(201, stored)
