"""The template's example row cannot pollute data, for every kind: its first cell carries the
mark EXAMPLE (in the language the template was downloaded in), and the pipeline never imports a
row so marked, whatever the mode; the message names its line."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.utils import translation

from kenesh.core.imports import (
    EXAMPLE_MARK,
    ImportOptions,
    ImportResult,
    is_example_cell,
    result_message,
    run_import,
    write_template,
)
from kenesh.core.models import ImportMapping
from kenesh.core.tests.hostile_sheets import MappingSheet, csv_bytes

pytestmark = pytest.mark.django_db


def run(content: bytes, **options: Any) -> ImportResult:
    options.setdefault("language", "en")
    return run_import(MappingSheet(), io.BytesIO(content), ImportOptions(**options))


def template(fmt: str, language: str = "en") -> bytes:
    buffer = io.BytesIO()
    with translation.override(language):
        write_template(MappingSheet(), fmt, buffer)
    return buffer.getvalue()


def message(result: ImportResult, *, dry_run: bool = False) -> str:
    with translation.override("en"):
        return result_message(result, dry_run=dry_run)


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_example_rows_first_cell_carries_the_mark_and_the_example() -> None:
    header, example = csv_rows(template("csv"))
    assert header == ["kind", "name", "header"]
    assert example == ["EXAMPLE incidents", "mvd", "№ КУСП"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("skip_invalid", [False, True])
def test_an_untouched_template_writes_nothing_and_says_why(fmt: str, skip_invalid: bool) -> None:
    result = run(template(fmt), skip_invalid=skip_invalid)
    assert not ImportMapping.objects.exists()
    assert (result.errors, result.total_rows, result.rejected) == ([], 0, 0)
    assert (result.example_rows, result.example_lines) == (1, [2])
    said = message(result)
    assert said.startswith("The file holds no rows to import besides the template's example")
    assert "Line 2 is the template's example (its first cell starts with EXAMPLE)" in said


@pytest.mark.parametrize("language", ["ky", "ru", "en"])
def test_a_template_downloaded_in_any_language_is_recognised_in_every_other(
    language: str,
) -> None:
    for importer in ("ky", "ru", "en"):
        result = run(template("xlsx", language), language=importer)
        assert (result.created, result.example_rows) == (0, 1), (language, importer)
    assert not ImportMapping.objects.exists()


def test_rows_typed_below_the_kept_example_are_imported_all_or_nothing() -> None:
    header, example = csv_rows(template("csv"))
    content = csv_bytes([example, ["incidents", "station", "№"]], header=header)
    result = run(content)
    assert (result.errors, result.created, result.total_rows) == ([], 1, 1)
    assert list(ImportMapping.objects.values_list("name", flat=True)) == ["station"]
    said = message(result)
    assert said == (
        "1 created, 0 already registered, 0 rejected. Line 2 is the template's example (its "
        "first cell starts with EXAMPLE) and was not imported."
    )


def test_an_example_row_typed_over_with_real_values_is_imported() -> None:
    header, _example = csv_rows(template("csv"))
    result = run(csv_bytes([["incidents", "mvd", "№"]], header=header))
    assert (result.created, result.example_rows) == (1, 0)


def test_the_mark_is_found_in_the_first_columns_cell_wherever_the_file_puts_it() -> None:
    # The official moved the columns about: the mark is still in the "kind" column.
    content = csv_bytes([["mvd", "EXAMPLE incidents", ""], ["x", "incidents", ""]])
    content = content.replace(b"kind,name,header", b"name,kind,header", 1)
    result = run(content)
    assert (result.created, result.example_rows) == (1, 1)
    assert list(ImportMapping.objects.values_list("name", flat=True)) == ["x"]


def test_many_marked_rows_are_counted_and_the_first_lines_named() -> None:
    rows = [["EXAMPLE", f"n{i}", ""] for i in range(25)]
    result = run(csv_bytes(rows), dry_run=True)
    assert (result.example_rows, result.example_lines) == (25, list(range(2, 12)))
    said = message(result, dry_run=True)
    assert "Lines 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, … are marked as the template's example" in said


def test_a_file_of_only_a_header_says_there_is_nothing_to_import() -> None:
    result = run(csv_bytes([]))
    assert message(result) == ("The file has no rows below its header: nothing was written.")


@pytest.mark.parametrize(
    ("text", "marked"),
    [
        ("EXAMPLE 2024-001", True),
        ("example", True),
        ("Example: 7", True),
        (f"{EXAMPLE_MARK}-1", True),
        ("2024-001", False),
        ("EXAMPLES", False),
        ("EX-1", False),
        ("", False),
    ],
)
def test_the_mark_is_the_cells_first_word(text: str, marked: bool) -> None:
    assert is_example_cell(text, frozenset({"example"})) is marked
