"""A survey as an XLSForm: pyxform converts the export to an XForm without errors, and
importing it again gives the same questions, options and conditions."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from pyxform.xls2xform import convert

from kenesh.consultations.models import QuestionKind, Survey
from kenesh.consultations.tests.factories import OptionFactory, QuestionFactory, SurveyFactory
from kenesh.consultations.tests.xlsform_books import perception_form
from kenesh.consultations.xlsform.build import survey_export_xlsform
from kenesh.consultations.xlsform.services import survey_import_xlsform
from kenesh.geo.tests.factories import MunicipalityFactory, SettlementFactory

pytestmark = pytest.mark.django_db


def shape(survey: Survey) -> list[tuple[Any, ...]]:
    """What must survive the round trip, question by question."""
    return [
        (
            question.code,
            question.kind,
            question.required,
            question.text_ky,
            question.text_ru,
            question.text_en,
            question.max_choices,
            question.measures,
            question.shown_if_question.code if question.shown_if_question else None,
            list(question.shown_if_options),
            [
                (option.code, option.label_ky, option.label_ru, option.label_en)
                for option in question.options.all()
            ],
        )
        for question in survey.questions.order_by("order")
    ]


def sheet(content: bytes, name: str) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    try:
        return [list(row) for row in book[name].iter_rows(values_only=True)]
    finally:
        book.close()


def test_an_imported_form_exports_as_an_xlsform_pyxform_accepts_and_imports_the_same() -> None:
    unit = MunicipalityFactory.create()
    SettlementFactory.create(parent=unit, name_ky="Тамга", name_ru="Тамга")
    first = survey_import_xlsform(actor=None, unit=unit, file=perception_form())
    exported = survey_export_xlsform(first)

    warnings: list[str] = []
    result = convert(xlsform=exported, file_type=".xlsx", warnings=warnings)
    assert "relevant=\" /data/unsafe_dark  = 'yes'\"" in result.xform, result.xform
    assert warnings == []

    again = survey_import_xlsform(actor=None, unit=unit, file=exported)
    assert shape(again) == shape(first)
    assert (again.title_ky, again.series) == (first.title_ky, first.series)


def test_the_export_has_the_three_sheets_languages_conditions_and_respondent_fields() -> None:
    unit = MunicipalityFactory.create()
    village = SettlementFactory.create(parent=unit, name_ky="Тамга", name_ru="Тамга")
    survey = SurveyFactory.create(unit=unit, series="standard")
    worried = QuestionFactory.create(
        survey=survey, code="worried", kind=QuestionKind.MULTIPLE, order=1
    )
    for code in ("theft", "drugs"):
        OptionFactory.create(question=worried, code=code, label_ky="", label_ru="", label_en="")
    QuestionFactory.create(
        survey=survey,
        code="why",
        kind=QuestionKind.TEXT,
        order=2,
        shown_if_question=worried,
        shown_if_options=["theft", "drugs"],
        measures="unsafe_after_dark",
    )
    content = survey_export_xlsform(survey)
    rows = sheet(content, "survey")
    assert rows[0][:8] == [
        "type",
        "name",
        "label::Kyrgyz (ky)",
        "label::Russian (ru)",
        "label::English (en)",
        "required",
        "relevant",
        "constraint",
    ]
    assert [row[:2] for row in rows[1:]] == [
        ["select_one sex", "sex"],
        ["select_one age_band", "age_band"],
        ["select_one settlement", "settlement"],
        ["select_multiple worried", "worried"],
        ["text", "why"],
    ]
    assert rows[-1][6] == "selected(${worried}, 'theft') or selected(${worried}, 'drugs')"
    assert rows[-1][8] == "unsafe_after_dark"
    choices = sheet(content, "choices")
    assert ["settlement", village.code, "Тамга", "Тамга"] == choices[-3][:4]
    assert choices[-2] == ["worried", "theft", "theft", "theft", "theft"]  # labelled by code
    assert choices[1][:2] == ["sex", "female"]
    assert sheet(content, "settings")[1][1] == "standard"
    convert(xlsform=content, file_type=".xlsx", warnings=[])  # raises if pyxform refuses it
