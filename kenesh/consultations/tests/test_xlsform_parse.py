"""A survey from an XLSForm workbook: what is kept, what is refused (by name, with its row,
every problem at once), and that a refused form leaves nothing behind."""

from __future__ import annotations

import pytest
from django.utils import translation

from kenesh.consultations.models import Option, Question, QuestionKind, Survey
from kenesh.consultations.tests.xlsform_books import LABELS, perception_form, workbook
from kenesh.consultations.xlsform.parse import XLSFormError, language_of, parse_xlsform
from kenesh.consultations.xlsform.services import survey_import_xlsform
from kenesh.core.models import AuditEntry
from kenesh.geo.tests.factories import MunicipalityFactory, RayonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> object:
    with translation.override("en"):
        yield


def problems_of(content: bytes) -> list[str]:
    with pytest.raises(XLSFormError) as caught:
        parse_xlsform(content)
    return [str(problem) for problem in caught.value.problems]


def simple_form(*rows: list[object], choices: list[list[object]] = ()) -> bytes:  # type: ignore[assignment]
    return workbook(
        {
            "survey": [["type", "name", "label", "required", "relevant"], *rows],
            "choices": [["list_name", "name", "label"], *choices],
        }
    )


def test_it_reads_labels_in_kyrgyz_russian_and_english_with_their_choices() -> None:
    form = parse_xlsform(perception_form())
    unsafe = next(q for q in form.questions if q.code == "unsafe_dark")
    assert unsafe.texts == {
        "ky": "Караңгыда коркосузбу?",
        "ru": "Страшно ли в темноте?",
        "en": "Unsafe after dark?",
    }
    assert unsafe.options[0].labels == {"ky": "Ооба", "ru": "Да", "en": "Yes"}
    assert form.titles == {"ky": "Коопсуздук сурамжылоосу"}
    assert form.series == "perception_2025"


def test_it_maps_the_xlsform_types_to_kenesh_kinds_and_flattens_groups() -> None:
    form = parse_xlsform(perception_form())
    assert [(q.code, q.kind) for q in form.questions] == [
        ("unsafe_dark", QuestionKind.YES_NO),
        ("police_trust", QuestionKind.RATING),
        ("problems", QuestionKind.MULTIPLE),
        ("household", QuestionKind.NUMBER),
        ("comment", QuestionKind.TEXT),
    ]
    assert [q.required for q in form.questions] == [True, False, False, False, False]


def test_metadata_and_notes_are_left_out_and_respondent_fields_are_not_questions() -> None:
    form = parse_xlsform(perception_form())
    codes = {q.code for q in form.questions}
    assert not codes & {"start", "end", "today", "deviceid", "intro", "sex", "age_band"}
    assert form.respondent_fields == ["sex", "age_band"]


def test_relevant_becomes_the_display_condition_and_count_selected_the_limit() -> None:
    form = parse_xlsform(perception_form())
    problems = next(q for q in form.questions if q.code == "problems")
    assert (problems.shown_if, problems.shown_if_options, problems.max_choices) == (
        "unsafe_dark",
        ["yes"],
        2,
    )


@pytest.mark.parametrize(
    ("relevant", "expected"),
    [
        ("${colour}='red'", ["red"]),
        ("${colour} = 'red' or ${colour} = \"blue\"", ["red", "blue"]),
        ("selected(${colour}, 'blue')", ["blue"]),
        ("selected(${colour},'red') or selected(${colour}, 'blue')", ["red", "blue"]),
    ],
)
def test_the_supported_forms_of_relevant_are_read(relevant: str, expected: list[str]) -> None:
    form = parse_xlsform(
        simple_form(
            ["select_multiple colours", "colour", "Colour"],
            ["text", "why", "Why?", "", relevant],
            choices=[["colours", "red", "Red"], ["colours", "blue", "Blue"]],
        )
    )
    assert (form.questions[1].shown_if, form.questions[1].shown_if_options) == ("colour", expected)


