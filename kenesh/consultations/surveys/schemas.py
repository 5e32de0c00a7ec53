"""Shapes of the surveys API: surveys, their questions, and responses with answers keyed by
question code."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from ninja import Field, Schema

from kenesh.consultations.models import (
    AgeBand,
    Question,
    QuestionKind,
    QuestionMeasure,
    RespondentSex,
    Response,
    Survey,
    SurveyRound,
    SurveyStatus,
)
from kenesh.consultations.surveys.selectors import answers_by_code
from kenesh.core.api import InputSchema, IsoDate, PatchSchema
from kenesh.core.masking import MaskedSchema

CODE = r"^[A-Za-z][A-Za-z0-9_]*$"
SOATE_CODE = r"^[0-9]{1,14}$"


class SurveyFilters(Schema):
    unit: str | None = Field(None, pattern=SOATE_CODE, description="A unit's SOATE code")
    status: SurveyStatus | None = None
    round: SurveyRound | None = None


class OptionIn(InputSchema):
    code: str = Field(..., pattern=CODE, max_length=64)
    label_ky: str = Field("", max_length=300)
    label_ru: str = Field("", max_length=300)
    label_en: str = Field("", max_length=300)


class OptionOut(Schema):
    code: str
    label_ky: str
    label_ru: str
    label_en: str


class ConditionIn(InputSchema):
    question: str = Field(..., pattern=CODE, max_length=64, description="An earlier question")
    options: list[str] = Field(..., min_length=1, description="Its option codes that show this")


class ConditionOut(Schema):
    question: str
    options: list[str]


class QuestionIn(InputSchema):
    code: str = Field(..., pattern=CODE, max_length=64)
    kind: QuestionKind
    text_ky: str = Field("", max_length=500)
    text_ru: str = Field("", max_length=500)
    text_en: str = Field("", max_length=500)
    required: bool = False
    max_choices: int | None = Field(None, ge=1, le=100)
    measures: QuestionMeasure = QuestionMeasure.NONE
    order: int | None = Field(None, ge=0, le=32767)
    options: list[OptionIn] = Field(
        [], description="For single and multiple choice; automatic for rating and yes_no"
    )
    shown_if: ConditionIn | None = None


class QuestionOut(MaskedSchema):
    id: int
    order: int
    code: str
    kind: str
    text_ky: str
    text_ru: str
    text_en: str
    required: bool
    max_choices: int | None
    measures: str
    options: list[OptionOut]
    shown_if: ConditionOut | None

    @staticmethod
    def resolve_options(obj: Question) -> list[Any]:
        return list(obj.options.all())

    @staticmethod
    def resolve_shown_if(obj: Question) -> dict[str, Any] | None:
        if obj.shown_if_question is None:
            return None
        return {"question": obj.shown_if_question.code, "options": list(obj.shown_if_options)}


class SurveyIn(InputSchema):
    unit: str = Field(..., pattern=SOATE_CODE, description="The municipality's SOATE code")
    title_ky: str = Field("", max_length=200)
    title_ru: str = Field("", max_length=200)
    title_en: str = Field("", max_length=200)
    round: SurveyRound = SurveyRound.BASELINE
    series: str = Field("", pattern=r"^[-a-zA-Z0-9_]*$", max_length=64)
    opens_on: IsoDate | None = None
    closes_on: IsoDate | None = None
    status: SurveyStatus = SurveyStatus.DRAFT
    programme: int | None = None
    sms_enabled: bool = False
    sms_keyword: str = Field("", max_length=20)
    questions: list[QuestionIn] = Field([], max_length=200)


class SurveyPatch(PatchSchema):
    nullable: ClassVar[frozenset[str]] = frozenset({"opens_on", "closes_on", "programme"})

    title_ky: str | None = Field(None, max_length=200)
    title_ru: str | None = Field(None, max_length=200)
    title_en: str | None = Field(None, max_length=200)
    round: SurveyRound | None = None
    series: str | None = Field(None, pattern=r"^[-a-zA-Z0-9_]*$", max_length=64)
    opens_on: IsoDate | None = None
    closes_on: IsoDate | None = None
    status: SurveyStatus | None = None
    programme: int | None = None
    sms_enabled: bool | None = None
    sms_keyword: str | None = Field(None, max_length=20)


class SurveyOut(MaskedSchema):
    id: int
    unit: str
    unit_name: str
    title: str
    title_ky: str
    title_ru: str
    title_en: str
    round: str
    series: str
    opens_on: dt.date | None
    closes_on: dt.date | None
    status: str
    is_template: bool
    programme: int | None
    public_key: str
    sms_enabled: bool
    sms_keyword: str
    response_count: int

    @staticmethod
    def resolve_unit(obj: Survey) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj: Survey) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_programme(obj: Survey) -> int | None:
        return obj.programme_id

    @staticmethod
    def resolve_response_count(obj: Survey) -> int:
        count = getattr(obj, "response_count", None)
        return int(count) if count is not None else obj.responses.count()


class SurveyDetailOut(SurveyOut):
    questions: list[QuestionOut]

    @staticmethod
    def resolve_questions(obj: Survey) -> list[Question]:
        return list(getattr(obj, "question_list", []))


class ResponseIn(InputSchema):
    sex: RespondentSex = RespondentSex.NOT_SAID
    age_band: AgeBand = AgeBand.NOT_SAID
    settlement: str | None = Field(None, pattern=SOATE_CODE, description="A settlement's code")
    submitted_at: dt.datetime | None = Field(None, description="When it was answered (now)")
    answers: dict[str, Any] = Field(
        {},
        description=(
            "By question code: an option code (a list of them for multiple choice), a number, "
            "or a text"
        ),
    )


class ResponseOut(MaskedSchema):
    id: int
    submitted_at: dt.datetime
    channel: str
    sex: str
    age_band: str
    settlement: str | None
    answers: dict[str, Any]

    @staticmethod
    def resolve_settlement(obj: Response) -> str | None:
        return obj.settlement.code if obj.settlement is not None else None

    @staticmethod
    def resolve_answers(obj: Response) -> dict[str, Any]:
        return answers_by_code(obj)
