"""Sheets built by hand (zipfile and raw XML), hostile and otherwise, for the import limit tests
and ``bench/imports.py``; and a small import spec over a core model to run them through.

The XLSX files are written part by part rather than with openpyxl, which cannot write what an
attacker writes: a declared dimension that lies, a row at the sheet's very end, two million
shared strings, formulas with or without a cached value, a DOCTYPE.
"""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any
from xml.sax.saxutils import escape

from kenesh.core.audit import snapshot
from kenesh.core.imports import (
    BatchOutcome,
    Column,
    ImportKind,
    ImportSpec,
    ParsedRow,
    bulk_insert,
    differing_fields,
    existing_keys,
    parse_text,
    write_updates,
)
from kenesh.core.models import ImportMapping
from kenesh.core.permissions import Resource

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"

_OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_OFFICE}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_OFFICE}.worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_OFFICE}.sharedStrings+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_OFFICE}.styles+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_RELS}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{RELS}">'
    '<sheets><sheet name="import" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_RELS}">'
    f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
    f'<Relationship Id="rId3" Type="{RELS}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# Style 1 shows a date (built-in format 14, "mm-dd-yy").
STYLES = (
    f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}">'
    '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs>'
    "</styleSheet>"
)
LAST_COLUMN_DIMENSION = '<dimension ref="A1:XFD1048576"/>'


def xlsx_package(
    sheet_xml: bytes | str,
    *,
    shared_strings: bytes | str | None = None,
    level: int = 6,
) -> bytes:
    """An XLSX with one worksheet: the given sheet part, shared strings and a date style."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
        package.writestr("_rels/.rels", ROOT_RELS)
        package.writestr("xl/workbook.xml", WORKBOOK)
        package.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        package.writestr("xl/styles.xml", STYLES)
        package.writestr(
            "xl/sharedStrings.xml",
            shared_strings
            if shared_strings is not None
            else f'<sst xmlns="{MAIN}" count="0" uniqueCount="0"/>',
        )
        package.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buffer.getvalue()


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell(ref: str, text: str) -> str:
    """An inline text cell."""
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def row_xml(line: int, texts: list[str]) -> str:
    cells = "".join(
        cell(f"{column_letters(i + 1)}{line}", text) for i, text in enumerate(texts) if text
    )
    return f'<row r="{line}">{cells}</row>'


def sheet_xml(rows: list[str], dimension: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{dimension}'
        f"<sheetData>{''.join(rows)}</sheetData></worksheet>"
    )


MAPPING_HEADER = ["kind", "name", "header"]


def mapping_rows(count: int, start: int = 0) -> list[list[str]]:
    return [["bench", f"mapping-{n}", f"№ {n}"] for n in range(start, start + count)]


def huge_dimension_xlsx(rows: int) -> bytes:
    """A sheet declaring ``A1:XFD1048576`` (16,384 columns, a million rows) that holds a header
    and ``rows`` short rows: read by its real cells, not padded to the declaration."""
    lines = [row_xml(1, MAPPING_HEADER)]
    lines += [row_xml(n + 2, texts) for n, texts in enumerate(mapping_rows(rows))]
    return xlsx_package(sheet_xml(lines, LAST_COLUMN_DIMENSION))


def lone_cell_xlsx() -> bytes:
    """The declared dimension of the whole sheet, and a single cell."""
    return xlsx_package(sheet_xml([row_xml(1, ["kind"])], LAST_COLUMN_DIMENSION))


def last_row_xlsx() -> bytes:
    """A header, one row, and a cell on the sheet's last row (1,048,576): a reader that fills
    the missing rows would make a million of them."""
    lines = [
        row_xml(1, MAPPING_HEADER),
        row_xml(2, mapping_rows(1)[0]),
        row_xml(1_048_576, ["bench", "far", "away"]),
    ]
    return xlsx_package(sheet_xml(lines, LAST_COLUMN_DIMENSION))


def wide_header_xlsx(width: int = 16_384, rows: int = 100) -> bytes:
    """A header of ``width`` real cells and short rows: rows are not padded to the header."""
    header = MAPPING_HEADER + [f"extra {n}" for n in range(width - len(MAPPING_HEADER))]
    lines = [row_xml(1, header)]
    lines += [row_xml(n + 2, texts) for n, texts in enumerate(mapping_rows(rows))]
    return xlsx_package(sheet_xml(lines))


def shared_strings_bomb(strings: int = 2_000_000) -> bytes:
    """A zip bomb: ``strings`` shared strings (``<si><t>x</t></si>``, 17 bytes each) deflated
    as tightly as zlib can, two million of them in about 84 KB; the sheet uses one."""
    table = (
        f'<sst xmlns="{MAIN}" count="{strings}" uniqueCount="{strings}">'.encode()
        + b"<si><t>x</t></si>" * strings
        + b"</sst>"
    )
    sheet = sheet_xml(['<row r="1"><c r="A1" t="s"><v>0</v></c></row>'])
    return xlsx_package(sheet, shared_strings=table, level=9)


def with_declared_size(content: bytes, part: str, size: int) -> bytes:
    """``content`` with ``part``'s uncompressed size in its zip headers set to ``size``: a
    header that lies (``zipfile`` inflates what is there, whatever the header says)."""
    info = zipfile.ZipFile(io.BytesIO(content)).getinfo(part)
    data = bytearray(content)
    declared = size.to_bytes(4, "little")
    # The uncompressed size sits at offset 22 of the local header and 24 of the central one.
    data[info.header_offset + 22 : info.header_offset + 26] = declared
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        name_length = int.from_bytes(data[central + 28 : central + 30], "little")
        if bytes(data[central + 46 : central + 46 + name_length]) == part.encode():
            data[central + 24 : central + 28] = declared
            break
        central = data.find(b"PK\x01\x02", central + 46)
    return bytes(data)


def lying_bomb() -> bytes:
    """The shared strings bomb, its headers declaring 40 KB for the 34 MB it inflates to."""
    return with_declared_size(shared_strings_bomb(), "xl/sharedStrings.xml", 40_000)


def entity_expansion_xlsx() -> bytes:
    """A sheet with a DOCTYPE declaring nested entities ("billion laughs")."""
    entities = '<!ENTITY a0 "xxxxxxxxxx">' + "".join(
        f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, 10)
    )
    body = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]><worksheet xmlns="{MAIN}">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&a9;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    return xlsx_package(body)


def formula_xlsx() -> bytes:
    """Formulas: one with a cached value, one without (never computed), and an error value."""
    rows = [
        row_xml(1, MAPPING_HEADER),
        '<row r="2">'
        + cell("A2", "formulas")
        + cell("B2", "cached")
        + '<c r="C2" t="str"><f>CONCATENATE("+996 ","555")</f><v>+996 555</v></c></row>',
        '<row r="3">'
        + cell("A3", "formulas")
        + cell("B3", "uncomputed")
        + '<c r="C3"><f>HYPERLINK("http://example.invalid","click")</f></c></row>',
        '<row r="4">'
        + cell("A4", "formulas")
        + cell("B4", "error")
        + '<c r="C4" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>',
    ]
    return xlsx_package(sheet_xml(rows))


def garbage_csv(lines: int) -> bytes:
    """A header and ``lines`` rows of garbage: each row fails in two columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(MAPPING_HEADER)
    for n in range(lines):
        writer.writerow(["x" * 40, "", f"garbage {n}"])
    return buffer.getvalue().encode()


