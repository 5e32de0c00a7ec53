"""The shared import pipeline: a CSV or XLSX sheet → validated rows → batched writes.

Every module that takes spreadsheets from officials (incidents now; animals and plate reads
later) describes its sheet as an :class:`ImportSpec` (columns with parsers, a row builder that
applies the model's own rules, a batch writer) and registers it as an :class:`ImportKind` in its
``module.py``; :func:`run_import` does the rest:

* the file is read as a stream by its real cells (:mod:`kenesh.core.sheets`), under limits on
  rows, cells and unpacked size that refuse a hostile file as a whole before memory fills;
  rows are handled in batches of ``spec.batch_size``;
* headers map to columns by a documented default, overridable per column (a saved
  :class:`~kenesh.core.models.ImportMapping`);
* every bad row is reported as (line, column, reason), the line as the official sees it in
  the sheet (the header is line 1), the reason in the importer's language: every error to a
  report file, the first ones in full and counts per column and reason on the job;
* the template's example row is marked (its first cell starts with the word EXAMPLE, in the
  language it was downloaded in): a marked row is never imported, whatever the mode, and the
  job's message names its line, so an untouched template writes nothing (:data:`EXAMPLE_MARK`);
* all-or-nothing by default, or skip-invalid with a rejects CSV (original columns + reason,
  escaped against formula injection; the import undoes the escape, so it re-imports);
  a dry run validates only;
* rows already stored are found by natural key (:func:`existing_keys`) and count as unchanged,
  or, for kinds that allow updates, change their record, each change audited.

All-or-nothing and dry runs are one transaction that is rolled back at the end (see
docs/adr/0005-bulk-import.md): rows are written as they are validated, so the duplicate and
already-registered checks of later batches see the earlier ones through the database, not
through a set in memory, and a dry run runs exactly the code a real run does.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import logging
import operator
import re
import tempfile
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import (
    DEFAULT_DB_ALIAS,
    IntegrityError,
    OperationalError,
    connection,
    connections,
    models,
    transaction,
)
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from kenesh.core.formulas import escape_cell
from kenesh.core.permissions import Resource
from kenesh.core.sheets import (
    CsvReader,
    ImportFileError,
    RowError,
    SheetLimits,
    SheetReader,
    XlsxReader,
    open_sheet,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User
    from kenesh.core.models import ImportJob, ImportJobQuerySet

logger = logging.getLogger(__name__)

PROGRESS_EVERY_S = 0.5


# ---------------------------------------------------------------------------------------------
# Columns and parsers


Parser = Callable[[str], Any]


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its key, documented header, parser and the model field it fills.

    ``parse`` gets the cell as stripped, non-empty text and returns the value or raises
    ``ValidationError`` with a translatable message. An empty cell is ``default``, or an error
    when ``required``.
    """

    key: str
    parse: Parser
    required: bool = False
    default: Any = None
    example: str = ""
    field: str = ""  # the model field (attname) the value lands in; defaults to the key
    description: str | Promise = ""
    # Values repeat from row to row (codes, dates, counts): remember what each text parsed to.
    # Only for parsers whose answer depends on the text alone, within one import.
    repeats: bool = False

    @property
    def header(self) -> str:
        """The documented default header: the key itself, the same in every language."""
        return self.key

    @property
    def target(self) -> str:
        return self.field or self.key


def parse_text(max_length: int) -> Parser:
    def parse(text: str) -> str:
        if "\x00" in text:
            raise ValidationError(_("Text may not contain the NUL character."))
        if len(text) > max_length:
            raise ValidationError(
                _("Ensure this value has at most %(max)d characters (it has %(length)d).")
                % {"max": max_length, "length": len(text)}
            )
        return text

    return parse


def parse_int(minimum: int, maximum: int) -> Parser:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            try:  # "3.0" from a spreadsheet that stored the count as a number
                number = float(text.replace(",", "."))
            except ValueError:
                number = 0.5
            if not number.is_integer():
                raise ValidationError(_("Enter a whole number.")) from None
            value = int(number)
        if not minimum <= value <= maximum:
            raise ValidationError(
                _("Enter a number from %(min)d to %(max)d.") % {"min": minimum, "max": maximum}
            )
        return value

    return parse


def parse_float(minimum: float, maximum: float) -> Parser:
    def parse(text: str) -> float:
        try:
            value = float(text.replace(",", "."))
        except ValueError:
            raise ValidationError(_("Enter a number.")) from None
        if not minimum <= value <= maximum:
            raise ValidationError(
                _("Enter a number from %(min)s to %(max)s.") % {"min": minimum, "max": maximum}
            )
        return value

    return parse


ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?")
DAY_FIRST_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
TIME_OF_DAY = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def parse_date(text: str) -> dt.date:
    """ISO 8601 (2024-06-15, also as a spreadsheet's timestamp), or the day-first form
    officials type (15.06.2024). The year has four digits: "15.06.24" is refused rather than
    read as the year 24, and nothing may follow the date."""
    try:
        if match := ISO_DATE.fullmatch(text):
            year, month, day, hour, minute, second = match.groups()
            if hour is not None:  # a spreadsheet's timestamp: the date counts, the time must exist
                dt.time(int(hour), int(minute), int(second or 0))
            return dt.date(int(year), int(month), int(day))
        if match := DAY_FIRST_DATE.fullmatch(text):
            day, month, year = match.groups()
            return dt.date(int(year), int(month), int(day))
    except ValueError:
        pass
    raise ValidationError(_("Enter a date as YYYY-MM-DD or DD.MM.YYYY."))


def parse_time(text: str) -> dt.time:
    """A local time of day, HH:MM or HH:MM:SS, without a time zone."""
    try:
        if match := TIME_OF_DAY.fullmatch(text):
            hour, minute, second = match.groups()
            return dt.time(int(hour), int(minute), int(second or 0))
    except ValueError:
        pass
    raise ValidationError(_("Enter a time as HH:MM."))


TRUE_WORDS = frozenset({"1", "yes", "true", "y", "да", "д", "ооба", "ообо", "x", "+"})
FALSE_WORDS = frozenset({"0", "no", "false", "n", "нет", "н", "жок", "-"})


def parse_bool(text: str) -> bool:
    word = text.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError(_("Enter yes or no."))


def parse_choice(choices: Iterable[tuple[Any, Any]]) -> Parser:
    """A choice by its value ("under_investigation") or its label in any of the languages."""
    from django.conf import settings

    choices = list(choices)
    lookup: dict[str, str] = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for value, label in choices:
                lookup.setdefault(str(label).lower(), str(value))
    for value, _label in choices:
        lookup[str(value).lower()] = str(value)

    def parse(text: str) -> str:
        try:
            return lookup[text.lower()]
        except KeyError:
            raise ValidationError(
                _("Choose one of: %(values)s.") % {"values": ", ".join(str(v) for v, _l in choices)}
            ) from None

    return parse


# ---------------------------------------------------------------------------------------------
# The spec a module provides


@dataclass(slots=True)
class ParsedRow:
    """A row whose cells parsed: its line, its cells as read (for the rejects file) and the
    object the spec built from it."""

    line: int
    cells: list[str]
    obj: Any


