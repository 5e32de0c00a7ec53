"""Reading an XLSForm (the spreadsheet form format of KoboToolbox, ODK and SurveyCTO) into the
questions of a Kenesh survey.

pyxform reads the workbook's ``survey``, ``choices`` and ``settings`` sheets and checks the
form as ODK would (names, lists, references); on top of that this module keeps what a Kenesh
survey can hold and refuses the rest by name, with its row (docs/xlsform.md):

* ``select_one L`` → single choice (a list whose codes are ``yes``/``no`` → yes or no, ``1``
  to ``5`` → rating), ``select_multiple L`` → multiple choice, ``integer``/``decimal`` →
  number, ``text`` → free text, ``range`` from 1 to 5 by 1 → rating;
* groups are flattened (a group's ``relevant`` passes to its questions);
* ``relevant`` of the forms ``${q} = 'a'``, ``${q} = 'a' or ${q} = 'b'`` and
  ``selected(${q}, 'a')`` (joined by ``or``) on an earlier choice question → the question's
  display condition;
* metadata (start, end, today, deviceid, ...) and notes are left out; questions named
  ``sex``, ``age_band`` and ``settlement`` are the respondent's, not questions.

Every problem is collected, so the official fixes the form once: :class:`XLSFormError`
carries them all.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from kenesh.consultations.models import AgeBand, QuestionKind, QuestionMeasure, RespondentSex

LANGUAGES = ("ky", "ru", "en")
#: How the three languages are written in label columns: ``label::Kyrgyz (ky)`` (what this
#: module writes), ``label::ky``, ``label::Kyrgyz``.
LANGUAGE_NAMES = {
    "ky": "Kyrgyz",
    "ru": "Russian",
    "en": "English",
}
_LANGUAGE_WORDS = {
    "ky": "ky",
    "kg": "ky",
    "kir": "ky",
    "kyrgyz": "ky",
    "kirghiz": "ky",
    "кыргызча": "ky",
    "кыргыз тили": "ky",
    "ru": "ru",
    "rus": "ru",
    "russian": "ru",
    "русский": "ru",
    "орусча": "ru",
    "en": "en",
    "eng": "en",
    "english": "en",
    "англисче": "en",
}
_CODE_IN_PARENTHESES = re.compile(r"\(([A-Za-z]{2,3})(?:[-_][A-Za-z]+)?\)\s*$")

SINGLE_TYPES = frozenset({"select_one", "select one", "select1"})
MULTIPLE_TYPES = frozenset({"select_multiple", "select multiple", "select all that apply"})
NUMBER_TYPES = frozenset({"integer", "int", "decimal"})
TEXT_TYPES = frozenset({"text", "string"})
GROUP_BEGIN = frozenset({"begin_group", "begin group"})
GROUP_END = frozenset({"end_group", "end group"})
REPEAT_END = frozenset({"end_repeat", "end repeat", "end_loop", "end loop"})
#: Types that record how a form was filled in, not what the person answered, and notes: left
#: out without a word.
IGNORED_TYPES = frozenset(
    {
        "start",
        "end",
        "today",
        "deviceid",
        "imei",
        "username",
        "audit",
        "phonenumber",
        "subscriberid",
        "simserial",
        "email",
        "note",
        "start-geopoint",
    }
)

#: Questions that describe the respondent: stored on the response, not as answers.
RESPONDENT_FIELDS = ("sex", "age_band", "settlement")

CODE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
OPTION_CODE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}")
YES_NO_CODES = ("yes", "no")
RATING_CODES = ("1", "2", "3", "4", "5")
TRUE_WORDS = frozenset({"yes", "true", "true()", "1", "ооба", "да"})
FALSE_WORDS = frozenset({"no", "false", "false()", "0", "", "жок", "нет"})
QUESTION_TEXT_LENGTH = 500
OPTION_LABEL_LENGTH = 300
TITLE_LENGTH = 200

MAX_UNPACKED_BYTES = 20 << 20  # an XLSForm is a few hundred rows: a larger one is refused
MAX_PARTS = 500
MAX_ROWS = 5_000

_TERM_EQUALS = re.compile(
    r"\$\{(?P<name>[^}\s]+)\}\s*=\s*(?:'(?P<a>[^']*)'|\"(?P<b>[^\"]*)\"|(?P<n>-?\d+))"
)
_TERM_SELECTED = re.compile(
    r"selected\(\s*\$\{(?P<name>[^}\s]+)\}\s*,\s*(?:'(?P<a>[^']*)'|\"(?P<b>[^\"]*)\")\s*\)"
)
_OR = re.compile(r"\s+or\s+")
_PYXFORM_ROW = re.compile(r"^\[row : (\d+)\]\s*")
_MAX_CHOICES = re.compile(r"count-selected\(\s*\.\s*\)\s*<=?\s*(\d+)")


@dataclass(frozen=True)
class FormProblem:
    """One thing wrong with a form: the sheet and row (the header is row 1) and why."""

    sheet: str
    row: int | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return f"{self.sheet}: {self.message}" if self.sheet else self.message
        return _("%(sheet)s, row %(row)d: %(message)s") % {
            "sheet": self.sheet,
            "row": self.row,
            "message": self.message,
        }


class XLSFormError(Exception):
    """The form cannot become a survey: every problem found, in the order of the sheets."""

    def __init__(self, problems: list[FormProblem]):
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass
class ParsedOption:
    code: str
    labels: dict[str, str]


@dataclass
class ParsedQuestion:
    row: int
    code: str
    kind: str
    texts: dict[str, str]
    required: bool = False
    options: list[ParsedOption] = field(default_factory=list)
    shown_if: str = ""  # the code of an earlier question
    shown_if_options: list[str] = field(default_factory=list)
    max_choices: int | None = None
    measures: str = ""


@dataclass
class ParsedForm:
    """What a form holds for Kenesh: its title per language, its series (``form_id``), its
    questions in order, which respondent fields it asks, and what was left out (notes to the
    official: constraints dropped, languages not kept)."""

    titles: dict[str, str]
    series: str
    questions: list[ParsedQuestion]
    respondent_fields: list[str]
    notes: list[FormProblem] = field(default_factory=list)


def language_of(suffix: str) -> str | None:
    """The Kenesh language of a label column's language part (``Kyrgyz (ky)``, ``ru``,
    ``English``), or ``None`` for another language."""
    text = suffix.strip()
    match = _CODE_IN_PARENTHESES.search(text)
    if match:
        return _LANGUAGE_WORDS.get(match.group(1).lower())
    return _LANGUAGE_WORDS.get(" ".join(text.lower().split()))


def _labels(row: dict[str, Any], column: str, default_language: str) -> dict[str, str]:
    """The texts of ``column`` (``label``) per Kenesh language: ``label::<language>`` columns,
    and the plain column for the form's default language where that has none of its own."""
    found: dict[str, str] = {}
    plain = ""
    for key, value in row.items():
        if value is None or not str(value).strip():
            continue
        head, sep, suffix = str(key).partition("::")
        if head.strip().lower() != column:
            continue
        if not sep:
            plain = str(value).strip()
            continue
        language = language_of(suffix)
        if language is not None and language not in found:
            found[language] = str(value).strip()
    if plain and default_language not in found:
        found[default_language] = plain
    return found


