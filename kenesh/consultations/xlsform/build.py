"""Writing a survey as an XLSForm workbook that KoboToolbox, ODK Central and pyxform accept:
``survey``, ``choices`` and ``settings`` sheets, labels in ``label::Kyrgyz (ky)``,
``label::Russian (ru)`` and ``label::English (en)``, display conditions as ``relevant``, and the
respondent's sex, age band and settlement asked first as select_one questions whose codes are
Kenesh's (so the submissions import back: docs/xlsform.md)."""

from __future__ import annotations

import io
from typing import Any

from django.utils import translation

from kenesh.consultations.models import (
    AgeBand,
    Question,
    QuestionKind,
    RespondentSex,
    Response,
    Survey,
)
from kenesh.consultations.xlsform.parse import LANGUAGE_NAMES, LANGUAGES
from kenesh.geo.models import AdministrativeUnit, Level

LABEL_COLUMNS = [f"label::{LANGUAGE_NAMES[code]} ({code})" for code in LANGUAGES]
SURVEY_COLUMNS = ["type", "name", *LABEL_COLUMNS, "required", "relevant", "constraint"]
CHOICES_COLUMNS = ["list_name", "name", *LABEL_COLUMNS]


def _in_each_language(text: Any) -> list[str]:
    """A translatable text (a model choice's label) in the three languages."""
    found = []
    for code in LANGUAGES:
        with translation.override(code):
            found.append(str(text))
    return found


def _respondent_rows(
    survey: Survey,
) -> tuple[list[list[str]], list[list[str]]]:
    """The respondent's questions (sex, age band, and settlement when the unit has any) and
    their choices, in Kenesh's codes."""

    def question(name: str, kind: str) -> list[str]:
        label = Response._meta.get_field(name).verbose_name  # type: ignore[union-attr]
        return [kind, name, *(text[:1].upper() + text[1:] for text in _in_each_language(label))]

    questions = [question("sex", "select_one sex"), question("age_band", "select_one age_band")]
    choices: list[list[str]] = []
    for value, label in RespondentSex.choices:
        choices.append(["sex", value, *_in_each_language(label)])
    for value, label in AgeBand.choices:
        choices.append(["age_band", value, *_in_each_language(label)])
    settlements = list(
        AdministrativeUnit.objects.filter(
            path__startswith=survey.unit.path, level=Level.SETTLEMENT
        ).order_by("code")
    )
    if settlements:
        questions.append(question("settlement", "select_one settlement"))
        for unit in settlements:
            names = [getattr(unit, f"name_{code}", "") or unit.code for code in LANGUAGES]
            choices.append(["settlement", unit.code, *names])
    return questions, choices


def _relevant(question: Question, parent: Question | None) -> str:
    if parent is None or not question.shown_if_options:
        return ""
    codes = list(question.shown_if_options)
    if parent.kind == QuestionKind.MULTIPLE:
        return " or ".join(f"selected(${{{parent.code}}}, '{code}')" for code in codes)
    return " or ".join(f"${{{parent.code}}} = '{code}'" for code in codes)


def survey_export_xlsform(survey: Survey) -> bytes:
    """The survey as an XLSForm workbook (XLSX bytes). Each choice question has a list of its
    own, named after it; an option without a label in any language is labelled by its code;
    ``kenesh_measures`` (a column other tools ignore) keeps what a question measures."""
    import openpyxl

    questions = list(
        survey.questions.prefetch_related("options").select_related("shown_if_question")
    )
    by_id = {question.pk: question for question in questions}
    respondent, respondent_choices = _respondent_rows(survey)
    measures = any(question.measures for question in questions)
    header = [*SURVEY_COLUMNS, *(["kenesh_measures"] if measures else [])]
    survey_rows: list[list[Any]] = [header]
    width = len(header)
    survey_rows += [row + [""] * (width - len(row)) for row in respondent]
    choice_rows: list[list[Any]] = [CHOICES_COLUMNS, *respondent_choices]
    for question in questions:
        if question.kind == QuestionKind.MULTIPLE:
            kind = f"select_multiple {question.code}"
        elif question.is_choice:
            kind = f"select_one {question.code}"
        elif question.kind == QuestionKind.NUMBER:
            kind = "decimal"
        else:
            kind = "text"
        texts = [getattr(question, f"text_{code}") for code in LANGUAGES]
        parent = by_id.get(question.shown_if_question_id) if question.shown_if_question_id else None
        constraint = (
            f"count-selected(.) <= {question.max_choices}"
            if question.kind == QuestionKind.MULTIPLE and question.max_choices
            else ""
        )
        row = [
            kind,
            question.code,
            *texts,
            "yes" if question.required else "",
            _relevant(question, parent),
            constraint,
        ]
        if measures:
            row.append(question.measures)
        survey_rows.append(row)
        for option in question.options.all():
            labels = [getattr(option, f"label_{code}") for code in LANGUAGES]
            if not any(labels):
                labels = [option.code] * len(LANGUAGES)
            choice_rows.append([question.code, option.code, *labels])
    title = survey.title_ky or survey.title_ru or survey.title_en
    settings_rows = [
        ["form_title", "form_id", "default_language", "version"],
        [
            title,
            survey.series or f"kenesh_survey_{survey.pk}",
            LABEL_COLUMNS[0].split("::", 1)[1],
            survey.updated_at.strftime("%Y%m%d%H%M") if survey.updated_at else "1",
        ],
    ]
    book = openpyxl.Workbook(write_only=True)
    for name, rows in (
        ("survey", survey_rows),
        ("choices", choice_rows),
        ("settings", settings_rows),
    ):
        sheet = book.create_sheet(name)
        for values in rows:
            sheet.append([value if value != "" else None for value in values])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