@dataclass
class BatchOutcome:
    """What :meth:`ImportSpec.write` did with a batch: rows created, rows whose record was
    changed (only for kinds that allow updates; each change audited, see
    :func:`write_updates`), rows already there with the same values, and rows refused."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # (row, column key or "", reason): rows the database check refused (duplicates, conflicts)
    refused: list[tuple[ParsedRow, str, str]] = field(default_factory=list)


class ImportSpec(ABC):
    """What a module tells the pipeline about its sheet.

    ``allows_updates``: whether a row whose natural key is already registered with other values
    changes that record (audited) rather than being refused. Set by the kind
    (:class:`ImportKind`); the incident register allows none (records are corrected one by one).
    """

    kind: str = ""
    columns: Sequence[Column] = ()
    batch_size: int = 1000
    allows_updates: bool = False

    def header_key(self, header: str) -> str:
        """The column key a header of the file names, before the mapping and the documented
        headers are matched (case and spaces are ignored after). The header itself by default;
        a kind may read headers its own way (a KoboToolbox export's group paths, ``grp/q1``)."""
        return header

    @abstractmethod
    def build(self, values: dict[str, Any], present: frozenset[str]) -> tuple[Any, dict[str, str]]:
        """The object for one row of parsed ``values`` (every column key, defaults filled in;
        ``present`` the keys the file has a column for), or ``(None, {column key or "":
        reason})``. Single-row rules live here (the model's ``clean()``)."""

    @abstractmethod
    def write(self, rows: list[ParsedRow], present: frozenset[str]) -> BatchOutcome:
        """Check the batch against the database (duplicates, rows already there; see
        :func:`existing_keys`) and write the new ones, and the changed ones when the kind allows
        updates (:func:`write_updates`)."""


# ---------------------------------------------------------------------------------------------
# Header mapping


def resolve_columns(
    spec: ImportSpec, header: list[str], mapping: dict[str, str]
) -> list[tuple[int, Column]]:
    """(cell index, column) for every column the file has, by header (case and spaces ignored).

    ``mapping`` overrides the default header of some columns ({"external_ref": "№ КУСП"}).
    A missing required column, or a header that appears twice, makes the file unusable.
    """
    positions: dict[str, int] = {}
    errors: list[RowError] = []
    for index, name in enumerate(header):
        normal = " ".join(spec.header_key(name).split()).lower()
        if not normal:
            continue
        if normal in positions:
            errors.append(RowError(1, name, _("This column appears twice.")))
        positions[normal] = index
    known = {column.key for column in spec.columns}
    for key in mapping:
        if key not in known:
            errors.append(RowError(1, "", _("The mapping names an unknown column %s.") % key))
    found: list[tuple[int, Column]] = []
    for column in spec.columns:
        wanted = " ".join(mapping.get(column.key, column.header).split()).lower()
        if wanted in positions:
            found.append((positions[wanted], column))
        elif column.required:
            errors.append(
                RowError(1, mapping.get(column.key, column.header), _("This column is missing."))
            )
    if errors:
        raise ImportFileError(errors)
    return found


# ---------------------------------------------------------------------------------------------
# Running an import


Progress = Callable[[int, int], None]  # (rows processed, rows expected)


@dataclass
class ImportOptions:
    skip_invalid: bool = False
    dry_run: bool = False
    mapping: dict[str, str] = field(default_factory=dict)
    language: str = "ky"
    progress: Progress | None = None
    rejects: IO[str] | None = None  # where the rejects CSV goes (skip-invalid)
    report: IO[str] | None = None  # where the report CSV of every error goes (both modes)
    # Errors kept in full on the result (the job's page and API); None: IMPORT_REPORT_ERRORS.
    keep_errors: int | None = None
    limits: SheetLimits | None = None  # None: the settings' limits


@dataclass
class ImportResult:
    """What an import did. ``errors`` holds the first errors in full (``keep_errors`` of them),
    ``error_count`` how many there are and ``error_summary`` how many per (column, reason);
    every one of them went to the report stream."""

    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    error_summary: Counter[tuple[str, str]] = field(default_factory=Counter)
    written: bool = False  # whether anything was committed
    updates_allowed: bool = False
    # Rows marked as the template's example (never imported, not counted in total_rows): how
    # many, and the first lines of them for the message.
    example_rows: int = 0
    example_lines: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error_count and not self.errors

    def summary_rows(self) -> list[list[Any]]:
        """[column, reason, count] by count, most frequent first (JSON for the job)."""
        return [
            [column, reason, count]
            for (column, reason), count in sorted(
                self.error_summary.items(), key=lambda item: (-item[1], item[0])
            )
        ]


class _RollBack(Exception):
    pass


SUMMARY_REASONS = 100  # distinct (column, reason) pairs counted apart; the rest as "other"


class ErrorReport:
    """Every error of an import: the first ``keep`` in full on the result, all of them counted
    per (column, reason) and written to ``stream`` as CSV (line, column, reason).

    What pages and the API read stays small whatever the file: a 200,000-line file of garbage
    keeps ``keep`` errors and at most :data:`SUMMARY_REASONS` counts on its job, and the whole
    list is a download (docs/import.md, "Reports")."""

    def __init__(self, result: ImportResult, stream: IO[str] | None, keep: int):
        self.result = result
        self.keep = keep
        self._writer = csv.writer(stream) if stream is not None else None
        if self._writer is not None:
            self._writer.writerow([_("line"), _("column"), _("reason")])
        self._other = _("other reasons")

    def add(self, error: RowError) -> None:
        result = self.result
        result.error_count += 1
        if len(result.errors) < self.keep:
            result.errors.append(error)
        key = (error.column, error.reason)
        summary = result.error_summary
        if key in summary or len(summary) < SUMMARY_REASONS:
            summary[key] += 1
        else:  # reasons that quote the value ("it has 70 characters") would be unbounded
            summary[(error.column, self._other)] += 1
        if self._writer is not None:
            self._writer.writerow(
                [error.line, escape_cell(error.column), escape_cell(error.reason)]
            )

    def replace(self, errors: list[RowError]) -> None:
        """The file was refused as a whole: its errors replace the rows' on the result (the
        stream keeps what was written and gets them too)."""
        result = self.result
        result.errors, result.error_count, result.error_summary = [], 0, Counter()
        for error in errors:
            self.add(error)


class RejectsWriter:
    """The rejects CSV: the file's own header and cells, then a "reason" column. Every cell is
    escaped against formula injection (:func:`kenesh.core.formulas.escape_cell`); the import
    undoes that, so a corrected rejects file imports as it is."""

    def __init__(self, stream: IO[str] | None, header: list[str]):
        self._writer = csv.writer(stream) if stream is not None else None
        if self._writer is not None:
            self._writer.writerow([*map(escape_cell, header), _("reason")])

    def write(self, cells: list[str], reasons: list[str]) -> None:
        if self._writer is not None:
            self._writer.writerow([*map(escape_cell, cells), escape_cell("; ".join(reasons))])


#: The word that marks the template's example row: its first cell reads "EXAMPLE 2024-001"
#: (translated into the language the template was downloaded in). Such a row is never imported,
#: so a template uploaded as it was downloaded, or with the official's rows added below the
#: example, writes only the official's rows.
EXAMPLE_MARK = gettext_noop("EXAMPLE")
EXAMPLE_LINES_KEPT = 10  # lines named in the message; the rest are counted
_MARK_END = re.compile(r"[\s:;,.()\[\]#№-]")


def example_marks() -> frozenset[str]:
    """The marker word in every language of the system, case-folded: a template downloaded in
    Russian is recognised when a Kyrgyz official uploads it."""
    marks = {EXAMPLE_MARK.casefold()}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            marks.add(_(EXAMPLE_MARK).casefold())
    return frozenset(marks)


def example_cell(text: str) -> str:
    """The first cell of the template's example row for a column whose example is ``text``."""
    return f"{_(EXAMPLE_MARK)} {text}".strip()


def is_example_cell(text: str, marks: frozenset[str]) -> bool:
    """Whether a first cell starts with the example mark ("EXAMPLE 2024-001", "пример")."""
    return _MARK_END.split(text.strip(), maxsplit=1)[0].casefold() in marks


def run_import(spec: ImportSpec, stream: IO[bytes], options: ImportOptions) -> ImportResult:
    """Validate and write a sheet; see the module docstring. Messages are in
    ``options.language``. Raises nothing for bad data: the result carries the errors."""
    with translation.override(options.language):
        result = ImportResult(updates_allowed=spec.allows_updates)
        keep = options.keep_errors if options.keep_errors is not None else _kept_errors()
        errors = ErrorReport(result, options.report, keep)
        try:
            reader = open_sheet(stream, options.limits)
        except ImportFileError as exc:
            errors.replace(exc.errors)
            return result
        try:
            _run(spec, reader, options, result, errors)
        except ImportFileError as exc:
            # The transaction was rolled back, whatever the mode: the file counts as a whole.
            errors.replace(exc.errors)
            result.written = False
            result.created = result.updated = result.unchanged = result.rejected = 0
        finally:
            reader.close()
        return result


def _kept_errors() -> int:
    return int(settings.IMPORT_REPORT_ERRORS)


def _run(
    spec: ImportSpec,
    reader: SheetReader,
    options: ImportOptions,
    result: ImportResult,
    errors: ErrorReport,
) -> None:
    if not reader.header:
        raise ImportFileError([RowError(1, "", _("The file is empty."))])
    located = resolve_columns(spec, reader.header, options.mapping)
    present = frozenset(column.key for _index, column in located)
    absent = {column.key: column.default for column in spec.columns if column.key not in present}
    plan: Plan = [
        (
            index,
            column.key,
            column.parse,
            column.required,
            column.default,
            {} if column.repeats else None,
        )
        for index, column in located
    ]
    plan, groups = _group_plan(plan)
    header_of = {column.key: reader.header[index] for index, column in located}
    key_at = {index: column.key for index, column in located}
    rejects = RejectsWriter(options.rejects if options.skip_invalid else None, reader.header)
    expected = reader.estimated_rows
    last_report = 0.0
    # Where the example mark is looked for: the cell of the sheet's first column (the template
    # puts it there), wherever the file has it; a cheap test of the first letter first.
    marks = example_marks()
    mark_index = next((index for index, column in located if column.key == spec.columns[0].key), 0)
    mark_initials = frozenset(mark[:1] for mark in marks) | frozenset(
        mark[:1].upper() for mark in marks
    )

    def report(done: int) -> None:
        nonlocal last_report
        if options.progress is None:
            return
        now = time.monotonic()
        if now - last_report >= PROGRESS_EVERY_S:
            last_report = now
            options.progress(done, max(expected, done))

    def reject(line: int, cells: list[str], problems: list[tuple[str, str]]) -> None:
        reasons = []
        for key, reason in problems:
            column = header_of.get(key, "")
            errors.add(RowError(line, column, reason))
            reasons.append(f"{column}: {reason}" if column else reason)
        rejects.write(cells, reasons)
        result.rejected += 1

    def flush(batch: list[ParsedRow], bad: list[tuple[int, list[str], list[tuple[str, str]]]]):
        outcome = _write_batch(spec, batch, present) if batch else BatchOutcome()
        if outcome.updated and not spec.allows_updates:
            raise ImproperlyConfigured(
                f"{type(spec).__name__} updated rows of a kind without updates"
            )
        result.created += outcome.created
        result.updated += outcome.updated
        result.unchanged += outcome.unchanged
        bad.extend((row.line, row.cells, [(key, reason)]) for row, key, reason in outcome.refused)
        for line, cells, problems in sorted(bad, key=lambda item: item[0]):
            reject(line, cells, problems)

    try:
        with transaction.atomic():
            batch: list[ParsedRow] = []
            bad: list[tuple[int, list[str], list[tuple[str, str]]]] = []
            for line, cells, unreadable in reader.rows():
                if (
                    len(cells) > mark_index
                    and cells[mark_index][:1] in mark_initials
                    and is_example_cell(cells[mark_index], marks)
                ):
                    result.example_rows += 1
                    if len(result.example_lines) < EXAMPLE_LINES_KEPT:
                        result.example_lines.append(line)
                    continue
                result.total_rows += 1
                values, problems = _parse_cells(cells, plan, absent, groups)
                if unreadable:  # cells the reader could not give as text (XLSX formulas)
                    problems = _with_unreadable(problems, unreadable, key_at)
                obj = None
                if not problems:
                    obj, refused = spec.build(values, present)
                    problems = list(refused.items())
                if problems or obj is None:
                    bad.append((line, cells, problems))
                else:
                    batch.append(ParsedRow(line, cells, obj))
                if len(batch) + len(bad) >= spec.batch_size:
                    flush(batch, bad)
                    batch, bad = [], []
                    report(result.total_rows)
            flush(batch, bad)
            if options.progress is not None:
                options.progress(result.total_rows, result.total_rows)
            if options.dry_run or (result.error_count and not options.skip_invalid):
                raise _RollBack
            result.written = result.created > 0 or result.updated > 0
    except _RollBack:
        result.written = False
    if not options.skip_invalid and result.error_count:
        # All-or-nothing: nothing was written, so nothing counts as created or updated.
        result.created = result.updated = 0


#: How often a batch is written again after a concurrent import stored some of its keys first.
#: Each attempt waits for the other import's transaction to end (the unique index makes it),
#: so a retry only fails again if a third import wrote another of the batch's keys meanwhile.
WRITE_ATTEMPTS = 5


def _is_deadlock(exc: OperationalError) -> bool:
    """Whether PostgreSQL broke a deadlock by failing this statement (SQLSTATE 40P01): two
    imports inserting the same keys in different orders each wait for the other's."""
    return getattr(exc.__cause__, "sqlstate", None) == "40P01"


def _write_batch(spec: ImportSpec, batch: list[ParsedRow], present: frozenset[str]) -> BatchOutcome:
    """``spec.write`` in a savepoint, written again if another transaction stored some of the
    batch's keys between the spec's look-up of existing keys and its insert.

    Two imports of the same file run side by side: both find the keys new, the first inserts,
    and the second's insert waits on the unique index until the first commits, then fails.
    The savepoint undoes the second's batch alone; written again, its look-up sees the rows
    now committed and reports them as already registered, as for a file imported twice in
    turn. Rows the batch meant to update or create are decided afresh each time. A deadlock
    between two imports (the same keys in different orders) is retried the same way.
    """
    for attempt in range(1, WRITE_ATTEMPTS):
        try:
            with transaction.atomic():
                return spec.write(batch, present)
        except (IntegrityError, OperationalError) as exc:
            if isinstance(exc, OperationalError) and not _is_deadlock(exc):
                raise
            logger.info(
                "import %s: a concurrent import stored keys of this batch first; writing it "
                "again (attempt %d)",
                spec.kind,
                attempt + 1,
            )
    with transaction.atomic():
        return spec.write(batch, present)


def _with_unreadable(
    problems: list[tuple[str, str]], unreadable: Sequence[tuple[int, str]], key_at: dict[int, str]
) -> list[tuple[str, str]]:
    """The row's problems with the reader's own for the cells it could not read (in columns
    the import reads), in place of what parsing their empty text said."""
    own = [(key_at[index], reason) for index, reason in unreadable if index in key_at]
    if not own:
        return problems
    keys = {key for key, _reason in own}
    return own + [(key, reason) for key, reason in problems if key not in keys]


MEMO_LIMIT = 4096  # remembered texts per column: bounded, whatever the file's size
_MISSING = object()

Plan = list[tuple[int, str, Parser, bool, Any, dict[str, Any] | None]]


@dataclass(frozen=True)
class ColumnGroup:
    """Optional columns that share a parser and a default (the 36 people counts of an
    incident). Their texts are looked up together in one memo of parsed values, at C speed
    (``map(memo.get, ...)``); a row with a text not seen before takes the members one by one,
    which parses, reports errors and teaches the memo."""

    cells_of: Callable[[list[str]], tuple[str, ...]]
    last_index: int
    keys: tuple[str, ...]
    memo: dict[str, Any]
    members: Plan


GROUP_MIN_COLUMNS = 8


def _group_plan(plan: Plan) -> tuple[Plan, list[ColumnGroup]]:
    """Split ``plan`` into single columns and :class:`ColumnGroup` s (see there)."""
    by_parser: dict[tuple[int, Any], Plan] = {}
    for entry in plan:
        _index, _key, parse, required, default, memo = entry
        if not required and memo is not None and isinstance(default, int | str):
            by_parser.setdefault((id(parse), default), []).append(entry)
    groups: list[ColumnGroup] = []
    grouped: set[str] = set()
    for (_parser, default), members in by_parser.items():
        if len(members) < GROUP_MIN_COLUMNS:
            continue
        groups.append(
            ColumnGroup(
                cells_of=operator.itemgetter(*(m[0] for m in members)),
                last_index=max(m[0] for m in members),
                keys=tuple(m[1] for m in members),
                memo={"": default},
                members=members,
            )
        )
        grouped.update(m[1] for m in members)
    return [entry for entry in plan if entry[1] not in grouped], groups


def _parse_cells(
    cells: list[str], plan: Plan, absent: dict[str, Any], groups: Sequence[ColumnGroup] = ()
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    # The innermost loop of every import (rows × columns): plain tuples, no attribute lookups.
    values: dict[str, Any] = dict(absent)
    problems: list[tuple[str, str]] = []
    width = len(cells)
    for group in groups:
        if width > group.last_index:
            texts = group.cells_of(cells)
            parsed = list(map(group.memo.get, texts))
            if None not in parsed:
                values.update(zip(group.keys, parsed, strict=True))
                continue
        values_of_group, group_problems = _parse_cells(cells, group.members, {})
        values.update(values_of_group)
        problems.extend(group_problems)
        if len(group.memo) < MEMO_LIMIT:
            for index, key, *_rest in group.members:
                text = cells[index] if index < width else ""
                if key in values_of_group and text not in group.memo:
                    group.memo[text] = values_of_group[key]
    for index, key, parse, required, default, memo in plan:
        text = cells[index] if index < width else ""
        if text:
            if memo is not None:
                value = memo.get(text, _MISSING)
                if value is not _MISSING:
                    values[key] = value
                    continue
            try:
                value = parse(text)
            except ValidationError as exc:
                problems.append((key, " ".join(str(m) for m in exc.messages)))
                continue
            values[key] = value
            if memo is not None and len(memo) < MEMO_LIMIT:
                memo[text] = value
        elif required:
            problems.append((key, _("This value is required.")))
        else:
            values[key] = default
    return values, problems


def validation_problems(exc: ValidationError, column_of_field: dict[str, str]) -> dict[str, str]:
    """A model's ``ValidationError`` as {column key: reason}, for :meth:`ImportSpec.build`."""
    problems: dict[str, str] = {}
    if hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            key = column_of_field.get(name, "")
            text = " ".join(str(m) for m in messages)
            problems[key] = f"{problems[key]} {text}".strip() if key in problems else text
    else:
        problems[""] = " ".join(str(m) for m in exc.messages)
    return problems


# ---------------------------------------------------------------------------------------------
# Writing many rows


class InstanceFactory:
    """New, unsaved instances of ``model`` from attribute values, without ``Model.__init__``.

    ``__init__`` walks every field with keyword handling and signals; for a model of 60 columns
    that is most of the cost of an import row. This fills ``__dict__`` from the field defaults
    and the given values (by attname: ``unit_id``, not ``unit``) as ``Model.from_db`` does;
    ``related`` caches foreign objects so ``clean()`` can read them without a query.
    """

    def __init__(self, model: type[models.Model]):
        from django.db.models.base import ModelState

        self.model = model
        self._state_class = ModelState
        self._defaults: dict[str, Any] = {}
        self._callable_defaults: list[tuple[str, Callable[[], Any]]] = []
        for f in model._meta.concrete_fields:
            if f.has_default() and callable(f.default):
                self._callable_defaults.append((f.attname, f.default))
            else:
                self._defaults[f.attname] = (
                    f.get_default()
                    if f.has_default()
                    else (None if f.null or f.primary_key or not f.empty_strings_allowed else "")
                )

    def __call__(
        self, values: dict[str, Any], related: dict[str, models.Model | None] | None = None
    ) -> Any:
        obj = self.model.__new__(self.model)
        state = self._state_class()
        state.adding = True
        state.db = None
        attributes = obj.__dict__
        attributes.update(self._defaults)
        for attname, default in self._callable_defaults:
            attributes[attname] = default()
        attributes.update(values)
        attributes["_state"] = state
        if related:
            cache = state.fields_cache
            for name, value in related.items():
                cache[name] = value
        return obj


_PLAIN_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateField",
        "DateTimeField",
        "FloatField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
        "TimeField",
    }
)


