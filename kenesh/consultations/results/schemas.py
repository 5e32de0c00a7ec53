"""Schemas of the survey results API, and the answer built from the selectors' results."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from kenesh.consultations.results.selectors import (
    CONFIDENCE,
    GroupChange,
    GroupResult,
    QuestionChange,
    QuestionResult,
    RoundComparison,
    SurveyResults,
)
from kenesh.core.disclosure import CountOut, Published

DENOMINATOR = (
    "Shares are of the respondents who were shown the question and answered it (respondents); "
    "for a multiple-choice question they add up to more than 100 %."
)


class ResultsQuery(Schema):
    by: Literal["sex", "age_band", "settlement"] | None = Field(
        None,
        description="Break the results down by the respondents' sex, age band or settlement "
        "(settlement only for readers of surveys)",
    )
    compare: int | None = Field(
        None,
        ge=1,
        description="Id of another round of the survey (or any survey with matching question "
        "and option codes) to compare with",
    )


class SurveyRef(Schema):
    id: int
    title: str
    round: str
    series: str
    opens_on: dt.date | None
    closes_on: dt.date | None


class ResultOptionOut(Schema):
    code: str
    label: str


class CellOut(Schema):
    option: str = Field(description="The option's code")
    chose: CountOut = Field(description="Respondents who chose it")
    share: float | None = Field(description="Their share of the respondents, 0 to 1")
    lower: float | None = Field(description="95 % Wilson interval, lower bound")
    upper: float | None = Field(description="95 % Wilson interval, upper bound")


class ResultGroupOut(Schema):
    group: str = Field(description='The group\'s code ("" for all respondents)')
    label: str
    respondents: CountOut = Field(description="Respondents who were shown it and answered")
    options: list[CellOut] = Field(description="Per option, for a choice question")
    mean: float | None = Field(None, description="For a number question")
    median: float | None = Field(None, description="For a number question")


class ResultQuestionOut(Schema):
    code: str
    text: str
    kind: str
    published: bool = Field(description="Shown on the municipality's public page")
    options: list[ResultOptionOut]
    total: ResultGroupOut
    groups: list[ResultGroupOut]
    texts: list[str] | None = Field(
        None, description="The free answers, newest first: for readers of surveys only"
    )


class ChangeOut(Schema):
    option: str
    group: str
    before: float | None = Field(description="Share in the earlier round, 0 to 1")
    after: float | None = Field(description="Share in the later round, 0 to 1")
    change: float | None = Field(description="after − before; null where a count is withheld")
    lower: float | None = Field(description="Newcombe's 95 % interval of the change, lower")
    upper: float | None = Field(description="Newcombe's 95 % interval of the change, upper")
    q: float | None = Field(description="Benjamini–Hochberg adjusted p-value")
    flagged: bool = Field(description="Significant after Benjamini–Hochberg, interval without 0")
    direction: Literal["up", "down", ""]


class QuestionChangeOut(Schema):
    code: str
    changes: list[ChangeOut]


class ComparisonOut(Schema):
    before: SurveyRef
    after: SurveyRef
    compared: int = Field(description="How many changes were compared (the BH family)")
    alpha: float = Field(description="The false discovery rate of the flags")
    questions: list[QuestionChangeOut]


class ResultsOut(Schema):
    survey: SurveyRef
    detail: str = Field(description="Your level of detail: read, aggregate or public")
    by: str | None
    respondents: CountOut
    confidence: float
    denominator: str
    questions: list[ResultQuestionOut]
    comparison: ComparisonOut | None = None


def _count(value: Published) -> dict[str, Any]:
    return value.api()


def survey_ref(results: SurveyResults) -> dict[str, Any]:
    survey = results.survey
    return {
        "id": survey.pk,
        "title": survey.title,
        "round": survey.round,
        "series": survey.series,
        "opens_on": survey.opens_on,
        "closes_on": survey.closes_on,
    }


def _group(question: QuestionResult, row: GroupResult) -> dict[str, Any]:
    return {
        "group": row.group.key,
        "label": row.group.label,
        "respondents": _count(row.n),
        "options": [
            {
                "option": ref.code,
                "chose": _count(cell.count),
                "share": cell.share,
                "lower": cell.lower,
                "upper": cell.upper,
            }
            for ref, cell in zip(question.options, row.options, strict=True)
        ],
        "mean": row.mean,
        "median": row.median,
    }


def _question(question: QuestionResult) -> dict[str, Any]:
    return {
        "code": question.code,
        "text": question.question.text,
        "kind": question.question.kind,
        "published": question.question.published,
        "options": [{"code": ref.code, "label": ref.label} for ref in question.options],
        "total": _group(question, question.total),
        "groups": [_group(question, row) for row in question.groups],
        "texts": question.texts if question.question.kind == "text" else None,
    }


def _changes(row: GroupChange) -> list[dict[str, Any]]:
    return [
        {
            "option": change.option.code,
            "group": row.group.key,
            "before": change.before.share,
            "after": change.after.share,
            "change": change.change,
            "lower": change.lower,
            "upper": change.upper,
            "q": change.q,
            "flagged": change.flagged,
            "direction": change.direction,
        }
        for change in row.options
    ]


def _question_change(question: QuestionChange) -> dict[str, Any]:
    return {
        "code": question.code,
        "changes": [change for row in question.rows for change in _changes(row)],
    }


def comparison_data(comparison: RoundComparison) -> dict[str, Any]:
    return {
        "before": survey_ref(comparison.before),
        "after": survey_ref(comparison.after),
        "compared": comparison.compared,
        "alpha": comparison.alpha,
        "questions": [_question_change(question) for question in comparison.questions],
    }


def results_data(
    results: SurveyResults, comparison: RoundComparison | None = None
) -> dict[str, Any]:
    """The API's answer: the page's data (:class:`ResultsOut`)."""
    return {
        "survey": survey_ref(results),
        "detail": results.detail.code,
        "by": results.by,
        "respondents": _count(results.respondents),
        "confidence": CONFIDENCE,
        "denominator": DENOMINATOR,
        "questions": [_question(question) for question in results.questions],
        "comparison": comparison_data(comparison) if comparison is not None else None,
    }