def test_a_group_condition_passes_to_its_questions() -> None:
    form = parse_xlsform(
        simple_form(
            ["select_one yn", "worried", "Worried?"],
            ["begin_group", "more", "More", "", "${worried} = 'yes'"],
            ["text", "why", "Why?"],
            ["end_group"],
            choices=[["yn", "yes", "Yes"], ["yn", "no", "No"]],
        )
    )
    assert (form.questions[1].shown_if, form.questions[1].shown_if_options) == ("worried", ["yes"])


def test_a_plain_label_is_the_default_language_and_a_range_of_one_to_five_a_rating() -> None:
    content = workbook(
        {
            "survey": [
                ["type", "name", "label", "label::ru", "parameters"],
                ["range", "trust", "Ишеним", "Доверие", "start=1 end=5 step=1"],
            ],
            "settings": [["form_title", "default_language"], ["Опрос", "Russian (ru)"]],
        }
    )
    (trust,) = parse_xlsform(content).questions
    assert trust.kind == QuestionKind.RATING
    assert [option.code for option in trust.options] == ["1", "2", "3", "4", "5"]
    assert trust.texts == {"ru": "Доверие"}  # label::ru wins over the plain (default) label
    assert parse_xlsform(content).titles == {"ru": "Опрос"}


def test_language_columns_are_recognised_in_their_usual_spellings() -> None:
    spellings = ("Kyrgyz (ky)", "ky", "Russian", "English (en)", "Кыргызча")
    assert [language_of(text) for text in spellings] == ["ky", "ky", "ru", "en", "ky"]
    assert language_of("Uzbek (uz)") is None


def test_an_unsupported_type_is_refused_by_name_with_its_row() -> None:
    problems = problems_of(
        perception_form(extra_survey=[["geopoint", "where", "Кайда?", "Где?", "Where?"]])
    )
    assert problems == ["survey, row 16: Type “geopoint” is not supported."]


def test_every_problem_is_reported_at_once() -> None:
    problems = problems_of(
        perception_form(
            extra_survey=[
                ["calculate", "score"],
                ["begin_repeat", "members", "Members"],
                ["text", "member", "Member"],
                ["end_repeat"],
                ["text", "later", "L", "", "", "", "${household} > 3"],
                ["text", "comment", "Again"],
                ["select_one_from_file villages.csv", "village", "Village"],
                ["text", "c-2", "C"],
            ]
        )
    )
    assert problems[:3] == [
        "survey, row 16: Type “calculate” is not supported.",
        "survey, row 17: Type “begin_repeat” is not supported.",
        "survey, row 20: The condition “${household} > 3” cannot be kept: Kenesh shows a "
        "question when the answer to one earlier question is one of some choices (${q} = 'a', "
        "selected(${q}, 'a'), joined by “or”).",
    ]
    assert problems[3:] == [
        "survey, row 21: The name “comment” is used already on row 15.",
        "survey, row 22: Type “select_one_from_file villages.csv” is not supported.",
        "survey, row 23: The name “c-2” cannot be a Kenesh code: use letters, digits and "
        "underscores, starting with a letter (at most 64).",
    ]


def test_a_condition_on_a_later_question_or_an_unknown_choice_is_refused() -> None:
    problems = problems_of(
        simple_form(
            ["text", "why", "Why?", "", "${worried} = 'yes'"],
            ["select_one yn", "worried", "Worried?"],
            ["text", "how", "How?", "", "${worried} = 'perhaps'"],
            choices=[["yn", "yes", "Yes"], ["yn", "no", "No"]],
        )
    )
    assert problems == [
        "survey, row 2: The condition refers to “worried”, which is not an earlier question.",
        "survey, row 4: The condition names “perhaps”, which is not a choice of “worried”.",
    ]


