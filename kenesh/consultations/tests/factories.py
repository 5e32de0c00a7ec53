"""Factories of consultations objects for tests (the sweep, every feature's tests)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory

from kenesh.consultations.models import (
    Answer,
    Concern,
    ConcernChannel,
    Meeting,
    MeetingKind,
    Option,
    Question,
    QuestionKind,
    Response,
    ResponseChannel,
    Survey,
    SurveyStatus,
)
from kenesh.geo.tests.factories import MunicipalityFactory


class SurveyFactory(factory.django.DjangoModelFactory[Survey]):
    class Meta:
        model = Survey

    unit = factory.SubFactory(MunicipalityFactory)
    title_en = factory.Sequence(lambda n: f"Survey {n}")
    title_ru = factory.Sequence(lambda n: f"Опрос {n}")
    status = SurveyStatus.OPEN
    opens_on = dt.date(2024, 1, 1)
    closes_on = dt.date(2030, 12, 31)


class QuestionFactory(factory.django.DjangoModelFactory[Question]):
    class Meta:
        model = Question

    survey = factory.SubFactory(SurveyFactory)
    order = factory.Sequence(lambda n: n)
    code = factory.Sequence(lambda n: f"q{n}")
    kind = QuestionKind.SINGLE
    text_en = factory.Sequence(lambda n: f"Question {n}?")
    text_ru = factory.Sequence(lambda n: f"Вопрос {n}?")


class OptionFactory(factory.django.DjangoModelFactory[Option]):
    class Meta:
        model = Option

    question = factory.SubFactory(QuestionFactory)
    order = factory.Sequence(lambda n: n)
    code = factory.Sequence(lambda n: f"o{n}")
    label_en = factory.Sequence(lambda n: f"Option {n}")
    label_ru = factory.Sequence(lambda n: f"Вариант {n}")


def choice_question(survey: Survey, code: str, options: list[str], **kwargs: Any) -> Question:
    """A single-choice question of ``survey`` with options of these codes."""
    question = QuestionFactory.create(survey=survey, code=code, **kwargs)
    for order, option in enumerate(options):
        OptionFactory(question=question, code=option, order=order, label_en=option.title())
    return question


class ResponseFactory(factory.django.DjangoModelFactory[Response]):
    class Meta:
        model = Response

    survey = factory.SubFactory(SurveyFactory)
    sex = "female"
    age_band = "30_44"
    channel = ResponseChannel.PAPER


class AnswerFactory(factory.django.DjangoModelFactory[Answer]):
    class Meta:
        model = Answer

    response = factory.SubFactory(ResponseFactory)
    question = factory.SubFactory(QuestionFactory)


class MeetingFactory(factory.django.DjangoModelFactory[Meeting]):
    class Meta:
        model = Meeting

    unit = factory.SubFactory(MunicipalityFactory)
    held_on = dt.date(2025, 3, 14)
    kind = MeetingKind.COMMUNITY
    title = factory.Sequence(lambda n: f"Meeting {n}")
    attended_female_30_59 = 12
    attended_male_30_59 = 9


class ConcernFactory(factory.django.DjangoModelFactory[Concern]):
    class Meta:
        model = Concern

    unit = factory.SubFactory(MunicipalityFactory)
    category_id = "street_lighting"
    text = factory.Sequence(lambda n: f"The street lamps on street {n} are out.")
    channel = ConcernChannel.WEB
