"""Formula injection, both ways: cells written to a rejects file (and the report) are escaped,
the import undoes the escape so a corrected rejects file re-imports as it was, and an XLSX
formula is read by its computed value, never as its formula text."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from kenesh.core.imports import ImportOptions, ImportResult, run_import, write_template
from kenesh.core.models import ImportMapping
from kenesh.core.tests.hostile_sheets import MappingSheet, csv_bytes, formula_xlsx

pytestmark = pytest.mark.django_db


def run(content: bytes, **options: Any) -> ImportResult:
    options.setdefault("language", "en")
    return run_import(MappingSheet(), io.BytesIO(content), ImportOptions(**options))


def test_a_corrected_rejects_file_reimports_with_its_phone_numbers_intact() -> None:
    rows = [
        ["k", "good", "+996 555 123 456"],
        ["k", "", "+996 700 000 001"],  # no name: rejected
        ["k", "", '=HYPERLINK("http://example.invalid")'],
        ["@k", "", "-5"],
    ]
    rejects = io.StringIO()
    first = run(csv_bytes(rows), skip_invalid=True, rejects=rejects)
    assert (first.created, first.rejected) == (1, 3)
    written = list(csv.reader(io.StringIO(rejects.getvalue())))
    # Opened in a spreadsheet, no cell of the rejects file is a formula.
    assert [line[:3] for line in written[1:]] == [
        ["k", "", "'+996 700 000 001"],
        ["k", "", '\'=HYPERLINK("http://example.invalid")'],
        ["'@k", "", "'-5"],
    ]
    # The official fills in the names and imports the rejects file as it is (reason included).
    for number, line in enumerate(written[1:]):
        line[1] = f"fixed-{number}"
    corrected = io.StringIO()
    csv.writer(corrected).writerows(written)
    second = run(corrected.getvalue().encode())
    assert (second.errors, second.created) == ([], 3)
    stored = dict(
        ImportMapping.objects.filter(name__startswith="fixed").values_list("name", "mapping")
    )
    assert stored == {
        "fixed-0": {"external_ref": "+996 700 000 001"},
        "fixed-1": {"external_ref": '=HYPERLINK("http://example.invalid")'},
        "fixed-2": {"external_ref": "-5"},
    }
    assert ImportMapping.objects.get(name="fixed-2").kind == "@k"
    assert ImportMapping.objects.get(name="good").mapping == {"external_ref": "+996 555 123 456"}


def test_a_quote_that_escapes_nothing_is_kept() -> None:
    result = run(csv_bytes([["k", "'quoted'", "'ok"]]))
    assert result.errors == []
    stored = ImportMapping.objects.get(kind="k")
    assert (stored.name, stored.mapping) == ("'quoted'", {"external_ref": "'ok"})


def test_an_xlsx_formula_is_read_by_its_value_and_one_without_a_value_is_a_row_error() -> None:
    rejects = io.StringIO()
    result = run(formula_xlsx(), skip_invalid=True, rejects=rejects)
    assert result.created == 1
    assert ImportMapping.objects.get(name="cached").mapping == {"external_ref": "+996 555"}
    assert [(e.line, e.column, e.reason) for e in result.errors] == [
        (
            3,
            "header",
            "The cell holds a formula without a computed value: open the file in a spreadsheet, "
            "save it, and import it again, or type the value.",
        ),
        (4, "header", "The cell shows a spreadsheet error (#DIV/0!)."),
    ]
    assert not ImportMapping.objects.filter(name__in=["uncomputed", "error"]).exists()
    assert "HYPERLINK" not in rejects.getvalue()


def test_the_report_escapes_what_the_file_put_in_its_headers(settings: Any) -> None:
    from kenesh.core.imports import ErrorReport, RowError
    from kenesh.core.imports import ImportResult as Result

    stream = io.StringIO()
    report = ErrorReport(Result(), stream, keep=10)
    report.add(RowError(2, "=cmd|' /C calc'!A0", "+ bad"))
    assert list(csv.reader(io.StringIO(stream.getvalue())))[1] == [
        "2",
        "'=cmd|' /C calc'!A0",
        "'+ bad",
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_template_with_a_formula_like_example_writes_it_as_text(fmt: str) -> None:
    from kenesh.core.sheets import open_sheet

    spec = MappingSheet()
    spec.columns = [
        column if column.key != "header" else type(column)(**{**column.__dict__, "example": "=1+2"})
        for column in spec.columns
    ]
    buffer = io.BytesIO()
    write_template(spec, fmt, buffer)
    buffer.seek(0)
    with open_sheet(buffer) as reader:
        [(_line, cells, unreadable)] = list(reader.rows())
    # Read back as the text the example shows, not as a formula (the example row itself is
    # marked and never imported: test_import_template_example).
    assert (cells[2], list(unreadable)) == ("=1+2", [])


def test_escaping_is_reversible_and_safe_for_every_short_text() -> None:
    """Brute force over every text of up to four characters from the characters that matter:
    unescape(escape(x)) == x, and nothing escaped starts with a formula character."""
    import itertools

    from kenesh.core.formulas import FORMULA_STARTS, escape_cell, unescape_cell

    alphabet = ["'", "=", "+", "-", "@", "\t", "\r", "a", "9", " "]
    for length in range(5):
        for letters in itertools.product(alphabet, repeat=length):
            text = "".join(letters)
            escaped = escape_cell(text)
            assert unescape_cell(escaped) == text, repr(text)
            assert not escaped.startswith(FORMULA_STARTS), repr(text)