def _value(row: dict[str, Any], name: str) -> str:
    for key, value in row.items():
        if str(key).strip().lower() == name:
            return " ".join(str(value).split()) if value is not None else ""
    return ""


def _check_workbook(content: bytes) -> None:
    """Refuse a file that is not an XLSX workbook, or one that would unpack to far more than
    any form, before pyxform opens it."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise XLSFormError(
            [FormProblem("", None, _("The file is not an XLSX workbook (save the form as .xlsx)."))]
        ) from None
    if len(parts) > MAX_PARTS or sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
        raise XLSFormError(
            [FormProblem("", None, _("The workbook is far larger than any form; it was refused."))]
        )


def _read_workbook(content: bytes) -> Any:
    from pyxform.errors import PyXFormError
    from pyxform.xls2json_backends import get_xlsform

    _check_workbook(content)
    try:
        return get_xlsform(xlsform=content, file_type=".xlsx")
    except PyXFormError:
        raise XLSFormError(
            [FormProblem("", None, _("The workbook cannot be read as an XLSForm."))]
        ) from None


def _pyxform_problems(content: bytes, reported_rows: set[int]) -> list[FormProblem]:
    """What pyxform's own check of the form says (it stops at its first error), unless it is
    about a row already reported in Kenesh's words."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2xform import convert

    try:
        convert(xlsform=content, file_type=".xlsx", warnings=[])
    except PyXFormError as exc:
        message = str(exc)
        match = _PYXFORM_ROW.match(message)
        row = int(match.group(1)) if match else None
        if row is not None and row in reported_rows:
            return []
        if row is None and reported_rows:
            return []  # a whole-form message ("Unknown question type") repeats ours
        text = _("the XLSForm check says: %(message)s") % {"message": _PYXFORM_ROW.sub("", message)}
        return [FormProblem("survey", row, text)]
    except Exception:  # pyxform fails on some malformed forms with plain errors
        if reported_rows:
            return []
        return [FormProblem("", None, _("The XLSForm converter cannot read this form."))]
    return []


