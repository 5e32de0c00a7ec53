"""Reading the sheets officials upload (CSV and XLSX) under limits that hold against hostile files.

A reader gives the header and then ``(line, cells, problems)`` for every non-blank row: the line
as the spreadsheet shows it (the header is line 1), the cells as stripped text, and the cells
that could not be read as text (an XLSX formula without a computed value, a spreadsheet error)
as ``(cell index, reason)``.

What a reader refuses, as a whole and before memory fills (:class:`SheetLimits`, set in
``config/settings.py`` and documented in docs/import.md, "Limits"):

* more rows or cells than the limits allow, counted as the file is read;
* a CSV line longer than :data:`MAX_CSV_LINE_BYTES` (a line of millions of empty fields);
* an XLSX that unpacks to more than the limit, counted from the zip's declared sizes before
  anything is read and from the bytes actually inflated while reading; a member packed tighter
  than the inflate ratio allows (a zip bomb: 84 KB inflating to two million shared strings);
  more shared strings than the limit, or more than :data:`MAX_SHARED_TEXT` characters of them
  (the one part held in memory); a DOCTYPE (entity expansion) in any of its XML parts.

The XLSX reader is a streaming reader of its own (expat) rather than openpyxl's read-only mode:
openpyxl trusts the ``<dimension>`` a file declares and pads every row to it (a declared
``A1:XFD1048576`` makes each row 16,384 cells), fills missing rows up to the last one, keeps a
tree node per row and loads the shared strings without a bound. Here rows are read by their real
cells, cut to the header's width, one at a time. The limits follow Apache POI's ``ZipSecureFile``
(a minimum inflate ratio of 1 %, an entry size limit, counting what is actually inflated).
Cell values are read as a spreadsheet shows them: formulas by their cached value
(``data_only``), numbers in date formats as dates, through openpyxl's own format and epoch rules.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import posixpath
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, NamedTuple, Self

from django.conf import settings
from django.utils.translation import gettext as _

from kenesh.core.formulas import ESCAPE, unescape_cell

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
SNIFF_BYTES = 1 << 16
XML_CHUNK = 1 << 16

# A CSV line (between line breaks) longer than this is refused before the csv module splits it:
# a 50 MB line of commas would otherwise become a list of fifty million fields. A legitimate
# row of 53 columns with a 10,000-character narrative is under 50 KB.
MAX_CSV_LINE_BYTES = 4 << 20
# A workbook has tens of parts; the zip's central directory is read whole by zipfile.
MAX_ZIP_MEMBERS = 10_000
# Below this size a part's inflate ratio is not checked (small XML compresses very well).
RATIO_GRACE_BYTES = 1 << 20
# The shared strings are the one part held in memory whole: their text is capped too.
MAX_SHARED_TEXT = 256 << 20  # characters
MAX_XLSX_ROW = 1_048_576  # Excel's last row
MAX_XLSX_COLUMN = 16_384  # XFD

Problems = tuple[tuple[int, str], ...]
SheetRow = tuple[int, list[str], Problems]


class RowError(NamedTuple):
    line: int  # as in the spreadsheet: the header is line 1
    column: str  # the header as it stands in the file; "" for the row as a whole
    reason: str


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, over a limit, a column missing)."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(error.reason for error in errors))
        self.errors = errors


@dataclass(frozen=True)
class SheetLimits:
    """The most a file may hold; see the module docstring and docs/import.md, "Limits"."""

    max_rows: int = 1_000_000
    max_cells: int = 20_000_000
    max_unzipped_bytes: int = 1 << 30
    max_inflate_ratio: int = 100
    max_shared_strings: int = 1_000_000

    @classmethod
    def from_settings(cls) -> SheetLimits:
        return cls(
            max_rows=settings.IMPORT_MAX_ROWS,
            max_cells=settings.IMPORT_MAX_CELLS,
            max_unzipped_bytes=settings.IMPORT_MAX_UNZIPPED_MB << 20,
            max_inflate_ratio=settings.IMPORT_MAX_INFLATE_RATIO,
            max_shared_strings=settings.IMPORT_MAX_SHARED_STRINGS,
        )


def _grouped(number: int) -> str:
    """A limit as the reader's language writes large numbers (kenesh.core.formats)."""
    from kenesh.core.formats import format_number

    return format_number(number)


