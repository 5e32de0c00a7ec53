"""The shared import pipeline: a CSV or XLSX sheet → validated rows → batched writes.

Every module that takes spreadsheets from officials (incidents now; animals and plate reads
later) describes its sheet as an :class:`ImportSpec` (columns with parsers, a row builder that
applies the model's own rules, a batch writer) and lets :func:`run_import` do the rest:

* the file is read as a stream (the csv module; openpyxl in read-only mode), so memory stays
  bounded whatever the number of rows; rows are handled in batches of ``spec.batch_size``;
* headers map to columns by a documented default, overridable per column (a saved
  :class:`~kenesh.core.models.ImportMapping`);
* every bad row is reported as (line, column, reason), the line as the official sees it in
  the sheet (the header is line 1), the reason in the importer's language;
* all-or-nothing by default, or skip-invalid with a rejects CSV (original columns + reason);
  a dry run validates only.

All-or-nothing and dry runs are one transaction that is rolled back at the end (see
docs/adr/0005-bulk-import.md): rows are written as they are validated, so the duplicate and
already-registered checks of later batches see the earlier ones through the database, not
through a set in memory, and a dry run runs exactly the code a real run does.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import logging
import operator
import re
import time
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from kenesh.accounts.models import User
    from kenesh.core.models import ImportJob

logger = logging.getLogger(__name__)

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
SNIFF_BYTES = 1 << 16
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


class RowError(NamedTuple):
    line: int  # as in the spreadsheet: the header is line 1
    column: str  # the header as it stands in the file; "" for the row as a whole
    reason: str


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
    created: int = 0
    unchanged: int = 0
    # (row, column key or "", reason): rows the database check refused (duplicates, conflicts)
    refused: list[tuple[ParsedRow, str, str]] = field(default_factory=list)


class ImportSpec(ABC):
    """What a module tells the pipeline about its sheet."""

    kind: str = ""
    columns: Sequence[Column] = ()
    batch_size: int = 1000

    @abstractmethod
    def build(self, values: dict[str, Any], present: frozenset[str]) -> tuple[Any, dict[str, str]]:
        """The object for one row of parsed ``values`` (every column key, defaults filled in;
        ``present`` the keys the file has a column for), or ``(None, {column key or "":
        reason})``. Single-row rules live here (the model's ``clean()``)."""

    @abstractmethod
    def write(self, rows: list[ParsedRow], present: frozenset[str]) -> BatchOutcome:
        """Check the batch against the database (duplicates, rows already there) and write the
        new ones."""


# ---------------------------------------------------------------------------------------------
# Reading sheets


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, a required column missing)."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(error.reason for error in errors))
        self.errors = errors


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value).strip()


class SheetReader:
    """The rows of a CSV or XLSX file: ``header``, ``estimated_rows`` and ``rows()`` yielding
    (line, cells) with cells as stripped text. Blank rows are skipped but keep their number."""

    header: list[str]
    estimated_rows: int

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        raise NotImplementedError

    def close(self) -> None:
        return None


class CsvReader(SheetReader):
    def __init__(self, stream: IO[bytes]):
        encoding, newlines = self._sniff(stream)
        self.estimated_rows = max(newlines - 1, 0)
        self._text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        try:
            first = self._text.readline()
            delimiter = max(";,\t", key=first.count) if first.strip() else ","
            self._reader = csv.reader(itertools.chain([first], self._text), delimiter=delimiter)
            self.header = [cell.strip() for cell in next(self._reader)]
        except StopIteration:
            self.header = []
        except (csv.Error, UnicodeDecodeError) as exc:
            self._text.detach()
            raise ImportFileError([RowError(1, "", _("The file is not a readable CSV."))]) from exc

    @staticmethod
    def _sniff(stream: IO[bytes]) -> tuple[str, int]:
        """UTF-8 (with or without BOM) when the whole file decodes as it, else Windows-1251
        (what Excel in Russian saves as "CSV"); and the number of newlines, for progress."""
        decoder = codecs.getincrementaldecoder("utf-8")()
        utf8, newlines = True, 0
        stream.seek(0)
        while chunk := stream.read(SNIFF_BYTES):
            newlines += chunk.count(b"\n")
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
        stream.seek(0)
        return ("utf-8-sig" if utf8 else "cp1251"), newlines

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        line = 1
        try:
            for cells in self._reader:
                line += 1
                stripped = list(map(str.strip, cells))
                if any(stripped):
                    yield line, stripped
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ImportFileError(
                [RowError(line + 1, "", _("The file is not a readable CSV."))]
            ) from exc

    def close(self) -> None:
        self._text.detach()


