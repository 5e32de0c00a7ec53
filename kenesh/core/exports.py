"""One export mechanism for every module: rows to CSV, HXL-tagged CSV, XLSX and GeoJSON.

A module declares an export once, as an :class:`ExportSpec`: its columns (key, translatable label,
HXL hashtag, value type) and, for maps, which keys hold a point's longitude and latitude. A
selector of the module hands the rows, already scoped to the user and already masked, as an
iterator of dicts; this module only writes them. Nothing here decides who sees what.

The formats, and why they look the way they do:

* **CSV** — UTF-8 with a byte-order mark (Excel opens it in the right encoding, Python's
  ``utf-8-sig`` and pandas read it alike), RFC 4180 quoting and ``CRLF`` line ends, ISO 8601 dates
  and date-times (local time with its offset), ``.`` as the decimal mark whatever the language, and
  the translated labels as header.
* **HXL** — the same CSV with a second row of hashtags under the header (Humanitarian Exchange
  Language 1.1, https://hxlstandard.org/standard/1-1final/): tools of the humanitarian sector
  find columns by hashtag whatever the labels' language.
* **XLSX** — a write-only openpyxl workbook with typed cells: numbers as numbers, dates and
  date-times as dates with an ISO display format, booleans as booleans, text as text.
* **GeoJSON** — a FeatureCollection (RFC 7946): WGS 84 longitude then latitude, rounded to six
  decimals (about 10 cm, as section 11.2 of the RFC suggests), no ``crs`` member; a row without
  a point, or with one outside the valid range, becomes a feature whose geometry is ``null``.
  Properties are keyed by column key, so scripts do not depend on the language.

Every text cell written to CSV, HXL or XLSX goes through :func:`kenesh.core.formulas.escape_cell`
(formula injection); numbers, dates and booleans are written from typed values and cannot start a
formula. CSV, HXL and GeoJSON are generators of byte chunks (for ``StreamingHttpResponse``): memory
stays flat however many rows the selector yields. XLSX cannot be streamed (a zip with a directory
at its end); it is written to a temporary file that the response then sends.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import decimal
import io
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.db import models
from django.http import Http404, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from kenesh.core.formulas import escape_cell
from kenesh.core.masking import mask, restricted_fields
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import allowed_anywhere, resource_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User

Row = Mapping[str, Any]

# Rows per chunk of a streamed answer: large enough that the WSGI server is not handed one
# small string per row, small enough that a chunk stays a few hundred kilobytes.
CHUNK_ROWS = 500

# Excel's limits (Microsoft, "Excel specifications and limits"): a sheet holds 1,048,576 rows,
# the header included, and a cell at most 32,767 characters.
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_CELL_TEXT = 32_767

# Characters XML 1.0 cannot carry (openpyxl refuses them): control characters other than tab,
# line feed and carriage return.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# HXL 1.1: a hashtag is "#" and a name, then any number of "+attribute"; lower case by convention.
_HASHTAG = re.compile(r"#[a-z][a-z0-9_]*(\+[a-z][a-z0-9_]*)*")
_KIND = re.compile(r"[a-z][a-z0-9_-]*")

COORDINATE_DECIMALS = 6


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    HXL = "hxl"
    GEOJSON = "geojson"

    @property
    def label(self) -> str:
        return str(_FORMAT_LABELS[self])

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES[self]

    @property
    def suffix(self) -> str:
        """The file name's ending: HXL is a CSV file, named so that it is recognised as one."""
        return _SUFFIXES[self]

    @property
    def streamed(self) -> bool:
        return self is not ExportFormat.XLSX