def bulk_insert(model: type[models.Model], objs: Sequence[models.Model]) -> int:
    """Insert new objects as fast as the database allows: COPY on PostgreSQL, ``bulk_create``
    elsewhere. Like ``bulk_create`` this skips ``save()``: callers derive what it would have.
    Primary keys are not set on the objects."""
    if not objs:
        return 0
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=500)
        return len(objs)
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for obj in objs:
                setattr(obj, f.attname, now)
    plain = all(f.get_internal_type() in _PLAIN_TYPES for f in fields)
    attnames = [f.attname for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(meta.db_table)
    # Binary COPY: the server parses no text; the types are the columns' own.
    types = [f.db_type(connection).split("(")[0] for f in fields]  # type: ignore[union-attr]
    sql = f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)"
    # The raw cursor's errors as Django's (a repeated key is IntegrityError, as bulk_create's).
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(sql) as copy,
    ):
        copy.set_types(types)
        if plain:
            row_of = operator.itemgetter(*attnames)  # the row's values in one C call
            for obj in objs:
                copy.write_row(row_of(obj.__dict__))
        else:
            for obj in objs:
                copy.write_row(
                    [
                        f.get_db_prep_save(getattr(obj, f.attname), connection)
                        if f.get_internal_type() not in _PLAIN_TYPES
                        else getattr(obj, f.attname)
                        for f in fields
                    ]
                )
    return len(objs)