def parse_xlsform(content: bytes) -> ParsedForm:
    """The survey ``content`` (an XLSForm workbook) describes; :class:`XLSFormError` with
    every problem when it cannot be kept as it is."""
    book = _read_workbook(content)
    problems: list[FormProblem] = []
    notes: list[FormProblem] = []
    survey_rows: list[dict[str, Any]] = list(book.survey or [])
    if not survey_rows:
        raise XLSFormError([FormProblem("", None, _("The workbook has no “survey” sheet."))])
    if len(survey_rows) > MAX_ROWS or len(book.choices or []) > MAX_ROWS:
        raise XLSFormError([FormProblem("", None, _("The form has more than %d rows.") % MAX_ROWS)])
    settings_row = dict((book.settings or [{}])[0] or {})
    default_language = language_of(_value(settings_row, "default_language")) or "ky"

    lists = _read_choices(book.choices or [], default_language, problems)
    parser = _SurveySheet(lists, default_language, problems, notes)
    for index, row in enumerate(survey_rows):
        parser.read(index + 2, row)
    parser.finish(len(survey_rows) + 1)

    title = _value(settings_row, "form_title") or _value(settings_row, "set_form_title")
    titles = _labels(settings_row, "form_title", default_language) if title else {}
    if title and not titles:
        titles = {default_language: title}
    for language, text in titles.items():
        if len(text) > TITLE_LENGTH:
            problems.append(
                FormProblem(
                    "settings",
                    2,
                    _("The form_title has more than %(max)d characters.") % {"max": TITLE_LENGTH},
                )
            )
            titles[language] = text[:TITLE_LENGTH]
    series = _series(_value(settings_row, "form_id") or _value(settings_row, "set_form_id"))
    if not parser.questions and not problems:
        problems.append(FormProblem("survey", None, _("The form has no question Kenesh can keep.")))
    reported = {problem.row for problem in problems if problem.row is not None}
    problems.extend(_pyxform_problems(content, reported if problems else set()))
    if problems:
        raise XLSFormError(problems)
    return ParsedForm(
        titles=titles,
        series=series,
        questions=parser.questions,
        respondent_fields=parser.respondent_fields,
        notes=notes,
    )


def _series(form_id: str) -> str:
    """``form_id`` as a series key (a slug of at most 64 characters)."""
    from django.utils.text import slugify

    return slugify(form_id)[:64].strip("-")


