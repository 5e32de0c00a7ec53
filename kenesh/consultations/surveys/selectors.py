"""Reads of survey authoring and entry, always through the user's scope."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch, QuerySet

from kenesh.consultations.models import (
    AgeBand,
    Option,
    Question,
    QuestionKind,
    RespondentSex,
    Response,
    ResponseChannel,
    Survey,
    SurveyQuerySet,
)
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import get_for_user
from kenesh.geo.models import AdministrativeUnit, Level

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User

    AnyUser = User | AnonymousUser


@dataclass(frozen=True)
class SurveyFilter:
    unit: AdministrativeUnit | None = None
    status: str = ""
    round: str = ""


def survey_list(*, user: AnyUser, filters: SurveyFilter | None = None) -> SurveyQuerySet:
    """Surveys the user may read, with their municipality and number of responses, newest
    first."""
    filters = filters or SurveyFilter()
    surveys = Survey.objects.visible_to(user, Action.READ)
    if filters.unit is not None:
        surveys = surveys.filter(unit__path__startswith=filters.unit.path)
    if filters.status:
        surveys = surveys.filter(status=filters.status)
    if filters.round:
        surveys = surveys.filter(round=filters.round)
    return (
        surveys.select_related("unit", "programme")
        .defer("unit__boundary")
        .annotate(response_count=Count("responses", distinct=True))
        .order_by("-opens_on", "-id")
    )


def survey_get(*, user: AnyUser, pk: int, action: Action = Action.READ) -> Survey:
    """One survey: 404 outside the user's scope, 403 when their role may not ``action`` it."""
    return get_for_user(
        Survey.objects.select_related("unit", "programme").defer("unit__boundary"),
        user,
        action,
        pk=pk,
    )


def survey_units(*, user: AnyUser) -> QuerySet[AdministrativeUnit]:
    """Municipalities with a survey the user may read (the list's filter)."""
    return (
        AdministrativeUnit.objects.filter(
            pk__in=Survey.objects.visible_to(user, Action.READ).values("unit")
        )
        .defer("boundary")
        .order_by("name_ru")
    )


def writable_municipalities(*, user: AnyUser) -> QuerySet[AdministrativeUnit]:
    """Municipalities in which the user may write surveys."""
    return (
        AdministrativeUnit.objects.where_allowed(user, Action.WRITE, Resource.SURVEYS)
        .filter(level=Level.MUNICIPALITY)
        .defer("boundary")
        .order_by("name_ru")
    )


def survey_questions(survey: Survey) -> list[Question]:
    """The survey's questions in order, with their options and the question their display
    condition names: one query each, not one per question."""
    return list(
        survey.questions.select_related("shown_if_question")
        .prefetch_related(Prefetch("options", queryset=Option.objects.order_by("order", "id")))
        .order_by("order", "id")
    )


def settlements_of(unit: AdministrativeUnit) -> QuerySet[AdministrativeUnit]:
    """The settlements of a municipality, by name: where a respondent may say they live."""
    return (
        AdministrativeUnit.objects.filter(parent=unit, level=Level.SETTLEMENT)
        .defer("boundary")
        .order_by("name_ru", "code")
    )


def survey_response_list(*, survey: Survey) -> QuerySet[Response]:
    """The survey's responses, newest first, with their answers (for the API)."""
    return (
        survey.responses.select_related("settlement")
        .defer("settlement__boundary")
        .prefetch_related("answers__option", "answers__question")
        .order_by("-submitted_at", "-id")
    )


def answers_by_code(response: Response) -> dict[str, Any]:
    """A response's answers keyed by question code: an option code (a list of them for multiple
    choice), a number or a text (from prefetched answers)."""
    result: dict[str, Any] = {}
    for answer in response.answers.all():
        question = answer.question
        if answer.option is not None:
            if question.kind == QuestionKind.MULTIPLE:
                result.setdefault(question.code, []).append(answer.option.code)
            else:
                result[question.code] = answer.option.code
        elif answer.number is not None:
            number = answer.number
            result[question.code] = int(number) if number == number.to_integral() else float(number)
        else:
            result[question.code] = answer.text
    return result


@dataclass
class ResponseSummary:
    """How many responses a survey has, by channel, sex, age band and settlement."""

    total: int = 0
    by_channel: list[tuple[str, int]] = field(default_factory=list)
    by_sex: list[tuple[str, int]] = field(default_factory=list)
    by_age_band: list[tuple[str, int]] = field(default_factory=list)
    by_settlement: list[tuple[str, int]] = field(default_factory=list)


def response_summary(*, survey: Survey) -> ResponseSummary:
    """Counts of the survey's responses (no individual answers): four grouped queries."""
    responses = Response.objects.filter(survey=survey)

    def grouped(name: str) -> Counter[Any]:
        rows = responses.values(name).annotate(n=Count("id")).order_by()
        return Counter({row[name]: row["n"] for row in rows})

    channels, sexes, bands = grouped("channel"), grouped("sex"), grouped("age_band")
    places = grouped("settlement")
    names = {
        unit.pk: unit.name
        for unit in AdministrativeUnit.objects.filter(pk__in=[k for k in places if k]).defer(
            "boundary"
        )
    }
    return ResponseSummary(
        total=sum(channels.values()),
        by_channel=[
            (str(c.label), channels[c.value]) for c in ResponseChannel if channels[c.value]
        ],
        by_sex=[(str(s.label), sexes[s.value]) for s in RespondentSex if sexes[s.value]],
        by_age_band=[(str(b.label), bands[b.value]) for b in AgeBand if bands[b.value]],
        by_settlement=sorted(
            ((names.get(k, "") if k else "", n) for k, n in places.items()), key=lambda r: -r[1]
        ),
    )


def paper_count(*, survey: Survey) -> int:
    return Response.objects.filter(survey=survey, channel=ResponseChannel.PAPER).count()