# ---------------------------------------------------------------------------------------------
# Natural keys and updates


Key = tuple[Any, ...]


def _key_condition(model: type[models.Model], fields: Sequence[str]) -> models.Q | None:
    """The condition of a partial unique constraint on exactly ``fields``, if the model has
    one (the incident register's key leaves out blank references): a key only counts where
    the constraint holds, and repeating its condition lets PostgreSQL use its index."""
    wanted = {model._meta.get_field(name).name for name in fields}
    for constraint in model._meta.constraints:
        if (
            isinstance(constraint, models.UniqueConstraint)
            and set(constraint.fields) == wanted
            and constraint.condition is not None
        ):
            return constraint.condition
    return None


def existing_keys(
    model: type[models.Model], key_fields: Sequence[str], keys: Iterable[Key]
) -> dict[Key, Any]:
    """The primary keys of the records already stored under these natural keys.

    ``key_fields`` are field names or attnames (``("unit_id", "external_ref")``), ``keys``
    tuples of values in that order; the answer maps each key found to its record's primary key.
    A partial unique constraint on exactly these fields adds its condition.

    One query per batch on PostgreSQL: the keys travel as one array per field (``unnest``) and
    each is looked up by a subquery, one probe of the unique index per key, whatever the
    planner believes about a table the import's own transaction is filling (its statistics are
    stale there, and a join turns into a scan of the whole table per batch). Elsewhere (SQLite)
    the keys are grouped by their leading fields into ``IN`` lists, in chunks the database's
    parameter limit allows.
    """
    keys = list(dict.fromkeys(keys))
    if not keys:
        return {}
    meta = model._meta
    fields = [meta.get_field(name) for name in key_fields]
    attnames = [f.attname for f in fields]  # type: ignore[union-attr]
    condition = _key_condition(model, key_fields)
    if connection.vendor == "postgresql":
        return _existing_keys_postgresql(model, fields, keys, condition)
    manager = model._default_manager
    found: dict[Key, Any] = {}
    *leading, last = attnames
    by_leading: dict[Key, list[Any]] = {}
    for key in keys:
        by_leading.setdefault(tuple(key[:-1]), []).append(key[-1])
    limit = max((connection.features.max_query_params or 999) - 2 * len(leading) - 10, 100)
    groups: list[models.Q] = []
    params = 0

    def fetch(lookups: list[models.Q]) -> None:
        query = models.Q()
        for lookup in lookups:
            query |= lookup
        rows = manager.filter(query)
        if condition is not None:
            rows = rows.filter(condition)
        for values in rows.order_by().values_list(*attnames, "pk"):
            found[tuple(values[:-1])] = values[-1]

    for prefix, lasts in by_leading.items():
        for start in range(0, len(lasts), limit):
            chunk = lasts[start : start + limit]
            if params + len(chunk) + len(prefix) > limit and groups:
                fetch(groups)
                groups, params = [], 0
            groups.append(
                models.Q(**dict(zip(leading, prefix, strict=True)), **{f"{last}__in": chunk})
            )
            params += len(chunk) + len(prefix)
    if groups:
        fetch(groups)
    return found


