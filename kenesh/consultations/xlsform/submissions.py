"""The import kind ``survey-responses``: a survey's responses from a CSV or XLSX sheet, such as
the submissions KoboToolbox or ODK Central export, through the platform's import pipeline
(kenesh.core.imports: jobs, reports, rejects, all-or-nothing or skip-invalid, dry runs).

One job imports into one survey, named by the upload (``ImportJob.target``). Columns are named
by question code; what the exports add is read as they write it (docs/xlsform.md):

* group paths (``safety/unsafe_dark``, ODK Central's ``safety-unsafe_dark``) name the question
  of their last part;
* a multiple choice is its codes separated by spaces, or KoboToolbox's split columns
  (``problems/theft`` with 1 or 0) when the file has no column of the question itself;
* ``_uuid`` (or ``meta/instanceID``, ``KEY``) is the response's external identifier, so a
  submission already imported is unchanged, not added again; ``_submission_time`` (UTC),
  ``SubmissionDate`` or ``end`` is when it was submitted;
* ``sex``, ``age_band`` and ``settlement`` (a SOATE code or a name of a settlement of the
  survey's municipality) describe the respondent;
* every other column (KoboToolbox's ``_id``, ``_index``, ``__version__``, ``start``, notes,
  ...) is left alone.

Each row is checked as any response is (:func:`kenesh.consultations.services.validate_answers`:
option codes, numbers, required questions that are shown) and the response's own fields by the
model; the channel is "import".
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kenesh.consultations.models import (
    AgeBand,
    Answer,
    Question,
    QuestionKind,
    RespondentSex,
    Response,
    ResponseChannel,
    Survey,
)
from kenesh.consultations.services import validate_answers
from kenesh.core.imports import (
    BatchOutcome,
    Column,
    ImportFileError,
    ImportKind,
    ImportSpec,
    ParsedRow,
    RowError,
    existing_keys,
    parse_choice,
    parse_text,
)
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import allowed, get_for_user
from kenesh.geo.models import AdministrativeUnit, Level

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User
    from kenesh.core.models import ImportJob

KIND = "survey-responses"
EXTERNAL_ID_LENGTH = 64
ANSWER_LENGTH = 5_000

#: Headers of the exports' own columns that Kenesh reads, by their lower-case form.
METADATA_HEADERS = {
    "_uuid": "_uuid",
    "meta/instanceid": "instanceid",
    "meta-instanceid": "instanceid",
    "instanceid": "instanceid",
    "key": "key",  # ODK Central's submission key (the instanceID)
    "_submission_time": "_submission_time",
    "submissiondate": "submissiondate",
    "end": "end",
    "sex": "sex",
    "age_band": "age_band",
    "settlement": "settlement",
}
_SPLIT_TRUE = frozenset({"1", "true", "yes", "1.0"})
_SPLIT_FALSE = frozenset({"0", "false", "no", "0.0"})
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6})\d*)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
)


def parse_moment(*, naive_is_utc: bool) -> Any:
    """A date and time as the exports write it: ISO 8601 with or without a time zone
    (KoboToolbox's ``_submission_time`` is UTC without one, ``end`` carries the device's), a
    spreadsheet's timestamp, or a date alone (midnight)."""

    def parse(text: str) -> dt.datetime:
        match = _DATETIME.fullmatch(text.strip())
        if match is None:
            raise ValidationError(_("Enter a date and time as YYYY-MM-DDTHH:MM:SS."))
        year, month, day, hour, minute, second, fraction, zone = match.groups()
        try:
            moment = dt.datetime(
                int(year),
                int(month),
                int(day),
                int(hour or 0),
                int(minute or 0),
                int(second or 0),
                int((fraction or "0").ljust(6, "0")),
            )
        except ValueError:
            raise ValidationError(_("Enter a date and time as YYYY-MM-DDTHH:MM:SS.")) from None
        if zone:
            if zone == "Z":
                tz: dt.tzinfo = dt.UTC
            else:
                sign = -1 if zone[0] == "-" else 1
                digits = zone[1:].replace(":", "")
                offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
                tz = dt.timezone(sign * offset)
            return moment.replace(tzinfo=tz)
        if naive_is_utc:
            return moment.replace(tzinfo=dt.UTC)
        return timezone.make_aware(moment)

    return parse


