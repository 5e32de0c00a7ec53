"""The standard public-safety perception survey: one questionnaire every pilot asks, so rounds
compare over time (series ``"standard"``) and municipalities compare with each other.

Its questions are worded after the International Crime Victims Survey (ICVS; van Dijk,
van Kesteren & Smit 2007) where it has a standard item, in Kyrgyz, Russian and English, and
are kept in ``data/standard_survey.json`` (docs/standard-survey.md lists them with their
sources). The options of "the three most serious problems" are the concern categories
(``data/concern_categories.csv``), so its answers feed the priority matrix by category code.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction

from kenesh.consultations.models import (
    Option,
    Question,
    QuestionKind,
    Survey,
    SurveyStatus,
)
from kenesh.core.audit import audit_create
from kenesh.core.services import model_create

if TYPE_CHECKING:
    from kenesh.accounts.models import User
    from kenesh.geo.models import AdministrativeUnit
    from kenesh.orgs.models import Programme

DATA_DIR = Path(__file__).resolve().parent / "data"
SURVEY_FILE = DATA_DIR / "standard_survey.json"
CATEGORIES_FILE = DATA_DIR / "concern_categories.csv"

#: The series key of the standard survey's rounds.
STANDARD_SERIES = "standard"
LANGUAGES = ("ky", "ru", "en")


@cache
def standard_definition() -> dict[str, Any]:
    """The questionnaire as stored: title, and questions with their options in three languages
    (the serious-problems options filled in from the concern categories, yes/no questions
    given "yes" and "no"). Read once per process; do not change the returned dict."""
    with SURVEY_FILE.open(encoding="utf-8") as handle:
        definition: dict[str, Any] = json.load(handle)
    yes_no = definition["yes_no"]
    for question in definition["questions"]:
        if question.get("options_from") == "concern_categories":
            question["options"] = _category_options()
        elif question["kind"] == QuestionKind.YES_NO:
            question["options"] = yes_no
        question.setdefault("options", [])
    return definition


def _category_options() -> list[dict[str, Any]]:
    with CATEGORIES_FILE.open(encoding="utf-8", newline="") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: (int(row["order"]), row["code"]))
    return [
        {"code": row["code"], "label": {code: row[f"name_{code}"] for code in LANGUAGES}}
        for row in rows
    ]


def standard_question_codes() -> list[str]:
    """The question codes of the standard survey, in order."""
    return [question["code"] for question in standard_definition()["questions"]]


@transaction.atomic
def create_standard_survey(
    *,
    unit: AdministrativeUnit,
    round: str,
    opens_on: dt.date | None = None,
    closes_on: dt.date | None = None,
    actor: User | None = None,
    programme: Programme | None = None,
    status: str = SurveyStatus.DRAFT,
) -> Survey:
    """Create one round of the standard survey in ``unit``: the survey (validated, audited)
    and its questions (each audited) with their options. Raises ``ValidationError`` on a bad
    round, status or dates, with nothing stored."""
    definition = standard_definition()
    title = definition["title"]
    survey = model_create(
        model=Survey,
        actor=actor,
        data={
            "unit": unit,
            "programme": programme,
            "round": round,
            "series": STANDARD_SERIES,
            "status": status,
            "opens_on": opens_on,
            "closes_on": closes_on,
            "created_by": actor if actor is not None and actor.is_authenticated else None,
            **{f"title_{code}": title[code] for code in LANGUAGES},
        },
    )
    questions = Question.objects.bulk_create(
        [
            Question(
                survey=survey,
                order=order,
                code=item["code"],
                kind=item["kind"],
                required=item.get("required", False),
                measures=item.get("measures", ""),
                max_choices=item.get("max_choices"),
                **{f"text_{code}": item["text"][code] for code in LANGUAGES},
            )
            for order, item in enumerate(definition["questions"], start=1)
        ]
    )
    by_code = {question.code: question for question in questions}
    conditioned = []
    for question, item in zip(questions, definition["questions"], strict=True):
        condition = item.get("shown_if")
        if condition:
            question.shown_if_question = by_code[condition["question"]]
            question.shown_if_options = list(condition["options"])
            conditioned.append(question)
    Question.objects.bulk_update(conditioned, ["shown_if_question", "shown_if_options"])
    Option.objects.bulk_create(
        [
            Option(
                question=question,
                order=order,
                code=option["code"],
                **{f"label_{code}": option["label"][code] for code in LANGUAGES},
            )
            for question, item in zip(questions, definition["questions"], strict=True)
            for order, option in enumerate(item["options"], start=1)
        ]
    )
    for question in questions:
        audit_create(actor, question)
    return survey
