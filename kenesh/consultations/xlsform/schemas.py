"""Schemas of the XLSForm API: the survey an XLSForm made, and the problems of a form."""

from __future__ import annotations

from ninja import Schema
from pydantic import Field

from kenesh.core.api import FieldError


class XLSFormOptionOut(Schema):
    code: str
    label_ky: str
    label_ru: str
    label_en: str


class XLSFormQuestionOut(Schema):
    code: str
    kind: str = Field(description="single, multiple, rating, yes_no, number or text")
    required: bool
    text_ky: str
    text_ru: str
    text_en: str
    max_choices: int | None
    measures: str
    shown_if: str | None = Field(description="The code of the question the condition reads")
    shown_if_options: list[str] = Field(description="Its option codes that show this question")
    options: list[XLSFormOptionOut]


class XLSFormSurveyOut(Schema):
    id: int
    unit: str = Field(description="SOATE code of the municipality (or of a template's unit)")
    title: str
    title_ky: str
    title_ru: str
    title_en: str
    round: str
    series: str = Field(description="The form's form_id, as a slug")
    status: str
    is_template: bool
    questions: list[XLSFormQuestionOut]


class XLSFormProblemOut(FieldError):
    """An error of the request (as every operation's 422), or a problem of the form: then with
    its sheet and row."""

    sheet: str = Field("", description="survey, choices or settings; empty for the whole file")
    row: int | None = Field(None, description="The row in the sheet (the header is row 1)")


class XLSFormErrorOut(Schema):
    detail: str
    errors: list[XLSFormProblemOut]