def parse_external_id(text: str) -> str:
    """A submission's identifier; ODK's ``uuid:`` prefix is dropped, so KoboToolbox's
    ``_uuid`` and ``meta/instanceID`` of one submission are the same."""
    value = text.strip()
    if value.lower().startswith("uuid:"):
        value = value[5:]
    if len(value) > EXTERNAL_ID_LENGTH:
        raise ValidationError(
            _("Ensure this value has at most %(max)d characters (it has %(length)d).")
            % {"max": EXTERNAL_ID_LENGTH, "length": len(value)}
        )
    return value


def parse_split(text: str) -> bool:
    word = text.strip().lower()
    if word in _SPLIT_TRUE:
        return True
    if word in _SPLIT_FALSE:
        return False
    raise ValidationError(_("Enter 1 or 0."))


def survey_for_import(user: User | AnonymousUser | None, pk: int | None) -> Survey:
    """The survey an upload of responses names, for ``user``: 404 outside their area, 403
    without write access to surveys there, 422 without one or for a programme-wide template."""
    if pk is None:
        raise ValidationError({"target": _("Name the survey the responses are for.")})
    survey = get_for_user(Survey.objects.select_related("unit"), user, Action.WRITE, pk=pk)
    if survey.is_template:
        raise ValidationError(
            {
                "target": _(
                    "A programme-wide template takes no responses; import them into a "
                    "municipality's survey."
                )
            }
        )
    return survey


