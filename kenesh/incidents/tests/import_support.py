"""What the import tests share: sheets built from rows, and running an import."""

from __future__ import annotations

import csv
import io
from typing import Any

from kenesh.core.imports import ImportOptions, ImportResult, run_import
from kenesh.core.models import ImportJob
from kenesh.incidents.imports.spec import IncidentImport
from kenesh.incidents.models import PEOPLE_FIELDS

JETI_OGUZ = "41702210830000"
JETI_OGUZ_VILLAGE = "41702210830010"
KARAKOL = "41702410000010"

HEADER = [
    "external_ref",
    "municipality",
    "settlement",
    "iccs_code",
    "occurred_on",
    "occurred_at",
    "reported_on",
    "latitude",
    "longitude",
    "status",
    "attempted",
    "context",
    "alcohol_or_drugs",
    "relationship",
    "narrative",
    "reporter_name",
    "reporter_contact",
    *PEOPLE_FIELDS,
]


def row(**overrides: Any) -> dict[str, str]:
    """A valid row: a livestock theft in Jeti-Oguz in June 2024."""
    data = {
        "external_ref": "T-1",
        "municipality": JETI_OGUZ,
        "settlement": JETI_OGUZ_VILLAGE,
        "iccs_code": "05025",
        "occurred_on": "2024-06-15",
        "occurred_at": "22:30",
        "reported_on": "2024-06-16",
        "latitude": "42.337",
        "longitude": "78.224",
        "status": "registered",
        "attempted": "no",
        "context": "none",
        "alcohol_or_drugs": "no",
        "relationship": "stranger",
        "narrative": "Two sheep taken from the pasture.",
        "reporter_name": "",
        "reporter_contact": "",
        "victims_male_30_59": "1",
    }
    data.update({key: str(value) for key, value in overrides.items()})
    return data


def sheet(
    rows: list[dict[str, str]],
    header: list[str] | None = None,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> bytes:
    """A CSV file with ``header`` (default: every documented column)."""
    header = header or HEADER
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    for data in rows:
        writer.writerow([data.get(name, "0" if name in PEOPLE_FIELDS else "") for name in header])
    return buffer.getvalue().encode(encoding)


def xlsx(rows: list[dict[str, str]], header: list[str] | None = None) -> bytes:
    import openpyxl

    header = header or HEADER
    book = openpyxl.Workbook()
    sheet_ = book.active
    assert sheet_ is not None
    sheet_.append(header)
    for data in rows:
        sheet_.append([data.get(name, "0" if name in PEOPLE_FIELDS else "") for name in header])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def import_bytes(
    content: bytes,
    *,
    user: Any = None,
    job: ImportJob | None = None,
    rejects: io.StringIO | None = None,
    **options: Any,
) -> ImportResult:
    options.setdefault("language", "en")
    spec = IncidentImport(user=user, job=job)
    return run_import(spec, io.BytesIO(content), ImportOptions(rejects=rejects, **options))


def errors_of(result: ImportResult) -> list[tuple[int, str, str]]:
    return [(error.line, error.column, error.reason) for error in result.errors]