def _too_many_rows(line: int, limits: SheetLimits) -> ImportFileError:
    return ImportFileError(
        [
            RowError(
                line,
                "",
                _(
                    "The file has more than %(max)s rows, the most one import takes; "
                    "split it into smaller files. Nothing was written."
                )
                % {"max": _grouped(limits.max_rows)},
            )
        ]
    )


def _too_many_cells(line: int, limits: SheetLimits) -> ImportFileError:
    return ImportFileError(
        [
            RowError(
                line,
                "",
                _(
                    "The file has more than %(max)s cells, the most one import takes; "
                    "split it into smaller files. Nothing was written."
                )
                % {"max": _grouped(limits.max_cells)},
            )
        ]
    )


def _unreadable_xlsx(line: int = 1) -> ImportFileError:
    return ImportFileError([RowError(line, "", _("The file is not a readable XLSX."))])


def cell_text(value: Any) -> str:
    """A typed spreadsheet value as the text an import parses (dates in ISO form)."""
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
    ``(line, cells, problems)`` with cells as stripped text. Blank rows are skipped but keep
    their number. Cells that escape a formula (``'=...``, ``'+996...``) are read unescaped."""

    header: list[str]
    estimated_rows: int

    def rows(self) -> Iterator[SheetRow]:
        raise NotImplementedError

    def close(self) -> None:
        return None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


# ---------------------------------------------------------------------------------------------
# CSV


class CsvReader(SheetReader):
    def __init__(self, stream: IO[bytes], limits: SheetLimits | None = None):
        self.limits = limits or SheetLimits.from_settings()
        encoding, newlines = self._sniff(stream)
        self.estimated_rows = max(newlines - 1, 0)
        self._text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        try:
            first = self._text.readline()
            delimiter = max(";,\t", key=first.count) if first.strip() else ","
            self._reader = csv.reader(itertools.chain([first], self._text), delimiter=delimiter)
            self.header = _unescaped([cell.strip() for cell in next(self._reader)])
        except StopIteration:
            self.header = []
        except (csv.Error, UnicodeDecodeError) as exc:
            self._text.detach()
            raise ImportFileError([RowError(1, "", _("The file is not a readable CSV."))]) from exc
        self._cells = len(self.header)

    @staticmethod
    def _sniff(stream: IO[bytes]) -> tuple[str, int]:
        """UTF-8 (with or without BOM) when the whole file decodes as it, else Windows-1251
        (what Excel in Russian saves as "CSV"); and the number of newlines, for progress.
        A line longer than :data:`MAX_CSV_LINE_BYTES` refuses the file."""
        decoder = codecs.getincrementaldecoder("utf-8")()
        utf8, newlines, run, longest = True, 0, 0, 0
        stream.seek(0)
        while chunk := stream.read(SNIFF_BYTES):
            newlines += chunk.count(b"\n")
            # The longest stretch without a line break, carried across chunks (at C speed).
            pieces = chunk.replace(b"\r", b"\n").split(b"\n")
            if len(pieces) == 1:
                run += len(chunk)
            else:
                longest = max(longest, run + len(pieces[0]), *map(len, pieces[1:-1]))
                run = len(pieces[-1])
            if max(longest, run) > MAX_CSV_LINE_BYTES:
                stream.seek(0)
                raise ImportFileError(
                    [
                        RowError(
                            1,
                            "",
                            _(
                                "A line of the file is longer than %(max)d MB: the file is not "
                                "a readable CSV. Nothing was written."
                            )
                            % {"max": MAX_CSV_LINE_BYTES >> 20},
                        )
                    ]
                )
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

    def rows(self) -> Iterator[SheetRow]:
        line = 1
        last_line = self.limits.max_rows + 1
        max_cells = self.limits.max_cells
        cells_read = self._cells
        try:
            for cells in self._reader:
                line += 1
                if line > last_line:
                    raise _too_many_rows(line, self.limits)
                cells_read += len(cells)
                if cells_read > max_cells:
                    raise _too_many_cells(line, self.limits)
                stripped = list(map(str.strip, cells))
                if any(stripped):
                    # Only a row with a cell starting with the escape pays for unescaping.
                    if ("\x00" + "\x00".join(stripped)).find("\x00" + ESCAPE) >= 0:
                        stripped = _unescaped(stripped)
                    yield line, stripped, ()
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ImportFileError(
                [RowError(line + 1, "", _("The file is not a readable CSV."))]
            ) from exc

    def close(self) -> None:
        self._text.detach()


def _unescaped(cells: list[str]) -> list[str]:
    return [unescape_cell(cell) for cell in cells]


# ---------------------------------------------------------------------------------------------
# XLSX: the zip under a budget


class _Refused(Exception):
    """Raised inside expat handlers; turned into an :class:`ImportFileError` outside."""

    def __init__(self, error: ImportFileError):
        super().__init__(str(error))
        self.error = error


class _UnzipBudget:
    """What may still be inflated from the workbook, across all its parts."""

    def __init__(self, limits: SheetLimits):
        self.limits = limits
        self.left = limits.max_unzipped_bytes

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise _too_large(self.limits)


def _too_large(limits: SheetLimits) -> ImportFileError:
    return ImportFileError(
        [
            RowError(
                1,
                "",
                _(
                    "The file unpacks to more than %(max)s MB, the most one import takes; split "
                    "it into smaller files. Nothing was written."
                )
                % {"max": _grouped(limits.max_unzipped_bytes >> 20)},
            )
        ]
    )


def _too_tight(info: zipfile.ZipInfo, size: int, limits: SheetLimits) -> ImportFileError:
    ratio = size // max(info.compress_size, 1)
    return ImportFileError(
        [
            RowError(
                1,
                "",
                _(
                    "The file is packed more tightly than a spreadsheet can be (%(name)s "
                    "unpacks over %(ratio)d times larger, the limit is %(max)d): it is refused as "
                    "a possible zip bomb. Nothing was written."
                )
                % {"name": info.filename[:100], "ratio": ratio, "max": limits.max_inflate_ratio},
            )
        ]
    )


def _central_directory_fits(stream: IO[bytes]) -> bool:
    """Whether the zip's end record announces a central directory of a sane size.

    ``zipfile`` reads the whole central directory into objects when it opens a file; a small
    upload can announce a million members. The end record (APPNOTE 4.3.16) sits in the last
    65,557 bytes."""
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    tail_size = min(size, 65_557)
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    stream.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return True  # not a zip (or zip64 only): zipfile says so or checks itself below
    entries, directory_size = struct.unpack("<HI", tail[at + 10 : at + 16])
    if entries == 0xFFFF or directory_size == 0xFFFFFFFF:
        return True  # zip64: counted after opening
    return entries <= MAX_ZIP_MEMBERS and directory_size <= MAX_ZIP_MEMBERS * 1024


class _BudgetedPart(io.RawIOBase):
    """A zip member that counts what it actually inflates: against the workbook's budget, and
    against the inflate ratio over its compressed size.

    Python's ``zipfile`` cuts a member at its declared size (whose CRC then fails), so the
    declared sizes checked on opening bound what is inflated; counting here keeps both limits
    whatever reads the zip, at the cost of an addition per 64 KB."""

    def __init__(self, member: IO[bytes], info: zipfile.ZipInfo, budget: _UnzipBudget):
        self._member = member
        self._info = info
        self._budget = budget
        self._allowed = max(
            RATIO_GRACE_BYTES, budget.limits.max_inflate_ratio * max(info.compress_size, 1)
        )
        self._read = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._member.read(size if size is not None and size >= 0 else XML_CHUNK)
        self._budget.spend(len(data))
        self._read += len(data)
        if self._read > self._allowed:
            raise _too_tight(self._info, self._read, self._budget.limits)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._member.close()
        super().close()


class _Workbook:
    """The parts of an XLSX package the import reads, opened under the limits."""

    def __init__(self, stream: IO[bytes], limits: SheetLimits):
        self.limits = limits
        self.budget = _UnzipBudget(limits)
        if not _central_directory_fits(stream):
            raise _unreadable_xlsx()
        try:
            self.zip = zipfile.ZipFile(stream)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise _unreadable_xlsx() from exc
        infos = self.zip.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise _unreadable_xlsx()
        self.members = {info.filename: info for info in infos}
        # Declared sizes first: a bomb is refused before a byte of it is inflated.
        if sum(info.file_size for info in infos) > limits.max_unzipped_bytes:
            raise _too_large(limits)
        for info in infos:
            if info.file_size > RATIO_GRACE_BYTES and (
                info.file_size > limits.max_inflate_ratio * max(info.compress_size, 1)
            ):
                raise _too_tight(info, info.file_size, limits)

    def open(self, name: str) -> IO[bytes]:
        info = self.members.get(name)
        if info is None:
            raise _unreadable_xlsx()
        try:
            member = self.zip.open(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as exc:
            raise _unreadable_xlsx() from exc
        return io.BufferedReader(_BudgetedPart(member, info, self.budget), XML_CHUNK)

    def close(self) -> None:
        self.zip.close()


# ---------------------------------------------------------------------------------------------
# XLSX: XML parts


def _local(name: str) -> str:
    return name.rpartition("}")[2]


def _refuse_dtd(*_args: Any) -> None:
    # XLSX parts never declare a DOCTYPE; one here can only be entity expansion.
    raise _Refused(_unreadable_xlsx())


def _new_parser() -> Any:
    import pyexpat

    parser = pyexpat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.buffer_size = XML_CHUNK
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    return parser


def _feed(parser: Any, part: IO[bytes]) -> Iterator[None]:
    """Feed ``part`` to ``parser`` chunk by chunk, yielding after each chunk."""
    import pyexpat

    try:
        while chunk := part.read(XML_CHUNK):
            parser.Parse(chunk, False)
            yield
        parser.Parse(b"", True)
        yield
    except _Refused as refused:
        raise refused.error from None
    except (pyexpat.ExpatError, zipfile.BadZipFile, EOFError, OSError) as exc:
        raise _unreadable_xlsx() from exc
    finally:
        part.close()


def _elements(workbook: _Workbook, name: str) -> list[tuple[str, dict[str, str]]]:
    """The start tags of a small part (relationships, workbook, styles): (local name, attrs)."""
    found: list[tuple[str, dict[str, str]]] = []
    parser = _new_parser()
    parser.StartElementHandler = lambda tag, attrs: found.append((_local(tag), attrs))
    for _chunk in _feed(parser, workbook.open(name)):
        if len(found) > 1_000_000:  # styles of a real workbook have a few thousand
            raise _unreadable_xlsx()
    return found


def _attr(attrs: dict[str, str], local: str) -> str | None:
    """An attribute by its local name, whatever its namespace (transitional or strict)."""
    if local in attrs:
        return attrs[local]
    for key, value in attrs.items():
        if _local(key) == local:
            return value
    return None


def _relationships(workbook: _Workbook, part: str) -> dict[str, tuple[str, str]]:
    """{relationship id: (type's last word, target part)} of ``part``."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", f"{name}.rels")
    if rels not in workbook.members:
        return {}
    result: dict[str, tuple[str, str]] = {}
    for tag, attrs in _elements(workbook, rels):
        if tag != "Relationship" or attrs.get("TargetMode") == "External":
            continue
        target = attrs.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        result[attrs.get("Id", "")] = (
            attrs.get("Type", "").rpartition("/")[2],
            posixpath.normpath(path),
        )
    return result


def _date_styles(workbook: _Workbook, part: str | None) -> tuple[frozenset[int], frozenset[int]]:
    """The cell style indices whose number format shows a date, and those showing a duration
    (openpyxl's rules: ``is_date_format``, ``is_timedelta_format``)."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    if part is None or part not in workbook.members:
        return frozenset(), frozenset()
    custom: dict[int, str] = {}
    formats: list[int] = []
    in_cell_xfs = False
    for tag, attrs in _elements(workbook, part):
        if tag == "numFmt":
            try:
                custom[int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "")
            except ValueError:
                continue
        elif tag == "cellXfs":
            in_cell_xfs = True
        elif tag in ("cellStyleXfs", "dxfs", "cellStyles"):
            in_cell_xfs = False
        elif tag == "xf" and in_cell_xfs:
            try:
                formats.append(int(attrs.get("numFmtId", "0")))
            except ValueError:
                formats.append(0)
    dates, durations = set(), set()
    for index, format_id in enumerate(formats):
        code = custom.get(format_id) or BUILTIN_FORMATS.get(format_id, "General")
        if is_date_format(code):
            dates.add(index)
        if is_timedelta_format(code):
            durations.add(index)
    return frozenset(dates), frozenset(durations)


def _shared_strings(workbook: _Workbook, part: str | None) -> list[str]:
    """The shared string table, refused past ``max_shared_strings`` as it is read."""
    if part is None or part not in workbook.members:
        return []
    limit = workbook.limits.max_shared_strings
    strings: list[str] = []
    texts: list[str] = []
    depth = {"t": 0, "rPh": 0}
    kept = [0]  # characters held

    def start(tag: str, _attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "si":
            texts.clear()
        elif local in depth:
            depth[local] += 1

    def end(tag: str) -> None:
        local = _local(tag)
        if local == "si":
            strings.append("".join(texts))
            kept[0] += len(strings[-1])
            if len(strings) > limit or kept[0] > MAX_SHARED_TEXT:
                raise _Refused(
                    ImportFileError(
                        [
                            RowError(
                                1,
                                "",
                                _(
                                    "The file holds more different texts than one import takes "
                                    "(at most %(max)s, of %(chars)s million characters "
                                    "together); split it into smaller files. Nothing was "
                                    "written."
                                )
                                % {
                                    "max": _grouped(limit),
                                    "chars": _grouped(MAX_SHARED_TEXT // 1_000_000),
                                },
                            )
                        ]
                    )
                )
        elif local in depth:
            depth[local] -= 1

    def text(data: str) -> None:
        if depth["t"] and not depth["rPh"]:  # phonetic runs are not part of the value
            texts.append(data)

    parser = _new_parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    for _chunk in _feed(parser, workbook.open(part)):
        pass
    return strings


# ---------------------------------------------------------------------------------------------
# XLSX: the sheet, row by row


_COLUMN_NUMBERS: dict[str, int] = {}


def _column_number(letters: str) -> int:
    """1 for A, 16,384 for XFD; 0 for anything else."""
    number = _COLUMN_NUMBERS.get(letters)
    if number is None:
        number = 0
        if 0 < len(letters) <= 3 and letters.isascii() and letters.isalpha():
            for letter in letters.upper():
                number = number * 26 + ord(letter) - 64
        if number > MAX_XLSX_COLUMN:
            number = 0
        _COLUMN_NUMBERS[letters] = number
    return number


_DIGITS = "0123456789"


class _SheetParser:
    """expat handlers that turn ``<sheetData>`` into rows of text, counting as they go."""

    def __init__(
        self,
        strings: list[str],
        dates: frozenset[int],
        durations: frozenset[int],
        epoch: dt.datetime,
        limits: SheetLimits,
    ):
        self.strings = strings
        self.dates = dates
        self.durations = durations
        self.epoch = epoch
        self.limits = limits
        self.last_line = limits.max_rows + 1
        self.width = 0  # the header's width, once it is read; 0 until then
        self.cells_read = 0
        self.line = 0
        self.done: list[SheetRow] = []
        # The row being read: (column number, text), problems.
        self._cells: list[tuple[int, str]] = []
        self._problems: list[tuple[int, str]] = []
        self._column = 0
        self._type = "n"
        self._style = 0
        self._formula = False
        self._text: list[str] = []
        self._collect = False
        self._in_inline = False
        self._phonetic = 0
        self._local: dict[str, str] = {}

    def _learn(self, tag: str) -> str:
        """The local name of a namespaced tag, remembered for the few tags a sheet uses."""
        local = _local(tag)
        if len(self._local) < 256:
            self._local[tag] = local
        return local

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        local = self._local.get(tag) or self._learn(tag)
        if local == "c":
            self.cells_read += 1
            if self.cells_read > self.limits.max_cells:
                raise _Refused(_too_many_cells(self.line, self.limits))
            ref = attrs.get("r")
            column = _column_number(ref.rstrip(_DIGITS)) if ref else self._column + 1
            if not column:
                raise _Refused(_unreadable_xlsx(self.line))
            self._column = column
            self._type = attrs.get("t", "n")
            style = attrs.get("s")
            self._style = int(style) if style and style.isdigit() else 0
            self._formula = False
            self._text.clear()
            self._collect = False
        elif local == "v":
            self._collect = True
            self._text.clear()
        elif local == "f":
            self._formula = True
        elif local == "row":
            ref = attrs.get("r")
            line = int(ref) if ref and ref.isdigit() else self.line + 1
            if not 0 < line <= MAX_XLSX_ROW:
                raise _Refused(_unreadable_xlsx(self.line))
            if line > self.last_line:
                raise _Refused(_too_many_rows(line, self.limits))
            self.line = line
            self._column = 0
            self._cells = []
            self._problems = []
        elif local == "is":
            self._in_inline = True
            self._text.clear()
        elif local == "t" and self._in_inline and not self._phonetic:
            self._collect = True
        elif local == "rPh":
            self._phonetic += 1

    def end(self, tag: str) -> None:
        local = self._local.get(tag) or self._learn(tag)
        if local == "c":
            self._end_cell()
        elif local in ("v", "t"):
            self._collect = False
        elif local == "row":
            self._end_row()
        elif local == "is":
            self._in_inline = False
        elif local == "rPh":
            self._phonetic -= 1

    def data(self, text: str) -> None:
        if self._collect:
            self._text.append(text)

    def _end_cell(self) -> None:
        column = self._column
        if self.width and column > self.width:
            return  # outside the header: no column of the import reads it
        raw = "".join(self._text) if self._text else ""
        kind = self._type
        text = raw
        if self._formula and not raw:
            self._problems.append(
                (
                    column - 1,
                    _(
                        "The cell holds a formula without a computed value: open the file in a "
                        "spreadsheet, save it, and import it again, or type the value."
                    ),
                )
            )
            return
        if kind == "s":
            try:
                text = self.strings[int(raw)]
            except (ValueError, IndexError):
                raise _Refused(_unreadable_xlsx(self.line)) from None
        elif kind == "n":
            if (raw and not raw.isdigit()) or (raw and self._style in self.dates):
                text = self._number(raw, column)
        elif kind == "b":
            text = "1" if raw.strip() in ("1", "true") else "0"
        elif kind == "e":
            self._problems.append(
                (column - 1, _("The cell shows a spreadsheet error (%(error)s).") % {"error": raw})
            )
            return
        elif kind == "d":
            text = self._iso_date(raw)
        # "str" (a formula's text result) and "inlineStr" are text as they stand.
        text = text.strip()
        if text:
            if text[0] == ESCAPE:
                text = unescape_cell(text)
            self._cells.append((column, text))

    def _number(self, raw: str, column: int) -> str:
        try:
            value: float | int = float(raw) if any(c in raw for c in ".eE") else int(raw)
        except ValueError:
            raise _Refused(_unreadable_xlsx(self.line)) from None
        if self._style in self.dates:
            from openpyxl.utils.datetime import from_excel

            try:
                return cell_text(
                    from_excel(value, self.epoch, timedelta=self._style in self.durations)
                )
            except (OverflowError, ValueError):
                self._problems.append((column - 1, _("The cell's date is out of range.")))
                return ""
        return cell_text(value)

    def _iso_date(self, raw: str) -> str:
        from openpyxl.utils.datetime import from_ISO8601

        try:
            return cell_text(from_ISO8601(raw))
        except (ValueError, TypeError):
            return raw

    def _end_row(self) -> None:
        cells = self._cells
        if not cells and not self._problems:
            return
        last = max(column for column, _text in cells) if cells else 0
        if self._problems:
            last = max(last, *(index + 1 for index, _reason in self._problems))
        if self.width:
            last = min(last, self.width)
        row = [""] * last
        for column, text in cells:
            if column <= last:
                row[column - 1] = text
        problems = tuple(p for p in self._problems if p[0] < last)
        if not any(row) and not problems:
            return
        if not self.width:
            # The header: its last named column is the sheet's width from here on.
            while row and not row[-1]:
                row.pop()
            self.width = len(row)
            problems = ()
        self.done.append((self.line, row, problems))


class XlsxReader(SheetReader):
    """The first worksheet of an XLSX file, read by its real cells (see the module docstring)."""

    def __init__(self, stream: IO[bytes], limits: SheetLimits | None = None):
        self.limits = limits or SheetLimits.from_settings()
        self._workbook = _Workbook(stream, self.limits)
        try:
            sheet, strings, dates, durations, epoch = self._locate()
            self._parser = _SheetParser(strings, dates, durations, epoch, self.limits)
            self._rows = self._read(sheet)
            self.estimated_rows = 0
            try:
                line, self.header, _problems = next(self._rows)
            except StopIteration:
                self.header = []
                line = 1
            self.estimated_rows = self._estimate(sheet, line)
        except BaseException:
            self._workbook.close()
            raise

    def _locate(
        self,
    ) -> tuple[str, list[str], frozenset[int], frozenset[int], dt.datetime]:
        from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH

        workbook = self._workbook
        office = [
            target
            for kind, target in _relationships(workbook, "").values()
            if kind == "officeDocument"
        ]
        book = office[0] if office else "xl/workbook.xml"
        relationships = _relationships(workbook, book)
        first_sheet = None
        epoch = WINDOWS_EPOCH
        for tag, attrs in _elements(workbook, book):
            if tag == "workbookPr" and attrs.get("date1904", "").lower() in ("1", "true"):
                epoch = MAC_EPOCH
            elif tag == "sheet" and first_sheet is None:
                kind, target = relationships.get(_attr(attrs, "id") or "", ("", ""))
                if kind == "worksheet":
                    first_sheet = target
        if first_sheet is None:
            raise _unreadable_xlsx()
        by_kind = {kind: target for kind, target in relationships.values()}
        dates, durations = _date_styles(workbook, by_kind.get("styles"))
        strings = _shared_strings(workbook, by_kind.get("sharedStrings"))
        return first_sheet, strings, dates, durations, epoch

    def _estimate(self, sheet: str, header_line: int) -> int:
        """Rows to expect, for the progress bar only: the sheet part's size at about 30 bytes
        of XML per cell of the header's width (the declared dimension is not trusted)."""
        info = self._workbook.members[sheet]
        width = max(len(self.header), 1)
        return max(min(info.file_size // (30 * width), self.limits.max_rows) - header_line, 0)

    def _read(self, sheet: str) -> Iterator[SheetRow]:
        parser = _new_parser()
        handlers = self._parser
        parser.StartElementHandler = handlers.start
        parser.EndElementHandler = handlers.end
        parser.CharacterDataHandler = handlers.data
        done = handlers.done
        for _chunk in _feed(parser, self._workbook.open(sheet)):
            if done:
                yield from done
                done.clear()

    def rows(self) -> Iterator[SheetRow]:
        return self._rows

    def close(self) -> None:
        self._workbook.close()


def open_sheet(stream: IO[bytes], limits: SheetLimits | None = None) -> SheetReader:
    """A reader for the file, recognised by its content (an XLSX is a zip), not its name."""
    start = stream.read(4)
    stream.seek(0)
    if start == XLSX_MAGIC:
        return XlsxReader(stream, limits)
    if start == XLS_MAGIC:
        raise ImportFileError(
            [RowError(1, "", _("Old .xls files cannot be read: save the sheet as XLSX or CSV."))]
        )
    return CsvReader(stream, limits)