def _existing_keys_postgresql(
    model: type[models.Model],
    fields: list[Any],
    keys: list[Key],
    condition: models.Q | None,
) -> dict[Key, Any]:
    import psycopg

    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk = quote(model._meta.pk.column)
    names = [f"k{i}" for i in range(len(fields))]
    arrays = ", ".join(
        f"%s::{f.cast_db_type(connection) or f.db_type(connection)}[]" for f in fields
    )
    match = " AND ".join(
        f"{table}.{quote(f.column)} = k.{name}" for f, name in zip(fields, names, strict=True)
    )
    extra, extra_params = "", list[Any]()
    if condition is not None:
        query = model._default_manager.filter(condition).query
        compiler = query.get_compiler(connection=connection)
        where, where_params = query.where.as_sql(compiler, connection)
        extra, extra_params = f" AND ({where})", list(where_params)
    sql = (
        f"SELECT {', '.join(names)}, id FROM ("  # noqa: S608 - quoted names, values as parameters
        f"SELECT {', '.join('k.' + n for n in names)}, ("
        f"SELECT {table}.{pk} FROM {table} WHERE {match}{extra} LIMIT 1) AS id "
        f"FROM unnest({arrays}) AS k({', '.join(names)})"
        ") AS found WHERE id IS NOT NULL"
    )
    columns = [[key[i] for key in keys] for i in range(len(fields))]
    connection.ensure_connection()
    # A server-side binding cursor: Django's client-side binding would quote a thousand keys
    # into the SQL text in Python, which costs more than the query.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, [*extra_params, *columns])  # the condition comes first in the text
        return {tuple(row[:-1]): row[-1] for row in cursor.fetchall()}


def differing_fields(before: models.Model, after: models.Model, fields: Iterable[str]) -> list[str]:
    """The fields (attnames) whose values differ between a stored record and a row's object;
    floats within 1e-9 count as equal (a coordinate read back from the database)."""
    changed = []
    for name in fields:
        old, new = getattr(before, name), getattr(after, name)
        if isinstance(old, float) and isinstance(new, float):
            if abs(old - new) > 1e-9:
                changed.append(name)
        elif old != new:
            changed.append(name)
    return changed


def write_updates(
    *,
    actor: User | AnonymousUser | None,
    model: type[models.Model],
    changes: Sequence[tuple[models.Model, dict[str, Any]]],
    fields: Sequence[str],
) -> int:
    """Save records an import changed and audit each: ``changes`` holds (the stored record with
    the row's values set on it, its :func:`kenesh.core.audit.snapshot` taken before), ``fields``
    the attnames the import may change. For kinds that allow updates only; runs in the import's
    transaction, so a dry run or an all-or-nothing failure rolls the audit back with the rows."""
    from kenesh.core.audit import audit_update

    if not changes:
        return 0
    records = [record for record, _before in changes]
    model._default_manager.bulk_update(records, list(fields), batch_size=500)
    user = actor if actor is not None and actor.is_authenticated else None
    for record, before in changes:
        audit_update(user, record, before)
    return len(records)


# ---------------------------------------------------------------------------------------------
# Templates


def template_rows(spec: ImportSpec) -> tuple[list[str], list[str]]:
    """The template's header and example row, escaped as every written cell is. The example's
    first cell carries the mark (:data:`EXAMPLE_MARK`, in the active language), so the row is
    never imported, whether the official deletes it, keeps it or types below it."""
    example = [column.example for column in spec.columns]
    if example:
        example[0] = example_cell(example[0])
    return (
        [escape_cell(column.header) for column in spec.columns],
        [escape_cell(text) for text in example],
    )


def write_template(spec: ImportSpec, fmt: str, stream: IO[bytes]) -> None:
    """An empty sheet for officials: the default headers and one example row, marked (see
    :func:`template_rows`; in XLSX also greyed and in italics)."""
    header, example = template_rows(spec)
    if fmt == "csv":
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow(header)
        writer.writerow(example)
        text.flush()
        text.detach()
        return
    if fmt != "xlsx":
        raise ValueError(fmt)
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(spec.kind or "import")
    sheet.freeze_panes = "A2"
    sheet.append(header)
    example_font = Font(italic=True, color="FF6C757D")
    cells = []
    for value in example:  # text cells: codes keep their leading zeros
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = example_font
        cells.append(cell)
    sheet.append(cells)
    book.save(stream)


# ---------------------------------------------------------------------------------------------
# Jobs: the background form of an import


def _progress_key(job_id: int) -> str:
    return f"kenesh:import-progress:{job_id}"