class XlsxReader(SheetReader):
    def __init__(self, stream: IO[bytes]):
        import openpyxl

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # openpyxl warns about styles it cannot read
                self._book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        except Exception as exc:  # a broken zip or workbook: many exception types
            raise ImportFileError([RowError(1, "", _("The file is not a readable XLSX."))]) from exc
        sheet = self._book.worksheets[0]
        self._rows = sheet.iter_rows(values_only=True)
        self.estimated_rows = max((sheet.max_row or 1) - 1, 0)
        try:
            self.header = [_cell_text(value) for value in next(self._rows)]
        except StopIteration:
            self.header = []

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        line = 1
        for values in self._rows:
            line += 1
            cells = [_cell_text(value) for value in values]
            if any(cells):
                yield line, cells

    def close(self) -> None:
        self._book.close()


def open_sheet(stream: IO[bytes]) -> SheetReader:
    """A reader for the file, recognised by its content (an XLSX is a zip), not its name."""
    start = stream.read(4)
    stream.seek(0)
    if start == XLSX_MAGIC:
        return XlsxReader(stream)
    if start == XLS_MAGIC:
        raise ImportFileError(
            [RowError(1, "", _("Old .xls files cannot be read: save the sheet as XLSX or CSV."))]
        )
    return CsvReader(stream)


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
        normal = " ".join(name.split()).lower()
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


@dataclass
class ImportResult:
    total_rows: int = 0
    created: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False  # whether anything was committed

    @property
    def ok(self) -> bool:
        return not self.errors


class _RollBack(Exception):
    pass


class RejectsWriter:
    """The rejects CSV: the file's own header and cells, then a "reason" column."""

    def __init__(self, stream: IO[str] | None, header: list[str]):
        self._writer = csv.writer(stream) if stream is not None else None
        if self._writer is not None:
            self._writer.writerow([*header, _("reason")])

    def write(self, cells: list[str], reasons: list[str]) -> None:
        if self._writer is not None:
            self._writer.writerow([*cells, "; ".join(reasons)])


def run_import(spec: ImportSpec, stream: IO[bytes], options: ImportOptions) -> ImportResult:
    """Validate and write a sheet; see the module docstring. Messages are in
    ``options.language``. Raises nothing for bad data: the result carries the errors."""
    with translation.override(options.language):
        result = ImportResult()
        try:
            reader = open_sheet(stream)
        except ImportFileError as exc:
            result.errors = exc.errors
            return result
        try:
            _run(spec, reader, options, result)
        except ImportFileError as exc:
            result.errors = [*result.errors, *exc.errors]
            result.written = False
            result.created = 0  # the transaction was rolled back, whatever the mode
        finally:
            reader.close()
        return result