def _read_choices(
    rows: list[dict[str, Any]], default_language: str, problems: list[FormProblem]
) -> dict[str, list[tuple[int, ParsedOption]]]:
    lists: dict[str, list[tuple[int, ParsedOption]]] = {}
    for index, row in enumerate(rows):
        line = index + 2
        list_name = _value(row, "list_name") or _value(row, "list name")
        code = _value(row, "name") or _value(row, "value")
        if not row or not (list_name or code):
            continue
        if not list_name:
            problems.append(FormProblem("choices", line, _("The choice has no list_name.")))
            continue
        if not OPTION_CODE.fullmatch(code):
            problems.append(
                FormProblem(
                    "choices",
                    line,
                    _(
                        "The choice name “%(name)s” cannot be a Kenesh code: use letters, digits "
                        "and underscores (at most 64)."
                    )
                    % {"name": code[:70]},
                )
            )
            continue
        choices = lists.setdefault(list_name, [])
        earlier = next((at for at, option in choices if option.code == code), None)
        if earlier is not None:
            problems.append(
                FormProblem(
                    "choices",
                    line,
                    _("The list “%(list)s” has the choice “%(name)s” already on row %(row)d.")
                    % {"list": list_name, "name": code, "row": earlier},
                )
            )
            continue
        labels = _labels(row, "label", default_language)
        for language, text in labels.items():
            if len(text) > OPTION_LABEL_LENGTH:
                problems.append(
                    FormProblem(
                        "choices",
                        line,
                        _("The %(language)s label has more than %(max)d characters.")
                        % {"language": LANGUAGE_NAMES[language], "max": OPTION_LABEL_LENGTH},
                    )
                )
        choices.append((line, ParsedOption(code=code, labels=labels)))
    return lists


@dataclass
class _Group:
    row: int
    name: str
    relevant: str