class JobProgress:
    """Writes a job's progress where the polling page can see it while the import's own
    transaction is still open: through a second connection on PostgreSQL. SQLite allows one
    writer, held by the import's transaction, so there progress goes to the cache (files in the
    data directory, or Redis), which :func:`job_progress_overlay` reads back."""

    def __init__(self, job_id: int, *, started_at: dt.datetime | None = None):
        self.job_id = job_id
        self.started_at = started_at.isoformat() if started_at else ""
        self._connection: Any = None
        self._sqlite = connection.vendor == "sqlite"
        if connection.vendor == "postgresql":
            wrapper = connections[DEFAULT_DB_ALIAS]
            self._connection = type(wrapper)(dict(wrapper.settings_dict), alias="import_progress")

    def __call__(self, done: int, expected: int) -> None:
        """Record progress, and with it the heartbeat :func:`import_jobs_sweep` looks for."""
        from django.core.cache import cache

        from kenesh.core.models import ImportJob

        now = timezone.now()
        if self._sqlite:
            cache.set(
                _progress_key(self.job_id),
                (self.started_at, done, expected, now.isoformat()),
                timeout=settings.IMPORT_JOB_TIMEOUT * 2,
            )
            return
        if self._connection is None:
            ImportJob.objects.filter(pk=self.job_id).update(
                processed_rows=done, total_rows=expected, heartbeat_at=now
            )
            return
        table = self._connection.ops.quote_name(ImportJob._meta.db_table)
        with self._connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET processed_rows = %s, total_rows = %s, heartbeat_at = %s "  # noqa: S608 - a quoted table name, values as parameters
                "WHERE id = %s",
                [done, expected, now, self.job_id],
            )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
        if self._sqlite:
            from django.core.cache import cache

            cache.delete(_progress_key(self.job_id))


def job_progress_overlay(job: ImportJob) -> ImportJob:
    """Show on ``job`` the progress its worker reported outside the database (SQLite: see
    :class:`JobProgress`), if it is still running. Progress of an earlier run of the same id
    (another database, a test) is told apart by the job's start time."""
    from django.core.cache import cache

    from kenesh.core.models import ImportStatus

    if job.status != ImportStatus.RUNNING or connection.vendor != "sqlite" or not job.started_at:
        return job
    reported = cache.get(_progress_key(job.pk))
    if reported and reported[0] == job.started_at.isoformat():
        job.processed_rows, job.total_rows = reported[1], reported[2]
        job.heartbeat_at = dt.datetime.fromisoformat(reported[3])
    return job


def import_job_create(
    *,
    actor: User | None,
    kind: str,
    filename: str,
    content: bytes,
    skip_invalid: bool = False,
    dry_run: bool = False,
    mapping: dict[str, str] | None = None,
    language: str = "ky",
    unit_path: str = "",
    target: int | None = None,
) -> ImportJob:
    """Store an uploaded file as a queued job (the caller enqueues it after commit).

    ``unit_path`` is the unit of the uploader's scope at upload (:func:`uploader_unit_path`):
    the job's report and rejects are visible to the uploader and to users with restricted
    access to the kind's resource there."""
    import hashlib

    from kenesh.core.models import ImportJob, ImportMode

    return ImportJob.objects.create(
        kind=kind,
        created_by=actor if actor is not None and actor.pk else None,
        filename=filename[:255],
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        mode=ImportMode.SKIP_INVALID if skip_invalid else ImportMode.ALL_OR_NOTHING,
        dry_run=dry_run,
        mapping=mapping or {},
        language=language,
        unit_path=unit_path,
        target=target,
    )


class GzipReport:
    """The report CSV of a job, gzipped as it is written (a garbage file's report repeats the
    same few reasons, and compresses twenty-fold or more) and spooled to disk past 8 MB."""

    def __init__(self) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 - closed in value()
        self._gzip = gzip.GzipFile(fileobj=self._file, mode="wb", mtime=0)
        self.text = io.TextIOWrapper(self._gzip, encoding="utf-8-sig", newline="")

    def value(self) -> bytes:
        self.text.flush()
        self.text.detach()
        self._gzip.close()
        self._file.seek(0)
        data = self._file.read()
        self._file.close()
        return data


def report_chunks(gzipped: bytes, size: int = 1 << 16) -> Iterator[bytes]:
    """A stored report as CSV bytes, inflated chunk by chunk (for a streaming download)."""
    with gzip.GzipFile(fileobj=io.BytesIO(gzipped), mode="rb") as stream:
        yield from iter(lambda: stream.read(size), b"")


def import_job_run(job: ImportJob, spec: ImportSpec) -> ImportJob:
    """Run a queued job: progress (with a heartbeat), the report and the rejects are written
    on the job; one audit entry summarises what it wrote (see docs/adr/0005-bulk-import.md).

    A job that is no longer queued is left alone: a message delivered twice, or a job the sweep
    already failed, does not run again."""
    from kenesh.core.models import ImportJob, ImportMode, ImportStatus

    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=now, heartbeat_at=now, updated_at=now
    )
    if not claimed:
        logger.warning("import job %s is not queued; not run again", job.pk)
        job.refresh_from_db(fields=["status", "message", "started_at", "finished_at"])
        return job
    job.status, job.started_at, job.heartbeat_at = ImportStatus.RUNNING, now, now
    progress = JobProgress(job.pk, started_at=now)
    rejects = io.StringIO()
    report = GzipReport()
    skip_invalid = job.mode == ImportMode.SKIP_INVALID
    options = ImportOptions(
        skip_invalid=skip_invalid,
        dry_run=job.dry_run,
        mapping=dict(job.mapping or {}),
        language=job.language,
        progress=progress,
        rejects=rejects,
        report=report.text,
    )
    try:
        result = run_import(spec, io.BytesIO(bytes(job.content)), options)
    except Exception:
        logger.exception("import job %s failed", job.pk)
        with translation.override(job.language):
            job.message = _("The import failed unexpectedly; nothing was written.")
        job.status = ImportStatus.FAILED
        job.finished_at = timezone.now()
        job.save(update_fields=["message", "status", "finished_at", "updated_at"])
        return job
    finally:
        progress.close()
        report_bytes = report.value()
    job_record_result(
        job,
        result,
        rejects=rejects.getvalue() if skip_invalid else "",
        report=report_bytes if result.error_count else b"",
    )
    return job


RESULT_FIELDS = [
    "sha256",  # the command line fills it in after creating its job
    "total_rows",
    "processed_rows",
    "created_count",
    "updated_count",
    "unchanged_count",
    "rejected_count",
    "errors",
    "error_count",
    "error_summary",
    "rejects",
    "report",
    "message",
    "status",
    "finished_at",
    "updated_at",
]


def job_record_result(
    job: ImportJob, result: ImportResult, *, rejects: str = "", report: bytes = b""
) -> None:
    """Store a finished import's counts, its capped report (the first errors and the counts per
    column and reason), the full report (gzipped CSV) and rejects on its job, and audit it.
    The uploaded file is not written again."""
    from kenesh.core.models import ImportStatus

    job.total_rows = result.total_rows
    job.processed_rows = result.total_rows
    job.created_count = result.created if result.written else 0
    job.updated_count = result.updated if result.written else 0
    job.unchanged_count = result.unchanged
    job.rejected_count = result.rejected
    job.errors = [list(error) for error in result.errors]
    job.error_count = result.error_count
    job.error_summary = result.summary_rows()
    job.rejects = rejects.encode("utf-8-sig") if rejects and result.rejected else None
    job.report = report or None
    with translation.override(job.language):
        job.message = result_message(result, dry_run=job.dry_run)
    # A file with no rows to import (only the header, or only the template's example) is
    # refused: nothing was written, and the message says why.
    nothing = not result.total_rows
    job.status = (
        ImportStatus.REJECTED
        if (result.error_count and not result.written) or nothing
        else ImportStatus.SUCCEEDED
    )
    if job.dry_run:
        job.status = (
            ImportStatus.REJECTED if result.error_count or nothing else ImportStatus.SUCCEEDED
        )
    job.finished_at = timezone.now()
    if job.pk is None:
        job.save()
    else:
        job.save(update_fields=RESULT_FIELDS)
    if result.written:
        audit_import(job)