_FORMAT_LABELS = {
    ExportFormat.CSV: _("CSV (spreadsheets, scripts)"),
    ExportFormat.XLSX: _("Excel workbook (XLSX)"),
    ExportFormat.HXL: _("HXL-tagged CSV"),
    ExportFormat.GEOJSON: _("GeoJSON (maps)"),
}
_CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.HXL: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    # The media type RFC 7946 registers.
    ExportFormat.GEOJSON: "application/geo+json",
}
_SUFFIXES = {
    ExportFormat.CSV: ".csv",
    ExportFormat.HXL: "-hxl.csv",
    ExportFormat.XLSX: ".xlsx",
    ExportFormat.GEOJSON: ".geojson",
}


def unknown_format_message(text: str) -> str:
    return str(
        _("There is no export format “%(format)s”; use one of: %(formats)s.")
        % {"format": text[:40], "formats": ", ".join(fmt.value for fmt in ExportFormat)}
    )


def export_format_or_404(text: str) -> ExportFormat:
    """The format named in an address, or a 404 whose message lists the formats there are."""
    try:
        return ExportFormat(text)
    except ValueError:
        raise Http404(unknown_format_message(text)) from None


class ValueType(StrEnum):
    TEXT = "text"
    INT = "int"
    DECIMAL = "decimal"
    FLOAT = "float"
    DATE = "date"
    DATETIME = "datetime"
    BOOL = "bool"


@dataclass(frozen=True)
class ExportColumn:
    """One column: ``key`` in the row dicts, ``label`` for people, ``hxl`` for machines."""

    key: str
    label: str | Promise
    hxl: str
    type: ValueType = ValueType.TEXT

    def __post_init__(self) -> None:
        if not _HASHTAG.fullmatch(self.hxl):
            raise ValueError(f"{self.key}: {self.hxl!r} is not an HXL hashtag with attributes")


@dataclass(frozen=True)
class PointGeometry:
    """Which row keys hold a point's WGS 84 longitude and latitude (decimal degrees)."""

    lon: str
    lat: str


@dataclass(frozen=True)
class ExportSpec:
    """What one kind of export contains: its columns in order and, for GeoJSON, its point."""

    kind: str
    label: str | Promise
    columns: tuple[ExportColumn, ...]
    point: PointGeometry | None = None
    sheet_title: str = field(default="")

    def __post_init__(self) -> None:
        if not _KIND.fullmatch(self.kind):
            raise ValueError(f"{self.kind!r} is not an export kind (lower-case letters, digits, -)")
        keys = [column.key for column in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{self.kind}: column keys repeat")

    def without(self, keys: Collection[str]) -> ExportSpec:
        """The same export with the columns named in ``keys`` left out (restricted columns for
        a user who may not see them: the column is absent, not empty)."""
        return replace(self, columns=tuple(c for c in self.columns if c.key not in keys))

    def filename(self, fmt: ExportFormat, day: dt.date | None = None) -> str:
        day = day or timezone.localdate()
        return f"{self.kind}-{day.isoformat()}{fmt.suffix}"


class ExportTooLarge(Exception):
    """More rows than the format can hold (an Excel sheet); the message says what to use."""


# ---------------------------------------------------------------------------------------------
# Values


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _as_text(value: Any) -> str:
    return str(value)


def _as_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str | decimal.Decimal):
        raise TypeError(f"not an integer: {value!r}")
    return int(value)


def _as_decimal(value: Any) -> decimal.Decimal | float | None:
    if isinstance(value, bool):
        raise TypeError(f"not a number: {value!r}")
    if isinstance(value, float):
        return _finite(value)
    try:
        number = decimal.Decimal(value)
    except decimal.InvalidOperation:
        raise ValueError(f"not a decimal number: {value!r}") from None
    return number if number.is_finite() else None


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        raise TypeError(f"not a number: {value!r}")
    return _finite(float(value))


def _as_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"not a boolean: {value!r}")
    return value


Typer = Callable[[Any], Any]