class SurveyResponsesImport(ImportSpec):
    """Responses to one survey from a sheet, for ``user`` (``None``: a trusted operator at the
    console). The survey is ``survey``, or the one ``job`` names (``ImportJob.target``);
    ``for_template`` leaves out the columns only the exports have."""

    kind = KIND
    batch_size = 500

    def __init__(
        self,
        *,
        user: User | AnonymousUser | None = None,
        job: ImportJob | None = None,
        survey: Survey | None = None,
        for_template: bool = False,
    ):
        self.user = user
        self.job_id = job.pk if job is not None else None
        self.problem = ""
        if survey is None and job is not None and job.target is not None:
            survey = Survey.objects.select_related("unit").filter(pk=job.target).first()
            if survey is None:
                self.problem = _("The survey of this import no longer exists; nothing was written.")
            elif user is not None and not allowed(
                user, Action.WRITE, Resource.SURVEYS, survey.unit.path
            ):
                self.problem = _("You may not add responses to this survey; nothing was written.")
                survey = None
        elif survey is None:
            self.problem = _("This import names no survey; upload it from the survey's page.")
        self.survey = survey
        self.questions: list[Question] = (
            list(survey.questions.prefetch_related("options").order_by("order", "id"))
            if survey is not None
            else []
        )
        self._codes = {question.code.lower(): question for question in self.questions}
        self._settlements: dict[str, AdministrativeUnit | None] = {}
        self._named: dict[str, list[AdministrativeUnit]] | None = None
        self._checked_file = False
        self._entered_by = user.pk if user is not None and user.is_authenticated else None
        self.columns = self._columns(for_template)

    # Columns ---------------------------------------------------------------------------------

    def _columns(self, for_template: bool) -> list[Column]:
        columns = [
            Column(
                "_uuid",
                parse_external_id,
                field="external_id",
                example="6c1a0b3e-0001",
                description="the submission's identifier: importing it again adds nothing",
            ),
        ]
        if not for_template:
            columns += [Column("instanceid", parse_external_id), Column("key", parse_external_id)]
        columns.append(
            Column(
                "_submission_time",
                parse_moment(naive_is_utc=True),
                example="2025-04-12T09:30:00",
                description="when it was submitted (UTC unless a time zone is given)",
            )
        )
        if not for_template:
            columns += [
                Column("submissiondate", parse_moment(naive_is_utc=True)),
                Column("end", parse_moment(naive_is_utc=False)),
            ]
        columns += [
            Column(
                "sex",
                parse_choice(RespondentSex.choices),
                repeats=True,
                example=RespondentSex.FEMALE,
            ),
            Column(
                "age_band", parse_choice(AgeBand.choices), repeats=True, example=AgeBand.AGE_30_44
            ),
            Column("settlement", self._settlement, repeats=True, example=""),
        ]
        answer = parse_text(ANSWER_LENGTH)
        for question in self.questions:
            options = [option.code for option in question.options.all()]
            columns.append(
                Column(
                    question.code,
                    answer,
                    repeats=question.is_choice,
                    example=(
                        " ".join(options[:2])
                        if question.kind == QuestionKind.MULTIPLE
                        else options[0]
                        if options
                        else ("2" if question.kind == QuestionKind.NUMBER else "")
                    ),
                )
            )
            if question.kind == QuestionKind.MULTIPLE and not for_template:
                columns += [Column(f"{question.code}/{code}", parse_split) for code in options]
        return columns

    def header_key(self, header: str) -> str:
        """KoboToolbox's and ODK's headers as column keys: group paths by their last part,
        split columns of a multiple choice as ``question/option``."""
        text = header.strip()
        lower = text.lower()
        if lower in METADATA_HEADERS:
            return METADATA_HEADERS[lower]
        parts = [part for part in text.split("/") if part]
        if not parts:
            return text
        if len(parts) >= 2:
            question = self._codes.get(parts[-2].lower())
            if question is not None and question.kind == QuestionKind.MULTIPLE:
                return f"{parts[-2]}/{parts[-1]}"
        last = parts[-1]
        if last.lower() in self._codes or last.lower() in METADATA_HEADERS:
            return METADATA_HEADERS.get(last.lower(), last)
        if "-" in last:  # ODK Central joins group paths with "-"; Kenesh codes have none
            tail = last.rsplit("-", 1)[-1]
            if tail.lower() in self._codes or tail.lower() == "instanceid":
                return METADATA_HEADERS.get(tail.lower(), tail)
        return last

    def _settlement(self, text: str) -> AdministrativeUnit:
        key = " ".join(text.split()).casefold()
        if key not in self._settlements:
            self._settlements[key] = self._find_settlement(text.strip())
        unit = self._settlements[key]
        if unit is None:
            raise ValidationError(
                _("No settlement of the survey's municipality has this code or name.")
            )
        return unit

    def _find_settlement(self, text: str) -> AdministrativeUnit | None:
        """By SOATE code, or by a name in any language that no other settlement of the
        municipality has (compared case-folded in Python: SQLite folds ASCII only)."""
        if self.survey is None:
            return None
        if self._named is None:
            self._named = {}
            units = AdministrativeUnit.objects.filter(
                path__startswith=self.survey.unit.path, level=Level.SETTLEMENT
            )
            for unit in units:
                self._named[unit.code] = [unit]
                names = {
                    " ".join(name.split()).casefold()
                    for name in (unit.name_ky, unit.name_ru, unit.name_en)
                    if name
                }
                for name in names:
                    self._named.setdefault(name, []).append(unit)
        found = self._named.get(" ".join(text.split()).casefold(), [])
        return found[0] if len(found) == 1 else None

    # Rows ------------------------------------------------------------------------------------

    def _check_file(self, present: frozenset[str]) -> None:
        """Once per file: the survey is there, and every question that must always be answered
        has its column (a missing one would fail every row)."""
        if self._checked_file:
            return
        if self.problem or self.survey is None:
            raise ImportFileError([RowError(1, "", self.problem)])
        missing = [
            question.code
            for question in self.questions
            if question.required
            and question.shown_if_question_id is None
            and question.code not in present
            and not any(key.startswith(f"{question.code}/") for key in present)
        ]
        if missing:
            raise ImportFileError(
                [RowError(1, code, _("This column is missing.")) for code in missing]
            )
        self._checked_file = True

    def build(self, values: dict[str, Any], present: frozenset[str]) -> tuple[Any, dict[str, str]]:
        self._check_file(present)
        assert self.survey is not None
        raw: dict[str, Any] = {}
        column_of: dict[str, str] = {}
        for question in self.questions:
            code = question.code
            if code in present:
                raw[code] = values.get(code)
                column_of[code] = code
            elif question.kind == QuestionKind.MULTIPLE:
                split = [
                    option.code
                    for option in question.options.all()
                    if f"{code}/{option.code}" in present
                ]
                if split:
                    raw[code] = [c for c in split if values.get(f"{code}/{c}")]
                    column_of[code] = f"{code}/{split[0]}"
        stored, errors = validate_answers(self.survey, self.questions, raw)
        problems: dict[str, str] = {}
        for code, messages in errors.items():
            text = " ".join(messages)
            key = column_of.get(code)
            if key is None:  # a required question shown by a condition, without a column
                key, text = "", f"{code}: {text}"
            problems[key] = f"{problems[key]} {text}" if key in problems else text
        external_id = values.get("_uuid") or values.get("instanceid") or values.get("key") or ""
        submitted_at = (
            values.get("_submission_time")
            or values.get("submissiondate")
            or values.get("end")
            or timezone.now()
        )
        response = Response(
            survey=self.survey,
            sex=values.get("sex") or RespondentSex.NOT_SAID,
            age_band=values.get("age_band") or AgeBand.NOT_SAID,
            settlement=values.get("settlement"),
            channel=ResponseChannel.IMPORT,
            submitted_at=submitted_at,
            external_id=external_id,
            entered_by_id=self._entered_by,
            import_job_id=self.job_id,
        )
        try:
            # The related records are known to exist: their checks would cost a query a row.
            response.full_clean(
                exclude=["survey", "settlement", "entered_by", "import_job"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                problems.setdefault(name if name in present else "", " ".join(messages))
        if problems:
            return None, problems
        return (response, stored), {}

    def write(self, rows: list[ParsedRow], present: frozenset[str]) -> BatchOutcome:
        outcome = BatchOutcome()
        assert self.survey is not None
        keys = [(self.survey.pk, row.obj[0].external_id) for row in rows if row.obj[0].external_id]
        found = existing_keys(Response, ("survey_id", "external_id"), keys)
        earlier_in_job: set[str] = set()
        if found and self.job_id is not None:
            earlier_in_job = set(
                Response.objects.filter(pk__in=found.values(), import_job_id=self.job_id)
                .values_list("external_id", flat=True)
                .order_by()
            )
        seen: set[str] = set()
        new: list[tuple[Response, list[Any]]] = []
        for row in rows:
            response, stored = row.obj
            key = response.external_id
            if key and (key in seen or key in earlier_in_job):
                outcome.refused.append(
                    (row, "_uuid", _("This submission appears earlier in the file."))
                )
                continue
            if key:
                seen.add(key)
            if key and (self.survey.pk, key) in found:
                outcome.unchanged += 1
                continue
            new.append((response, stored))
        created = Response.objects.bulk_create([response for response, _stored in new])
        answers = [
            Answer(response=response, question=question, option=option, number=number, text=text)
            for response, (_same, stored) in zip(created, new, strict=True)
            for question, option, number, text in stored
        ]
        Answer.objects.bulk_create(answers, batch_size=1000)
        outcome.created = len(created)
        return outcome


IMPORT_KIND = ImportKind(
    key=KIND,
    label=gettext_lazy("survey responses"),
    title=gettext_lazy("Import survey responses"),
    description=gettext_lazy(
        "Upload a CSV or XLSX sheet with one response per row and a column per question (its "
        "code), such as the submissions KoboToolbox or ODK Central export. Every row is checked "
        "first; the report lists each bad row with its line, column and reason. A submission "
        "already imported (the same _uuid or instanceID) is left as it is, so importing the same "
        "file twice adds nothing."
    ),
    resource=Resource.SURVEYS,
    build=SurveyResponsesImport,
    allows_updates=False,
    docs="docs/xlsform.md",
    template_name="survey-responses-template",
    resolve_target=survey_for_import,
)