def csv_bytes(rows: list[list[str]], header: list[str] | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header or MAPPING_HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


class MappingSheet(ImportSpec):
    """A test kind over a core model: saved header mappings (kind, name, the header of
    ``external_ref``). Natural key (kind, name); updates when ``allows_updates``."""

    kind = "mappings"
    batch_size = 500

    def __init__(self, *, user: Any = None, job: Any = None):
        self.user = user
        self.columns = [
            Column("kind", parse_text(32), required=True, example="incidents"),
            Column("name", parse_text(100), required=True, example="mvd"),
            Column("header", parse_text(100), default="", example="№ КУСП"),
        ]

    def build(self, values: dict[str, Any], present: frozenset[str]) -> tuple[Any, dict[str, str]]:
        mapping = {"external_ref": values["header"]} if values["header"] else {}
        return ImportMapping(kind=values["kind"], name=values["name"], mapping=mapping), {}

    def write(self, rows: list[ParsedRow], present: frozenset[str]) -> BatchOutcome:
        outcome = BatchOutcome()
        found = existing_keys(
            ImportMapping, ("kind", "name"), [(r.obj.kind, r.obj.name) for r in rows]
        )
        stored = {(m.kind, m.name): m for m in ImportMapping.objects.filter(pk__in=found.values())}
        new: list[ImportMapping] = []
        changes: list[tuple[Any, dict[str, Any]]] = []
        seen: set[tuple[str, str]] = set()
        for row in rows:
            key = (row.obj.kind, row.obj.name)
            before = stored.get(key)
            if key in seen:
                outcome.refused.append((row, "name", "This name appears earlier in the file."))
            elif before is None:
                new.append(row.obj)
            elif not differing_fields(before, row.obj, ["mapping"]):
                outcome.unchanged += 1
            elif self.allows_updates:
                taken = snapshot(before)
                before.mapping = row.obj.mapping
                changes.append((before, taken))
            else:
                outcome.refused.append((row, "name", "Already saved with another header."))
            seen.add(key)
        outcome.created = bulk_insert(ImportMapping, new)
        outcome.updated = write_updates(
            actor=self.user, model=ImportMapping, changes=changes, fields=["mapping", "updated_at"]
        )
        return outcome


MAPPINGS = ImportKind(
    key="mappings",
    label="saved header mappings (test kind)",
    resource=Resource.INCIDENTS,
    build=MappingSheet,
    allows_updates=True,
)