def _typers(zone: dt.tzinfo) -> dict[ValueType, Typer]:
    """One function per value type, turning a selector's value into the column's type.

    Date-times are shown in ``zone`` (the request's time zone, read once per export: the
    streamed formats run after the view has returned).
    """

    def as_date(value: Any) -> dt.date:
        if isinstance(value, dt.datetime):
            return value.astimezone(zone).date() if timezone.is_aware(value) else value.date()
        if isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(str(value))

    def as_datetime(value: Any) -> dt.datetime:
        if not isinstance(value, dt.datetime):
            raise TypeError(f"not a date-time: {value!r}")
        return value.astimezone(zone) if timezone.is_aware(value) else value

    return {
        ValueType.TEXT: _as_text,
        ValueType.INT: _as_int,
        ValueType.DECIMAL: _as_decimal,
        ValueType.FLOAT: _as_float,
        ValueType.DATE: as_date,
        ValueType.DATETIME: as_datetime,
        ValueType.BOOL: _as_bool,
    }


def typed_value(value: Any, value_type: ValueType) -> Any:
    """``value`` as the column's type: what XLSX writes and GeoJSON serialises.

    A value that does not fit its column is a programming error of the selector, and says so
    (``ValueError``/``TypeError``): a text sneaking into a number column must not reach a
    spreadsheet unescaped. Empty values, not-a-number and infinity become ``None`` (no format
    carries the last two).
    """
    if value is None or value == "":
        return None
    return _typers(timezone.get_current_timezone())[value_type](value)


def _decimal_text(number: decimal.Decimal | float) -> str:
    if isinstance(number, float):
        return repr(number)
    # Fixed-point, never "1E+3": a spreadsheet or script reads it as the number it is.
    return format(number, "f")


_TEXT_OF: dict[ValueType, Callable[[Any], str]] = {
    ValueType.TEXT: escape_cell,
    ValueType.INT: str,
    ValueType.DECIMAL: _decimal_text,
    ValueType.FLOAT: _decimal_text,
    ValueType.DATE: dt.date.isoformat,
    ValueType.DATETIME: lambda value: value.isoformat(timespec="seconds"),
    ValueType.BOOL: lambda value: "true" if value else "false",
}


Formatter = tuple[str, type | None, Typer, Callable[[Any], Any]]

# Values of exactly these types are already what their column holds, and need no typing (the
# common case: a count from the database is an int). Floats are always typed: NaN is empty.
_ALREADY_TYPED: dict[ValueType, type | None] = {
    ValueType.TEXT: str,
    ValueType.INT: int,
    ValueType.DECIMAL: None,
    ValueType.FLOAT: None,
    ValueType.DATE: dt.date,
    ValueType.DATETIME: None,
    ValueType.BOOL: bool,
}


def _formatters(
    spec: ExportSpec, zone: dt.tzinfo, output: Mapping[ValueType, Callable[[Any], Any]]
) -> list[Formatter]:
    """Per column: its key, the type its values may already have, the function typing other
    values, and the one writing a typed value."""
    typers = _typers(zone)
    return [(c.key, _ALREADY_TYPED[c.type], typers[c.type], output[c.type]) for c in spec.columns]


def _row_values(row: Row, formatters: list[Formatter], empty: Any) -> list[Any]:
    cells = []
    for key, typed_as, typer, output in formatters:
        value = row.get(key)
        if value is None or value == "":
            cells.append(empty)
            continue
        typed = value if type(value) is typed_as else typer(value)
        cells.append(empty if typed is None else output(typed))
    return cells


def cell_text(value: Any, value_type: ValueType) -> str:
    """One CSV cell: ISO 8601 dates, '.' decimals, ``true``/``false``, text escaped."""
    typed = typed_value(value, value_type)
    return "" if typed is None else _TEXT_OF[value_type](typed)


def header_labels(spec: ExportSpec) -> list[str]:
    """The header row in the active language, escaped like any other text cell."""
    return [escape_cell(str(column.label)) for column in spec.columns]