class _SurveySheet:
    """Reads the survey sheet row by row, flattening groups."""

    def __init__(
        self,
        lists: dict[str, list[tuple[int, ParsedOption]]],
        default_language: str,
        problems: list[FormProblem],
        notes: list[FormProblem],
    ):
        self.lists = lists
        self.default_language = default_language
        self.problems = problems
        self.notes = notes
        self.questions: list[ParsedQuestion] = []
        self.respondent_fields: list[str] = []
        self.groups: list[_Group] = []
        self.names: dict[str, int] = {}  # every name on the sheet: its row

    def problem(self, row: int, message: str) -> None:
        self.problems.append(FormProblem("survey", row, message))

    def read(self, row: int, values: dict[str, Any]) -> None:
        kind = _value(values, "type")
        name = _value(values, "name")
        if not kind:
            if name or any(str(v).strip() for v in values.values() if v is not None):
                self.problem(row, _("The row has no type."))
            return
        kind_lower = kind.lower()
        if kind_lower in GROUP_BEGIN:
            self.groups.append(_Group(row, name, _value(values, "relevant")))
            return
        if kind_lower in GROUP_END:
            if not self.groups:
                self.problem(row, _("An end_group without its begin_group."))
            else:
                self.groups.pop()
            return
        if kind_lower in IGNORED_TYPES or kind_lower in REPEAT_END:
            return  # the end of a repeat: its beginning is refused already
        self._question(row, kind, kind_lower, name, values)

    def finish(self, last_row: int) -> None:
        for group in self.groups:
            self.problem(
                group.row,
                _("The group “%(name)s” has no end_group.") % {"name": group.name},
            )

    def _question(
        self, row: int, kind: str, kind_lower: str, name: str, values: dict[str, Any]
    ) -> None:
        parts = kind_lower.split()
        base, list_name = kind_lower, ""
        extra: list[str] = []
        for alias in (*SINGLE_TYPES, *MULTIPLE_TYPES):
            if kind_lower.startswith(alias + " "):
                base = alias
                rest = kind.split()[len(alias.split()) :]
                list_name, extra = (rest[0], rest[1:]) if rest else ("", [])
                break
        else:
            base = parts[0] if parts else ""
            extra = parts[1:]
        if base in SINGLE_TYPES or base in MULTIPLE_TYPES:
            if extra:
                self.problem(
                    row,
                    _("Type “%(type)s” is not supported (“%(extra)s” is not).")
                    % {"type": kind, "extra": " ".join(extra)},
                )
                return
            if not list_name:
                self.problem(row, _("Type “%(type)s” names no choice list.") % {"type": kind})
                return
            if list_name not in self.lists:
                self.problem(
                    row,
                    _("The choice list “%(list)s” is not on the choices sheet.")
                    % {"list": list_name},
                )
                return
        elif (base not in NUMBER_TYPES and base not in TEXT_TYPES and base != "range") or extra:
            self.problem(row, _("Type “%(type)s” is not supported.") % {"type": kind})
            return
        if not name:
            self.problem(row, _("The question has no name."))
            return
        if name in self.names:
            self.problem(
                row,
                _("The name “%(name)s” is used already on row %(row)d.")
                % {"name": name, "row": self.names[name]},
            )
            return
        self.names[name] = row
        if name in RESPONDENT_FIELDS:
            self._respondent_field(row, name, base, list_name)
            return
        if not CODE.fullmatch(name):
            self.problem(
                row,
                _(
                    "The name “%(name)s” cannot be a Kenesh code: use letters, digits and "
                    "underscores, starting with a letter (at most 64)."
                )
                % {"name": name[:70]},
            )
            return
        question = ParsedQuestion(row=row, code=name, kind="", texts={})
        options = [option for _line, option in self.lists.get(list_name, [])]
        if base in SINGLE_TYPES:
            codes = tuple(sorted(option.code for option in options))
            if codes == tuple(sorted(YES_NO_CODES)):
                question.kind = QuestionKind.YES_NO
            elif codes == RATING_CODES:
                question.kind = QuestionKind.RATING
            else:
                question.kind = QuestionKind.SINGLE
            question.options = options
        elif base in MULTIPLE_TYPES:
            question.kind = QuestionKind.MULTIPLE
            question.options = options
        elif base in NUMBER_TYPES:
            question.kind = QuestionKind.NUMBER
        elif base in TEXT_TYPES:
            question.kind = QuestionKind.TEXT
        else:
            if not self._range_is_rating(_value(values, "parameters")):
                self.problem(
                    row,
                    _("Type “range” is supported from 1 to 5 in steps of 1 only (a rating)."),
                )
                return
            question.kind = QuestionKind.RATING
            question.options = [ParsedOption(code, {}) for code in RATING_CODES]
        question.texts = _labels(values, "label", self.default_language)
        if not question.texts:
            self.problem(row, _("The question has no label."))
        for language, text in question.texts.items():
            if len(text) > QUESTION_TEXT_LENGTH:
                self.problem(
                    row,
                    _("The %(language)s label has more than %(max)d characters.")
                    % {"language": LANGUAGE_NAMES[language], "max": QUESTION_TEXT_LENGTH},
                )
        required = _value(values, "required").lower()
        if required in TRUE_WORDS:
            question.required = True
        elif required not in FALSE_WORDS:
            self.problem(
                row,
                _("“required” must be yes or no (a condition such as “%(value)s” is not kept).")
                % {"value": required[:60]},
            )
        self._constraint(row, question, _value(values, "constraint"))
        self._measures(row, question, _value(values, "kenesh_measures"))
        if _value(values, "choice_filter"):
            self.problem(row, _("A choice_filter (cascading choices) is not supported."))
        relevant = _value(values, "relevant")
        inherited = next((group for group in reversed(self.groups) if group.relevant), None)
        if relevant and inherited is not None:
            self.problem(
                row,
                _(
                    "The question and its group “%(group)s” both have a condition; Kenesh keeps "
                    "one condition per question."
                )
                % {"group": inherited.name},
            )
        elif relevant:
            self._condition(row, question, relevant)
        elif inherited is not None:
            self._condition(row, question, inherited.relevant)
        self.questions.append(question)

    @staticmethod
    def _range_is_rating(parameters: str) -> bool:
        found = {"start": "1", "end": "10", "step": "1"}
        for part in parameters.replace(";", " ").replace(",", " ").split():
            key, sep, value = part.partition("=")
            if not sep:
                return False
            found[key.strip().lower()] = value.strip()
        try:
            return (float(found["start"]), float(found["end"]), float(found["step"])) == (1, 5, 1)
        except ValueError:
            return False

    def _respondent_field(self, row: int, name: str, base: str, list_name: str) -> None:
        """``sex``, ``age_band`` and ``settlement`` fill the response's own fields: their
        choices must be Kenesh's codes (a settlement's are SOATE codes or names)."""
        allowed: dict[str, tuple[str, ...]] = {
            "sex": tuple(RespondentSex.values),
            "age_band": tuple(AgeBand.values),
        }
        if name == "settlement":
            if base not in SINGLE_TYPES and base not in TEXT_TYPES:
                self.problem(
                    row,
                    _("“settlement” is the respondent's settlement: make it select_one or text."),
                )
                return
        elif base not in SINGLE_TYPES:
            self.problem(
                row,
                _("“%(name)s” is the respondent's %(field)s: make it a select_one.")
                % {"name": name, "field": _respondent_label(name)},
            )
            return
        else:
            codes = [option.code for _line, option in self.lists[list_name]]
            unknown = [code for code in codes if code not in allowed[name]]
            if unknown:
                self.problem(
                    row,
                    _(
                        "“%(name)s” is the respondent's %(field)s: its choices must be among "
                        "%(codes)s (not “%(code)s”)."
                    )
                    % {
                        "name": name,
                        "field": _respondent_label(name),
                        "codes": ", ".join(allowed[name]),
                        "code": unknown[0],
                    },
                )
                return
        self.respondent_fields.append(name)

    def _constraint(self, row: int, question: ParsedQuestion, constraint: str) -> None:
        if not constraint:
            return
        match = _MAX_CHOICES.fullmatch(constraint.strip())
        if match and question.kind == QuestionKind.MULTIPLE:
            limit = int(match.group(1)) - (0 if "<=" in constraint else 1)
            if limit >= 1:
                question.max_choices = limit
                return
        self.notes.append(
            FormProblem(
                "survey",
                row,
                _("The constraint “%(constraint)s” of “%(name)s” is not kept.")
                % {"constraint": constraint[:80], "name": question.code},
            )
        )

    def _measures(self, row: int, question: ParsedQuestion, measures: str) -> None:
        if not measures:
            return
        if measures not in QuestionMeasure.values:
            self.problem(
                row,
                _("kenesh_measures must be one of %(values)s.")
                % {"values": ", ".join(v for v in QuestionMeasure.values if v)},
            )
            return
        question.measures = measures

    def _condition(self, row: int, question: ParsedQuestion, expression: str) -> None:
        """``relevant`` as (earlier question, option codes), or a problem on ``row``."""
        refused = _(
            "The condition “%(condition)s” cannot be kept: Kenesh shows a question when the "
            "answer to one earlier question is one of some choices (${q} = 'a', "
            "selected(${q}, 'a'), joined by “or”)."
        ) % {"condition": expression[:120]}
        text = expression.strip()
        while text.startswith("(") and text.endswith(")") and text.count("(") == 1:
            text = text[1:-1].strip()
        names: set[str] = set()
        codes: list[str] = []
        for term in _OR.split(text):
            term = term.strip()
            match = _TERM_EQUALS.fullmatch(term) or _TERM_SELECTED.fullmatch(term)
            if match is None:
                self.problem(row, refused)
                return
            names.add(match.group("name"))
            groups = match.groupdict()
            codes.append(groups.get("a") or groups.get("b") or groups.get("n") or "")
        if len(names) != 1:
            self.problem(row, refused)
            return
        (name,) = names
        if name in RESPONDENT_FIELDS:
            self.problem(
                row,
                _(
                    "The condition refers to “%(name)s”, the respondent's own field; a condition "
                    "can refer to questions only."
                )
                % {"name": name},
            )
            return
        earlier = next((q for q in self.questions if q.code == name), None)
        if earlier is None:
            if name in self.names:
                message = _("The condition refers to “%(name)s”, which Kenesh does not keep.")
            else:
                message = _("The condition refers to “%(name)s”, which is not an earlier question.")
            self.problem(row, message % {"name": name})
            return
        if not earlier.options:
            self.problem(
                row,
                _("The condition refers to “%(name)s”, which has no choices.") % {"name": name},
            )
            return
        known = {option.code for option in earlier.options}
        unknown = [code for code in codes if code not in known]
        if unknown:
            self.problem(
                row,
                _("The condition names “%(code)s”, which is not a choice of “%(name)s”.")
                % {"code": unknown[0], "name": name},
            )
            return
        question.shown_if = name
        question.shown_if_options = list(dict.fromkeys(codes))


def _respondent_label(name: str) -> str:
    return {"sex": _("sex"), "age_band": _("age band"), "settlement": _("settlement")}[name]
