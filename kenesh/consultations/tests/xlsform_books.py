"""Workbooks for the XLSForm tests, written in code so that each test shows its form."""

from __future__ import annotations

import io
from typing import Any

import openpyxl

LABELS = ["label::Kyrgyz (ky)", "label::Russian (ru)", "label::English (en)"]


def workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    """An XLSX with these sheets, each a list of rows (the first the header)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def perception_form(*, extra_survey: list[list[Any]] = (), settings: bool = True) -> bytes:  # type: ignore[assignment]
    """A KoboToolbox-style perception survey: metadata, respondent fields, a group, a yes/no,
    a rating, a multiple choice shown on a condition, a number and a text."""
    survey = [
        ["type", "name", *LABELS, "required", "relevant", "constraint"],
        ["start", "start"],
        ["end", "end"],
        ["today", "today"],
        ["deviceid", "deviceid"],
        ["note", "intro", "Саламатсызбы", "Здравствуйте", "Hello"],
        ["select_one sex", "sex", "Жынысы", "Пол", "Sex", "yes"],
        ["select_one age", "age_band", "Жашы", "Возраст", "Age"],
        ["begin_group", "safety", "Коопсуздук", "Безопасность", "Safety"],
        [
            "select_one yes_no",
            "unsafe_dark",
            "Караңгыда коркосузбу?",
            "Страшно ли в темноте?",
            "Unsafe after dark?",
            "yes",
        ],
        [
            "select_one trust",
            "police_trust",
            "Милицияга ишеним",
            "Доверие к милиции",
            "Trust in police",
        ],
        [
            "select_multiple problems",
            "problems",
            "Көйгөйлөр",
            "Проблемы",
            "Problems",
            "",
            "${unsafe_dark} = 'yes'",
            "count-selected(.) <= 2",
        ],
        ["end_group"],
        ["integer", "household", "Үй-бүлө", "Семья", "Household size"],
        ["text", "comment", "Пикир", "Комментарий", "Comment"],
        *extra_survey,
    ]
    choices = [
        ["list_name", "name", *LABELS],
        ["sex", "female", "аял", "женщина", "female"],
        ["sex", "male", "эркек", "мужчина", "male"],
        ["age", "18_29", "18–29", "18–29", "18–29"],
        ["age", "30_44", "30–44", "30–44", "30–44"],
        ["yes_no", "yes", "Ооба", "Да", "Yes"],
        ["yes_no", "no", "Жок", "Нет", "No"],
        ["trust", "1", "1", "1", "1"],
        ["trust", "2", "2", "2", "2"],
        ["trust", "3", "3", "3", "3"],
        ["trust", "4", "4", "4", "4"],
        ["trust", "5", "5", "5", "5"],
        ["problems", "theft", "Уурулук", "Кража", "Theft"],
        ["problems", "drugs", "Баңгизат", "Наркотики", "Drugs"],
        ["problems", "lighting", "Жарык", "Освещение", "Street lighting"],
    ]
    sheets = {"survey": survey, "choices": choices}
    if settings:
        sheets["settings"] = [
            ["form_title", "form_id", "default_language"],
            ["Коопсуздук сурамжылоосу", "perception_2025", "Kyrgyz (ky)"],
        ]
    return workbook(sheets)