def _batches(rows: Iterable[Row], size: int = CHUNK_ROWS) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# ---------------------------------------------------------------------------------------------
# Streamed formats


BYTE_ORDER_MARK = "\ufeff".encode()


def _csv_stream(spec: ExportSpec, rows: Iterable[Row], *, hashtags: bool) -> Iterator[bytes]:
    # Labels and the language are read now, while the request's language is active: the
    # generator runs later, when the server iterates the response.
    language = translation.get_language()
    head = [header_labels(spec)]
    if hashtags:
        head.append([column.hxl for column in spec.columns])
    formatters = _formatters(spec, timezone.get_current_timezone(), _TEXT_OF)

    def generate() -> Iterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerows(head)
        yield BYTE_ORDER_MARK + buffer.getvalue().encode()
        for batch in _batches(rows):
            buffer.seek(0)
            buffer.truncate()
            with translation.override(language):
                writer.writerows([_row_values(row, formatters, "") for row in batch])
            yield buffer.getvalue().encode()

    return generate()


def csv_stream(spec: ExportSpec, rows: Iterable[Row]) -> Iterator[bytes]:
    """The rows as CSV, in chunks of bytes; the first starts with the byte-order mark."""
    return _csv_stream(spec, rows, hashtags=False)


def hxl_stream(spec: ExportSpec, rows: Iterable[Row]) -> Iterator[bytes]:
    """The rows as HXL-tagged CSV: the CSV with the hashtag row right under the header."""
    return _csv_stream(spec, rows, hashtags=True)


def _identity(value: Any) -> Any:
    return value


_JSON_OF: dict[ValueType, Callable[[Any], Any]] = {
    ValueType.TEXT: _identity,
    ValueType.INT: _identity,
    ValueType.DECIMAL: float,
    ValueType.FLOAT: _identity,
    ValueType.DATE: dt.date.isoformat,
    ValueType.DATETIME: _TEXT_OF[ValueType.DATETIME],
    ValueType.BOOL: _identity,
}


def point_geometry(row: Row, point: PointGeometry | None) -> dict[str, Any] | None:
    """A GeoJSON Point for the row, or ``None`` when it has no valid WGS 84 coordinates."""
    if point is None:
        return None
    lon, lat = row.get(point.lon), row.get(point.lat)
    if lon is None or lat is None or lon == "" or lat == "":
        return None
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
        return None
    return {
        "type": "Point",
        "coordinates": [round(x, COORDINATE_DECIMALS), round(y, COORDINATE_DECIMALS)],
    }


def geojson_stream(spec: ExportSpec, rows: Iterable[Row]) -> Iterator[bytes]:
    """The rows as a GeoJSON FeatureCollection, one feature per row, in chunks of UTF-8."""
    language = translation.get_language()
    keys = [column.key for column in spec.columns]
    formatters = _formatters(spec, timezone.get_current_timezone(), _JSON_OF)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode

    def generate() -> Iterator[bytes]:
        yield b'{"type":"FeatureCollection","features":['
        first = True
        for batch in _batches(rows):
            with translation.override(language):
                features = [
                    dumps(
                        {
                            "type": "Feature",
                            "geometry": point_geometry(row, spec.point),
                            "properties": dict(
                                zip(keys, _row_values(row, formatters, None), strict=True)
                            ),
                        }
                    )
                    for row in batch
                ]
            chunk = ",".join(features)
            yield (chunk if first else "," + chunk).encode()
            first = False
        yield b"]}\n"

    return generate()


# ---------------------------------------------------------------------------------------------
# XLSX

_DATE_FORMAT = "yyyy-mm-dd"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def _xlsx_text(text: str) -> str:
    text = escape_cell(_XML_ILLEGAL.sub("", text))
    return text[:XLSX_MAX_CELL_TEXT]


