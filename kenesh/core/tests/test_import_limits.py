"""Hostile files: each refused as a whole with a clear error and nothing written, or read by its
real cells. The files are built here by hand (zipfile and raw XML, see hostile_sheets); how fast
each is handled is measured by ``make bench BENCH=imports``, not asserted here."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from typing import Any

import pytest
from django.utils import translation

from kenesh.core.imports import ImportOptions, ImportResult, run_import
from kenesh.core.models import AuditEntry, ImportMapping
from kenesh.core.sheets import (
    MAX_CSV_LINE_BYTES,
    ImportFileError,
    SheetLimits,
    _BudgetedPart,
    _UnzipBudget,
    open_sheet,
)
from kenesh.core.tests.hostile_sheets import (
    MappingSheet,
    csv_bytes,
    entity_expansion_xlsx,
    huge_dimension_xlsx,
    last_row_xlsx,
    lone_cell_xlsx,
    lying_bomb,
    mapping_rows,
    shared_strings_bomb,
    wide_header_xlsx,
)

pytestmark = pytest.mark.django_db


def run(content: bytes, **options: Any) -> ImportResult:
    options.setdefault("language", "en")
    return run_import(MappingSheet(), io.BytesIO(content), ImportOptions(**options))


@pytest.fixture
def nothing_written() -> Any:
    """Asserts, after the test, that no mapping and no audit entry was written."""
    mappings, audit = ImportMapping.objects.count(), AuditEntry.objects.count()
    yield
    assert (ImportMapping.objects.count(), AuditEntry.objects.count()) == (mappings, audit)


def only_error(result: ImportResult) -> str:
    assert result.error_count == len(result.errors) == 1, result.errors
    assert (result.created, result.written, result.rejected) == (0, False, 0)
    return result.errors[0].reason


def test_a_sheet_declaring_the_whole_grid_is_read_by_its_real_cells() -> None:
    with open_sheet(io.BytesIO(huge_dimension_xlsx(500))) as reader:
        rows = list(reader.rows())
        assert reader.header == ["kind", "name", "header"]
    assert len(rows) == 500
    assert {len(cells) for _line, cells, _problems in rows} == {3}
    assert rows[0] == (2, ["bench", "mapping-0", "№ 0"], ())


def test_a_sheet_declaring_the_whole_grid_imports_its_rows() -> None:
    result = run(huge_dimension_xlsx(300))
    assert (result.errors, result.created, result.total_rows) == ([], 300, 300)
    assert ImportMapping.objects.filter(kind="bench").count() == 300


def test_a_lone_cell_under_a_huge_dimension_is_a_one_cell_header(nothing_written: None) -> None:
    with open_sheet(io.BytesIO(lone_cell_xlsx())) as reader:
        assert (reader.header, list(reader.rows())) == (["kind"], [])
    result = run(lone_cell_xlsx())
    assert [(e.line, e.column, e.reason) for e in result.errors] == [
        (1, "name", "This column is missing.")
    ]


def test_rows_are_not_padded_to_a_wide_header() -> None:
    tracemalloc.start()
    try:
        with open_sheet(io.BytesIO(wide_header_xlsx(16_384, rows=200))) as reader:
            widths = {len(cells) for _line, cells, _problems in reader.rows()}
            header = reader.header
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(header) == 16_384
    assert widths == {3}
    # 200 rows padded to 16,384 cells would hold 200 × 16,384 references (26 MB).
    assert peak < 8 << 20


def test_a_cell_on_the_sheets_last_row_is_refused_by_the_row_limit(
    nothing_written: None,
) -> None:
    reason = only_error(run(last_row_xlsx()))
    assert reason.startswith(
        "The file has more than 1\u202f000\u202f000 rows"
    )  # kenesh.core.formats
    assert "Nothing was written" in reason


def test_the_row_limit_is_a_setting_and_counts_lines(settings: Any, nothing_written: None) -> None:
    settings.IMPORT_MAX_ROWS = 100
    assert run(csv_bytes(mapping_rows(100))).created == 100
    ImportMapping.objects.filter(kind="bench").delete()
    for content in (csv_bytes(mapping_rows(101)), huge_dimension_xlsx(101)):
        result = run(content)
        assert only_error(result).startswith("The file has more than 100 rows")
        assert result.errors[0].line == 102


def test_the_cell_limit_is_a_setting(settings: Any, nothing_written: None) -> None:
    settings.IMPORT_MAX_CELLS = 300
    for content in (csv_bytes(mapping_rows(100)), huge_dimension_xlsx(100)):
        assert only_error(run(content)).startswith("The file has more than 300 cells")


def test_the_limits_hold_in_skip_invalid_mode_too(settings: Any, nothing_written: None) -> None:
    settings.IMPORT_MAX_ROWS = 10
    rows = mapping_rows(20)
    rows[3][1] = ""  # a bad row before the limit is reached: the file still counts as a whole
    rejects = io.StringIO()
    result = run(csv_bytes(rows), skip_invalid=True, rejects=rejects)
    assert only_error(result).startswith("The file has more than 10 rows")


def test_a_shared_strings_bomb_is_refused_before_it_is_inflated(nothing_written: None) -> None:
    bomb = shared_strings_bomb()
    assert len(bomb) < 100_000  # two million strings in about 84 KB
    tracemalloc.start()
    try:
        result = run(bomb)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    reason = only_error(result)
    assert "refused as a possible zip bomb" in reason
    assert "xl/sharedStrings.xml" in reason
    assert peak < 16 << 20


def test_a_bomb_whose_headers_lie_about_its_size_is_refused_while_reading(
    nothing_written: None,
) -> None:
    result = run(lying_bomb())
    assert only_error(result) == "The file is not a readable XLSX."


@pytest.mark.parametrize(
    ("limits", "reason"),
    [
        (SheetLimits(max_inflate_ratio=100), "refused as a possible zip bomb"),
        (SheetLimits(max_unzipped_bytes=1 << 20, max_inflate_ratio=10_000), "unpacks to more"),
    ],
)
def test_what_is_actually_inflated_is_counted_whatever_the_zip_headers_say(
    limits: SheetLimits, reason: str
) -> None:
    # zipfile itself cuts a member at its declared size; the count does not rely on it.
    info = zipfile.ZipInfo("xl/sharedStrings.xml")
    info.compress_size = 10_000
    part = _BudgetedPart(io.BytesIO(b"x" * (3 << 20)), info, _UnzipBudget(limits))
    with translation.override("en"), pytest.raises(ImportFileError) as refused:
        while part.read(1 << 16):
            pass
    assert reason in refused.value.errors[0].reason


def test_the_shared_string_limit_is_a_setting(settings: Any, nothing_written: None) -> None:
    settings.IMPORT_MAX_INFLATE_RATIO = 10_000  # past the ratio check, to reach the count
    settings.IMPORT_MAX_SHARED_STRINGS = 1000
    reason = only_error(run(shared_strings_bomb(5000)))
    assert reason.startswith("The file holds more different texts than one import takes")


def test_the_unpacked_size_limit_is_a_setting(settings: Any, nothing_written: None) -> None:
    settings.IMPORT_MAX_UNZIPPED_MB = 1
    reason = only_error(run(huge_dimension_xlsx(20_000)))
    assert reason.startswith("The file unpacks to more than 1 MB")


def test_entity_expansion_is_refused(nothing_written: None) -> None:
    assert only_error(run(entity_expansion_xlsx())) == "The file is not a readable XLSX."


def test_a_csv_line_of_millions_of_empty_fields_is_refused(nothing_written: None) -> None:
    content = b"kind,name,header\n" + b"," * (MAX_CSV_LINE_BYTES + 10) + b"\nbench,a,b\n"
    reason = only_error(run(content))
    assert reason.startswith("A line of the file is longer than 4 MB")


def test_limits_read_from_settings(settings: Any) -> None:
    settings.IMPORT_MAX_ROWS = 7
    settings.IMPORT_MAX_UNZIPPED_MB = 3
    limits = SheetLimits.from_settings()
    assert (limits.max_rows, limits.max_unzipped_bytes) == (7, 3 << 20)