def import_jobs_sweep(*, now: dt.datetime | None = None) -> int:
    """Mark as failed the jobs whose worker died: running without a heartbeat for
    ``IMPORT_JOB_TIMEOUT`` seconds, or still queued after ``IMPORT_QUEUE_TIMEOUT`` (no worker
    took them). Their transaction died with the worker, so nothing of them was written.
    Returns how many were marked. Run by Celery beat (``core.import_jobs_sweep``) and
    callable directly (a deployment without beat may call it from cron)."""
    from kenesh.core.models import ImportJob, ImportStatus

    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=settings.IMPORT_JOB_TIMEOUT)
    forgotten = now - dt.timedelta(seconds=settings.IMPORT_QUEUE_TIMEOUT)
    candidates = ImportJob.objects.filter(
        models.Q(status=ImportStatus.RUNNING)
        & (
            models.Q(heartbeat_at__lt=stale)
            | models.Q(heartbeat_at__isnull=True, started_at__lt=stale)
            | models.Q(heartbeat_at__isnull=True, started_at__isnull=True, updated_at__lt=stale)
        )
        | models.Q(status=ImportStatus.QUEUED, created_at__lt=forgotten)
    ).only("pk", "status", "language", "started_at", "heartbeat_at")
    marked = 0
    for job in candidates:
        recorded_heartbeat = job.heartbeat_at
        if (job_progress_overlay(job).heartbeat_at or stale) > stale:
            continue  # alive: it reports its progress to the cache (SQLite)
        with translation.override(job.language):
            if job.status == ImportStatus.RUNNING:
                message = _(
                    "The import stopped without finishing (its worker ended); nothing was "
                    "written. Upload the file again."
                )
            else:
                message = _(
                    "The import was never started (no worker took it); nothing was written. "
                    "Upload the file again."
                )
        # Only if nothing moved since it was read: a worker that beat meanwhile keeps its job.
        marked += ImportJob.objects.filter(
            pk=job.pk, status=job.status, heartbeat_at=recorded_heartbeat
        ).update(status=ImportStatus.FAILED, message=message, finished_at=now, updated_at=now)
    if marked:
        logger.warning("import jobs sweep: %d stale jobs marked failed", marked)
    return marked


def result_message(result: ImportResult, *, dry_run: bool) -> str:
    """What the job's page, the API and the command say about a finished import."""
    message = _counts_message(result, dry_run=dry_run)
    note = example_note(result)
    return f"{message} {note}" if note else message


def example_note(result: ImportResult) -> str:
    """The sentence about rows marked as the template's example, or ``""``."""
    if not result.example_rows:
        return ""
    lines = ", ".join(str(line) for line in result.example_lines)
    if result.example_rows > len(result.example_lines):
        lines += ", …"
    return ngettext(
        "Line %(lines)s is the template's example (its first cell starts with %(mark)s) and "
        "was not imported.",
        "Lines %(lines)s are marked as the template's example (their first cell starts with "
        "%(mark)s) and were not imported.",
        result.example_rows,
    ) % {"lines": lines, "mark": _(EXAMPLE_MARK)}


def _counts_message(result: ImportResult, *, dry_run: bool) -> str:
    counts = {
        "rows": result.total_rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "rejected": result.rejected,
    }
    has_errors = bool(result.error_count or result.errors)
    if has_errors and not result.rejected:
        # The file itself could not be read (format, encoding, columns, limits): no row counts.
        return _("The file cannot be imported: see the reason above. Nothing was written.")
    if not result.total_rows:
        if result.example_rows:
            return _(
                "The file holds no rows to import besides the template's example: nothing was "
                "written. Type your rows below the example or in its place."
            )
        return _("The file has no rows below its header: nothing was written.")
    if dry_run:
        if has_errors:
            return (
                _("Checked %(rows)d rows: %(rejected)d have errors. Nothing was written.") % counts
            )
        if result.updates_allowed:
            return (
                _(
                    "Checked %(rows)d rows: no errors; %(created)d would be created, %(updated)d "
                    "updated, %(unchanged)d are unchanged. Nothing was written (validation only)."
                )
                % counts
            )
        return (
            _(
                "Checked %(rows)d rows: no errors; %(created)d would be created, %(unchanged)d "
                "are already registered. Nothing was written (validation only)."
            )
            % counts
        )
    if (
        has_errors
        and not result.written
        and not (result.created or result.updated or result.unchanged)
    ):
        return _("Rows with errors: %(rejected)d; nothing was written.") % counts
    if result.updates_allowed:
        return (
            _(
                "%(created)d created, %(updated)d updated, %(unchanged)d unchanged, %(rejected)d "
                "rejected."
            )
            % counts
        )
    return (
        _("%(created)d created, %(unchanged)d already registered, %(rejected)d rejected.") % counts
    )


def audit_import(job: ImportJob) -> None:
    """One audit entry for the whole job: the rows it created carry ``import_job``."""
    from kenesh.core.models import AuditAction, AuditEntry

    actor = job.created_by
    AuditEntry.objects.create(
        actor=actor,
        actor_username=actor.get_username() if actor is not None else "",
        action=AuditAction.CREATE,
        app_label=job._meta.app_label,
        model=job._meta.model_name or "",
        object_id=str(job.pk),
        object_repr=str(job)[:200],
        unit_path=job.unit_path,
        changes={
            "kind": [None, job.kind],
            "filename": [None, job.filename],
            "sha256": [None, job.sha256],
            "mode": [None, job.mode],
            "rows": [None, job.total_rows],
            "created": [None, job.created_count],
            "updated": [None, job.updated_count],
            "unchanged": [None, job.unchanged_count],
            "rejected": [None, job.rejected_count],
        },
    )


# ---------------------------------------------------------------------------------------------
# Kinds: what each module imports


@dataclass(frozen=True)
class ImportKind:
    """One kind of sheet a module imports, declared in its ``module.py`` by dotted path
    (``Module.import_kinds``) and found by :func:`import_kinds`.

    ``key`` names it in addresses, the API's ``kind`` and ``kenesh import KIND FILE``;
    ``resource`` guards it: write access to import, restricted access to see other people's
    jobs in one's territory. ``build`` makes the spec: ``build(user=..., job=...)`` (``user``
    ``None`` for the trusted console operator). ``allows_updates``: whether a row whose natural
    key is registered with other values changes that record (audited) instead of being refused.
    """

    key: str
    label: str | Promise
    resource: Resource
    build: Callable[..., ImportSpec]
    allows_updates: bool = False
    title: str | Promise = ""  # the upload page's heading ("Import incidents")
    description: str | Promise = ""  # the upload page's introduction
    docs: str = "docs/import.md"  # where officials read about the sheet
    template_name: str = ""  # the template's file name without extension; default "<key>-template"
    # For a kind whose rows all go into one record (a survey's responses): checks the id an
    # upload names for the uploader, ``resolve_target(user, pk)``, and returns the record or
    # raises (Http404 outside their area, PermissionDenied without write access there,
    # ValidationError when it is missing). The job keeps the id (``ImportJob.target``); the
    # spec reads it from its ``job``. ``None``: the kind takes no target.
    resolve_target: Callable[..., Any] | None = None

    def spec(
        self, *, user: User | AnonymousUser | None = None, job: ImportJob | None = None
    ) -> ImportSpec:
        spec = self.build(user=user, job=job)
        spec.allows_updates = self.allows_updates
        return spec

    @property
    def template_filename(self) -> str:
        return self.template_name or f"{self.key}-template"