def test_respondent_fields_must_use_kenesh_codes() -> None:
    problems = problems_of(
        simple_form(
            ["select_one sexes", "sex", "Sex"],
            ["text", "age_band", "Age"],
            ["text", "q1", "Q1"],
            choices=[["sexes", "f", "F"], ["sexes", "m", "M"]],
        )
    )
    assert problems == [
        "survey, row 2: “sex” is the respondent's sex: its choices must be among female, male, "
        "not_said (not “f”).",
        "survey, row 3: “age_band” is the respondent's age band: make it a select_one.",
    ]


def test_pyxform_s_own_check_is_reported_too() -> None:
    problems = problems_of(simple_form(["select_one missing", "q1", "Q1"]))
    assert problems == ["survey, row 2: The choice list “missing” is not on the choices sheet."]
    problems = problems_of(
        simple_form(["text", "q1", "Q1"], ["text", "q2", "Q2", "", "${nothing} = 'a'"])
    )
    assert problems == [
        "survey, row 3: The condition refers to “nothing”, which is not an earlier question."
    ]


def test_a_file_that_is_not_a_workbook_is_refused() -> None:
    assert problems_of(b"type,name,label\ntext,q,Q\n") == [
        "The file is not an XLSX workbook (save the form as .xlsx)."
    ]


def test_the_service_makes_a_draft_survey_with_questions_options_and_conditions() -> None:
    unit = MunicipalityFactory.create()
    survey = survey_import_xlsform(actor=None, unit=unit, file=perception_form(), round="midline")
    assert (survey.title_ky, survey.series, survey.round, survey.status, survey.is_template) == (
        "Коопсуздук сурамжылоосу",
        "perception_2025",
        "midline",
        "draft",
        False,
    )
    problems = survey.questions.get(code="problems")
    assert problems.shown_if_question == survey.questions.get(code="unsafe_dark")
    assert list(problems.options.values_list("code", flat=True)) == ["theft", "drugs", "lighting"]
    assert list(survey.questions.values_list("order", flat=True)) == [1, 2, 3, 4, 5]
    assert AuditEntry.objects.filter(model="survey", object_id=str(survey.pk)).count() == 1


def test_a_form_at_a_rayon_is_a_programme_wide_template() -> None:
    survey = survey_import_xlsform(actor=None, unit=RayonFactory.create(), file=perception_form())
    assert survey.is_template


def test_a_refused_form_leaves_nothing_behind() -> None:
    unit = MunicipalityFactory.create()
    counts = (Survey.objects.count(), Question.objects.count(), Option.objects.count())
    audit = AuditEntry.objects.count()
    with pytest.raises(XLSFormError):
        survey_import_xlsform(
            actor=None,
            unit=unit,
            file=perception_form(extra_survey=[["geopoint", "where", "Where?"]]),
        )
    assert (Survey.objects.count(), Question.objects.count(), Option.objects.count()) == counts
    assert AuditEntry.objects.count() == audit


def test_a_form_without_title_is_named_after_its_file() -> None:
    survey = survey_import_xlsform(
        actor=None,
        unit=MunicipalityFactory.create(),
        file=perception_form(settings=False),
        fallback_title="village_survey",
    )
    assert (survey.title_ky, survey.series) == ("village_survey", "")


def test_labels_are_kept_per_language_for_every_column_spelling() -> None:
    content = workbook(
        {
            "survey": [["type", "name", *LABELS], ["text", "q1", "Суроо", "Вопрос", "Question"]],
        }
    )
    (question,) = parse_xlsform(content).questions
    assert question.texts == {"ky": "Суроо", "ru": "Вопрос", "en": "Question"}


def test_a_constraint_kenesh_does_not_keep_is_a_note_not_a_refusal() -> None:
    form = parse_xlsform(
        perception_form(
            extra_survey=[["integer", "children", "Балдар", "Дети", "Children", "", "", ". < 20"]]
        )
    )
    assert [str(note) for note in form.notes] == [
        "survey, row 16: The constraint “. < 20” of “children” is not kept."
    ]