def _run(
    spec: ImportSpec, reader: SheetReader, options: ImportOptions, result: ImportResult
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
    rejects = RejectsWriter(options.rejects if options.skip_invalid else None, reader.header)
    expected = reader.estimated_rows
    last_report = 0.0

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
            result.errors.append(RowError(line, column, reason))
            reasons.append(f"{column}: {reason}" if column else reason)
        rejects.write(cells, reasons)
        result.rejected += 1

    def flush(batch: list[ParsedRow], bad: list[tuple[int, list[str], list[tuple[str, str]]]]):
        outcome = spec.write(batch, present) if batch else BatchOutcome()
        result.created += outcome.created
        result.unchanged += outcome.unchanged
        bad.extend((row.line, row.cells, [(key, reason)]) for row, key, reason in outcome.refused)
        for line, cells, problems in sorted(bad, key=lambda item: item[0]):
            reject(line, cells, problems)

    try:
        with transaction.atomic():
            batch: list[ParsedRow] = []
            bad: list[tuple[int, list[str], list[tuple[str, str]]]] = []
            for line, cells in reader.rows():
                result.total_rows += 1
                values, problems = _parse_cells(cells, plan, absent, groups)
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
            if options.dry_run or (result.errors and not options.skip_invalid):
                raise _RollBack
            result.written = result.created > 0
    except _RollBack:
        result.written = False
    if not options.skip_invalid and result.errors:
        # All-or-nothing: nothing was written, so nothing counts as created.
        result.created = 0


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
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
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
# Templates


def template_rows(spec: ImportSpec) -> tuple[list[str], list[str]]:
    return [column.header for column in spec.columns], [column.example for column in spec.columns]


def write_template(spec: ImportSpec, fmt: str, stream: IO[bytes]) -> None:
    """An empty sheet for officials: the default headers and one example row."""
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

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(spec.kind or "import")
    sheet.append(header)
    sheet.append(example)  # text cells: codes keep their leading zeros
    book.save(stream)


# ---------------------------------------------------------------------------------------------
# Jobs: the background form of an import


class JobProgress:
    """Writes a job's progress where the polling page can see it while the import's own
    transaction is still open: through a second connection on PostgreSQL. SQLite allows one
    writer, so there progress is written on the import's connection (it shows at the end;
    the embedded installation runs jobs in the request anyway)."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self._connection: Any = None
        if connection.vendor == "postgresql":
            wrapper = connections[DEFAULT_DB_ALIAS]
            self._connection = type(wrapper)(dict(wrapper.settings_dict), alias="import_progress")

    def __call__(self, done: int, expected: int) -> None:
        from kenesh.core.models import ImportJob

        if self._connection is None:
            ImportJob.objects.filter(pk=self.job_id).update(
                processed_rows=done, total_rows=expected
            )
            return
        table = self._connection.ops.quote_name(ImportJob._meta.db_table)
        with self._connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET processed_rows = %s, total_rows = %s WHERE id = %s",  # noqa: S608 - a quoted table name, values as parameters
                [done, expected, self.job_id],
            )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


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
) -> ImportJob:
    """Store an uploaded file as a queued job (the caller enqueues it after commit)."""
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
    )


def import_job_run(job: ImportJob, spec: ImportSpec) -> ImportJob:
    """Run a queued job: progress and the report are written on the job; one audit entry
    summarises what it wrote (see docs/adr/0005-bulk-import.md)."""
    from kenesh.core.models import ImportMode, ImportStatus

    job.status = ImportStatus.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at", "updated_at"])
    progress = JobProgress(job.pk)
    rejects = io.StringIO()
    skip_invalid = job.mode == ImportMode.SKIP_INVALID
    options = ImportOptions(
        skip_invalid=skip_invalid,
        dry_run=job.dry_run,
        mapping=dict(job.mapping or {}),
        language=job.language,
        progress=progress,
        rejects=rejects,
    )
    try:
        result = run_import(spec, io.BytesIO(bytes(job.content)), options)
    except Exception:
        logger.exception("import job %s failed", job.pk)
        with translation.override(job.language):
            job.message = _("The import failed unexpectedly; nothing was written.")
        job.status = ImportStatus.FAILED
        job.finished_at = timezone.now()
        job.save()
        return job
    finally:
        progress.close()
    job_record_result(job, result, rejects=rejects.getvalue() if skip_invalid else "")
    return job


def job_record_result(job: ImportJob, result: ImportResult, *, rejects: str = "") -> None:
    """Store a finished import's counts, report and rejects on its job, and audit it."""
    from kenesh.core.models import ImportStatus

    job.total_rows = result.total_rows
    job.processed_rows = result.total_rows
    job.created_count = result.created if result.written else 0
    job.unchanged_count = result.unchanged
    job.rejected_count = result.rejected
    job.errors = [list(error) for error in result.errors]
    job.rejects = rejects.encode("utf-8-sig") if rejects and result.rejected else None
    with translation.override(job.language):
        job.message = result_message(result, dry_run=job.dry_run)
    job.status = (
        ImportStatus.REJECTED if result.errors and not result.written else ImportStatus.SUCCEEDED
    )
    if job.dry_run:
        job.status = ImportStatus.REJECTED if result.errors else ImportStatus.SUCCEEDED
    job.finished_at = timezone.now()
    job.save()
    if result.written:
        audit_import(job)


def result_message(result: ImportResult, *, dry_run: bool) -> str:
    counts = {
        "rows": result.total_rows,
        "created": result.created,
        "unchanged": result.unchanged,
        "rejected": result.rejected,
    }
    if dry_run:
        if result.errors and not result.rejected:
            return _("The file cannot be imported: see the reason above. Nothing was written.")
        if result.errors:
            return (
                _("Checked %(rows)d rows: %(rejected)d have errors. Nothing was written.") % counts
            )
        return (
            _(
                "Checked %(rows)d rows: no errors; %(created)d would be created, %(unchanged)d "
                "are already registered. Nothing was written (validation only)."
            )
            % counts
        )
    if result.errors and not result.rejected:
        # The file itself could not be read (format, encoding, columns): no row was checked.
        return _("The file cannot be imported: see the reason above. Nothing was written.")
    if result.errors and not result.written and not result.created and not result.unchanged:
        return _("Rows with errors: %(rejected)d; nothing was written.") % counts
    return (
        _("%(created)d created, %(unchanged)d already registered, %(rejected)d rejected.") % counts
    )


def audit_import(job: ImportJob) -> None:
    """One audit entry for the whole job: the rows it created carry ``import_job``."""
    from kenesh.accounts.models import AuditAction, AuditEntry

    actor = job.created_by
    AuditEntry.objects.create(
        actor=actor,
        actor_username=actor.get_username() if actor is not None else "",
        action=AuditAction.CREATE,
        app_label=job._meta.app_label,
        model=job._meta.model_name or "",
        object_id=str(job.pk),
        object_repr=str(job)[:200],
        unit_path="",
        changes={
            "kind": [None, job.kind],
            "filename": [None, job.filename],
            "sha256": [None, job.sha256],
            "mode": [None, job.mode],
            "rows": [None, job.total_rows],
            "created": [None, job.created_count],
            "unchanged": [None, job.unchanged_count],
            "rejected": [None, job.rejected_count],
        },
    )


__all__ = [
    "BatchOutcome",
    "Column",
    "ImportFileError",
    "ImportOptions",
    "ImportResult",
    "ImportSpec",
    "ParsedRow",
    "RowError",
    "bulk_insert",
    "import_job_create",
    "import_job_run",
    "open_sheet",
    "run_import",
    "write_template",
]