def import_kinds() -> dict[str, ImportKind]:
    """Every registered import kind by key, in the modules' order (``kenesh.core.modules``)."""
    from kenesh.core.modules import modules, resolve

    kinds: dict[str, ImportKind] = {}
    for module in modules():
        for dotted in module.import_kinds:
            kind = resolve(dotted)
            if not isinstance(kind, ImportKind):
                raise ImproperlyConfigured(f"{dotted} is not an ImportKind")
            if kind.key in kinds and kinds[kind.key] is not kind:
                raise ImproperlyConfigured(f"two import kinds are called {kind.key!r}")
            kinds[kind.key] = kind
    return kinds


def import_kind(key: str) -> ImportKind:
    """The registered kind called ``key``; ``LookupError`` when there is none."""
    try:
        return import_kinds()[key]
    except KeyError:
        raise LookupError(key) from None


def uploader_unit_path(user: User | AnonymousUser | None, resource: Resource) -> str:
    """The unit of the uploader's scope for ``resource``: the path of the one unit where they
    may write it, or the nearest unit above all of them when they hold several; ``""`` for
    nobody (the console operator)."""
    from kenesh.core.permissions import Action, role_allows
    from kenesh.core.scope import grants_of

    paths = sorted(
        {grant.path for grant in grants_of(user) if role_allows(grant.role, Action.WRITE, resource)}
    )
    if not paths:
        return ""
    common = paths[0].strip("/").split("/")
    for path in paths[1:]:
        parts = path.strip("/").split("/")
        length = 0
        while length < min(len(common), len(parts)) and common[length] == parts[length]:
            length += 1
        common = common[:length]
    return "/" + "".join(f"{code}/" for code in common if code)


def import_start(
    *,
    kind: ImportKind,
    actor: User,
    filename: str,
    content: bytes,
    skip_invalid: bool = False,
    dry_run: bool = False,
    mapping: dict[str, str] | None = None,
    language: str = "ky",
    enqueue: Callable[[int], object] | None = None,
    target: int | None = None,
) -> ImportJob:
    """Store an uploaded sheet of ``kind`` as a job carrying the unit of the uploader's scope,
    and run it in the background once the transaction commits (in-process when no broker is
    configured): the one way pages and the API start an import.

    ``target``: the record the rows go into, for a kind that takes one
    (:attr:`ImportKind.resolve_target`, which checks it for ``actor`` first)."""
    from kenesh.core.tasks import import_run

    if kind.resolve_target is not None:
        kind.resolve_target(actor, target)
    elif target is not None:
        raise ValidationError({"target": _("This kind of import takes no target.")})
    job = import_job_create(
        actor=actor,
        kind=kind.key,
        filename=filename,
        content=content,
        skip_invalid=skip_invalid,
        dry_run=dry_run,
        mapping=mapping,
        language=language,
        unit_path=uploader_unit_path(actor, kind.resource),
        target=target,
    )
    run = enqueue or import_run.delay
    transaction.on_commit(lambda: run(job.pk))
    return job


def import_job_execute(job_id: int) -> str:
    """Run the queued job ``job_id`` with its kind's spec; returns its final status.

    A web job always runs as its uploader; if that account is gone, as nobody (every row is
    then outside any territory), never as the console's trusted operator."""
    from django.contrib.auth.models import AnonymousUser

    from kenesh.core.models import ImportJob, ImportStatus

    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        kind = import_kind(job.kind)
    except LookupError:
        with translation.override(job.language):
            message = _("This kind of import is no longer available; nothing was written.")
        ImportJob.objects.filter(pk=job.pk, status=ImportStatus.QUEUED).update(
            status=ImportStatus.FAILED, message=message, finished_at=timezone.now()
        )
        return str(ImportStatus.FAILED)
    spec = kind.spec(user=job.created_by or AnonymousUser(), job=job)
    return str(import_job_run(job, spec).status)


def import_job_for(
    user: User | AnonymousUser | None, job_id: int, *, kind: ImportKind | None = None
) -> ImportJob:
    """A job as its page and API show it (the file, rejects and report left unread;
    ``has_rejects_file`` and ``has_report_file`` annotated).

    The uploader always sees their own job, whatever their roles are now. Anyone else: 404 when
    the job lies outside their area (or is of another kind than ``kind``), 403 when it lies in
    their area but they lack restricted access to its kind's resource there (ADR 0001: scope
    first, then the role).
    """
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from kenesh.core.models import ImportJob
    from kenesh.core.permissions import Action
    from kenesh.core.scope import require_at

    jobs = ImportJob.objects.defer("content", "rejects", "report").annotate(
        has_rejects_file=models.ExpressionWrapper(
            models.Q(rejects__isnull=False), output_field=models.BooleanField()
        ),
        has_report_file=models.ExpressionWrapper(
            models.Q(report__isnull=False), output_field=models.BooleanField()
        ),
    )
    if kind is not None:
        jobs = jobs.filter(kind=kind.key)
    uploader = user.pk if user is not None and user.is_authenticated else None
    reachable = jobs.in_scope(user)
    if uploader is not None:
        reachable = reachable | jobs.filter(created_by_id=uploader)
    job = reachable.filter(pk=job_id).first()
    if job is None:
        raise Http404
    if uploader is not None and job.created_by_id == uploader:
        return job_progress_overlay(job)
    try:
        resource = (kind or import_kind(job.kind)).resource
    except LookupError:
        raise PermissionDenied from None  # a kind no module registers any more
    require_at(user, Action.RESTRICTED, resource, job.unit_path)
    return job_progress_overlay(job)


def import_jobs_visible_to(
    user: User | AnonymousUser | None, kind: ImportKind
) -> ImportJobQuerySet:
    """The jobs of ``kind`` whose report and rejects ``user`` may see: their own, and those
    uploaded in a unit where they have restricted access to the kind's resource."""
    from kenesh.core.models import ImportJob
    from kenesh.core.permissions import Action

    jobs = ImportJob.objects.filter(kind=kind.key)
    if user is None or not user.is_authenticated:
        return jobs.none()
    return jobs.filter(created_by_id=user.pk) | jobs.where_allowed(
        user, Action.RESTRICTED, kind.resource
    )


__all__ = [
    "EXAMPLE_MARK",
    "BatchOutcome",
    "Column",
    "CsvReader",
    "ErrorReport",
    "ImportFileError",
    "ImportKind",
    "ImportOptions",
    "ImportResult",
    "ImportSpec",
    "ParsedRow",
    "RowError",
    "SheetLimits",
    "SheetReader",
    "XlsxReader",
    "bulk_insert",
    "differing_fields",
    "example_marks",
    "example_note",
    "existing_keys",
    "import_job_create",
    "import_job_execute",
    "import_job_for",
    "import_job_run",
    "import_jobs_sweep",
    "import_jobs_visible_to",
    "import_kind",
    "import_kinds",
    "import_start",
    "is_example_cell",
    "open_sheet",
    "report_chunks",
    "run_import",
    "uploader_unit_path",
    "write_template",
    "write_updates",
]