def _xlsx_outputs(sheet: Any) -> dict[ValueType, Callable[[Any], Any]]:
    from openpyxl.cell import WriteOnlyCell

    def dated(number_format: str) -> Callable[[Any], Any]:
        def cell(value: dt.date) -> Any:
            if isinstance(value, dt.datetime):
                # Excel has no time zones: the local time, as the CSV shows it before its offset.
                value = value.replace(tzinfo=None)
            written = WriteOnlyCell(sheet, value=value)
            written.number_format = number_format
            return written

        return cell

    return {
        ValueType.TEXT: _xlsx_text,
        ValueType.INT: _identity,
        # Excel keeps doubles; a Decimal would be written as its own text ("1E+2").
        ValueType.DECIMAL: float,
        ValueType.FLOAT: _identity,
        ValueType.DATE: dated(_DATE_FORMAT),
        ValueType.DATETIME: dated(_DATETIME_FORMAT),
        ValueType.BOOL: _identity,
    }


def _sheet_title(spec: ExportSpec) -> str:
    # Excel: at most 31 characters and none of []:*?/\ in a sheet name.
    return re.sub(r"[\[\]:*?/\\]", "", spec.sheet_title or spec.kind)[:31] or "export"


def write_xlsx(spec: ExportSpec, rows: Iterable[Row], stream: IO[bytes]) -> int:
    """Write the rows as an XLSX workbook to ``stream``; returns how many rows it holds.

    openpyxl's write-only mode keeps one row in memory and spools the sheet to a temporary
    file. More rows than a sheet holds raise :class:`ExportTooLarge` before anything is saved.
    """
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_title(spec))
    sheet.freeze_panes = "A2"
    for index, column in enumerate(spec.columns, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = max(10, min(40, len(str(column.label)) + 2))
    sheet.append([_xlsx_text(str(column.label)) for column in spec.columns])
    formatters = _formatters(spec, timezone.get_current_timezone(), _xlsx_outputs(sheet))
    count = 0
    try:
        for row in rows:
            count += 1
            if count >= XLSX_MAX_ROWS:
                raise ExportTooLarge(
                    _(
                        "An Excel sheet holds at most %(rows)d rows; this export has more. "
                        "Narrow the filters or choose CSV."
                    )
                    % {"rows": XLSX_MAX_ROWS - 1}
                )
            sheet.append(_row_values(row, formatters, None))
    except BaseException:
        # Finish the sheet's spool file so that it is closed and deleted now, not when the
        # garbage collector finds the half-written workbook.
        with contextlib.suppress(Exception):
            sheet.close()
        raise
    book.save(stream)
    return count


# ---------------------------------------------------------------------------------------------
# Writing anywhere: files and HTTP answers

STREAMS: dict[ExportFormat, Callable[[ExportSpec, Iterable[Row]], Iterator[bytes]]] = {
    ExportFormat.CSV: csv_stream,
    ExportFormat.HXL: hxl_stream,
    ExportFormat.GEOJSON: geojson_stream,
}


class _CountedRows:
    """The rows, counted as the writer takes them (the count is what the file holds)."""

    def __init__(self, rows: Iterable[Row]):
        self._rows = iter(rows)
        self.count = 0

    def __iter__(self) -> Iterator[Row]:
        for row in self._rows:
            self.count += 1
            yield row


def write_export(
    spec: ExportSpec, fmt: ExportFormat, rows: Iterable[Row], stream: IO[bytes]
) -> int:
    """Write the rows in ``fmt`` to a binary stream (a file for the command line); returns the
    number of rows written."""
    if fmt is ExportFormat.XLSX:
        return write_xlsx(spec, rows, stream)
    counted = _CountedRows(rows)
    for chunk in STREAMS[fmt](spec, counted):
        stream.write(chunk)
    return counted.count


class SpooledFile:
    """A finished temporary file, sent in chunks and deleted when the answer is closed.

    Closed also when dropped without being closed (a client that never reads the answer), so
    no temporary file outlives its request.
    """

    CHUNK = 64 * 1024

    def __init__(self, spool: IO[bytes]):
        self._spool = spool

    def __iter__(self) -> Iterator[bytes]:
        self._spool.seek(0)
        while chunk := self._spool.read(self.CHUNK):
            yield chunk

    def close(self) -> None:
        self._spool.close()

    def __del__(self) -> None:
        self._spool.close()


def export_response(
    spec: ExportSpec,
    fmt: ExportFormat,
    rows: Iterable[Row],
    *,
    day: dt.date | None = None,
) -> StreamingHttpResponse:
    """The HTTP answer that downloads the rows: streamed for CSV, HXL and GeoJSON, a temporary
    file for XLSX, named ``<kind>-<date><suffix>``.

    The caller has already checked permission and scoped and masked the rows; it audits the
    export once this returns (:func:`export_download` does both). For XLSX the whole file is
    written before the answer starts, so an :class:`ExportTooLarge` reaches the caller (to
    answer 422) rather than a broken download.
    """
    filename = spec.filename(fmt, day)
    if fmt is ExportFormat.XLSX:
        # Deleted when closed: the answer closes it once sent (or on error, below).
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - the answer owns and closes it
        try:
            write_xlsx(spec, rows, spool)
        except BaseException:
            spool.close()
            raise
        size = spool.tell()
        response = StreamingHttpResponse(SpooledFile(spool), content_type=fmt.content_type)
        response["Content-Length"] = str(size)
    else:
        response = StreamingHttpResponse(STREAMS[fmt](spec, rows), content_type=fmt.content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    # Restricted exports must not sit in shared caches or proxies.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------------------------------------
# Export kinds: what the modules offer, found through the module registry


@dataclass(frozen=True)
class ExportSelection:
    """What a module's selector hands the writer for one user and one set of filters.

    ``spec`` holds the columns this user gets (restricted ones left out for a user who may see
    them nowhere: :func:`columns_for`); ``rows`` are lazy, already scoped and masked
    (:func:`masked_rows`); ``count`` is how many there are; ``filters`` (JSON-safe) and
    ``unit_path`` are what the audit log records.
    """

    spec: ExportSpec
    rows: Iterable[Row]
    count: int
    filters: Mapping[str, Any] = field(default_factory=dict)
    unit_path: str = ""


@dataclass(frozen=True)
class ExportKind:
    """An export a module offers, declared in its ``module.py`` (``Module.exports``).

    ``select`` is the dotted path of the module's selector
    ``select(*, user, params: Mapping[str, str]) -> ExportSelection``: it parses the filters
    from text (the command line's ``NAME=VALUE``; a bad one raises Django's
    ``ValidationError``), applies scope and masking, and never writes. ``user`` is ``None``
    for the operator of the command line without ``--user``, who is trusted with everything
    (as ``kenesh import`` trusts them). ``model`` (``app_label.model_name``) is where the audit
    log files the export; ``resource`` and ``action`` say who may export at all.
    """

    kind: str
    label: str | Promise
    resource: Resource
    model: str
    select: str
    action: Action = Action.READ
    filter_help: str | Promise = ""

    def selection(
        self, *, user: User | AnonymousUser | None, params: Mapping[str, str]
    ) -> ExportSelection:
        from django.utils.module_loading import import_string

        select: Callable[..., ExportSelection] = import_string(self.select)
        return select(user=user, params=params)


def export_kinds() -> dict[str, ExportKind]:
    """Every export kind the registered modules declare, by kind."""
    from kenesh.core.modules import modules, resolve

    kinds: dict[str, ExportKind] = {}
    for module in modules():
        for dotted in module.exports:
            kind: ExportKind = resolve(dotted)
            kinds[kind.kind] = kind
    return kinds


def columns_for(
    user: User | AnonymousUser | None, spec: ExportSpec, model: type[models.Model]
) -> ExportSpec:
    """``spec`` as ``user`` gets it: the model's restricted fields (``restricted_fields``, the
    ones restricted in every row) are absent, not empty, unless some role of the user may see
    them somewhere (police in their area). ``None``, the trusted operator, gets them all.

    Fields restricted row by row (``restricted_when``: an exact location in a sensitive
    category) stay as columns; :func:`masked_rows` empties them in the rows concerned.
    """
    if user is None or allowed_anywhere(user, Action.RESTRICTED, resource_of(model)):
        return spec
    return spec.without(restricted_fields(model))


def masked_rows(
    user: User | AnonymousUser | None,
    rows: Iterable[Row],
    *,
    model: type[models.Model],
    path_key: str,
) -> Iterator[Row]:
    """Each row as ``user`` may see it, masked by :func:`kenesh.core.masking.mask` from the
    model's declaration and the path of the unit the row lies in (``row[path_key]``).

    Rows must carry what the model's row rules read (:func:`kenesh.core.masking.fields_needed`).
    ``None``, the trusted operator of the command line, gets the rows as they are.
    """
    if user is None:
        yield from rows
        return
    for row in rows:
        yield mask(user, row, model=model, path=row[path_key])


class ExportChannel(StrEnum):
    """Where an export was asked for, as the audit log records it (pages link to the API)."""

    API = "api"
    COMMAND = "command"


def export_download(
    *,
    actor: User | None,
    kind: ExportKind,
    fmt: ExportFormat,
    selection: ExportSelection,
    channel: ExportChannel = ExportChannel.API,
) -> StreamingHttpResponse:
    """The download of ``selection`` in ``fmt``, audited: the answer of an export endpoint.

    The answer is made first (an XLSX is written whole, so one too large for a sheet is a 422
    and no audit entry), then the export is audited with the selection's row count; the
    streamed formats send their rows after this returns.
    """
    from ninja.errors import HttpError

    from kenesh.core.audit import audit_export

    try:
        response = export_response(selection.spec, fmt, selection.rows)
    except ExportTooLarge as exc:
        raise HttpError(422, str(exc)) from exc
    audit_export(
        actor,
        kind=kind.kind,
        fmt=fmt.value,
        model=kind.model,
        filters=selection.filters,
        rows=selection.count,
        columns=[column.key for column in selection.spec.columns],
        unit_path=selection.unit_path,
        channel=channel.value,
    )
    return response


def export_to_file(
    *,
    actor: User | None,
    kind: ExportKind,
    fmt: ExportFormat,
    selection: ExportSelection,
    path: Path,
) -> int:
    """Write ``selection`` in ``fmt`` to ``path`` and audit it; returns the rows written.

    The file is written beside ``path`` under a temporary name and renamed when complete, so
    a failure (an XLSX too large, a full disk) leaves no half-written file behind.
    """
    from kenesh.core.audit import audit_export

    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("wb") as stream:
            written = write_export(selection.spec, fmt, selection.rows, stream)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    audit_export(
        actor,
        kind=kind.kind,
        fmt=fmt.value,
        model=kind.model,
        filters=selection.filters,
        rows=written,
        columns=[column.key for column in selection.spec.columns],
        unit_path=selection.unit_path,
        channel=ExportChannel.COMMAND.value,
    )
    return written


__all__ = [
    "ExportChannel",
    "ExportColumn",
    "ExportFormat",
    "ExportKind",
    "ExportSelection",
    "ExportSpec",
    "ExportTooLarge",
    "PointGeometry",
    "ValueType",
    "cell_text",
    "columns_for",
    "csv_stream",
    "export_download",
    "export_format_or_404",
    "export_kinds",
    "export_response",
    "export_to_file",
    "geojson_stream",
    "hxl_stream",
    "masked_rows",
    "point_geometry",
    "typed_value",
    "unknown_format_message",
    "write_export",
    "write_xlsx",
]
