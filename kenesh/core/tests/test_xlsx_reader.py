"""The streaming XLSX reader reads ordinary workbooks as openpyxl does: checked cell by cell
against openpyxl's own reading of random workbooks (texts, codes with leading zeros, whole and
decimal numbers, dates, times, timestamps, booleans, gaps), in both date epochs."""

from __future__ import annotations

import datetime as dt
import io
import random

import openpyxl
import pytest

from kenesh.core.sheets import SheetLimits, cell_text, open_sheet


def random_value(rng: random.Random) -> object:
    kind = rng.randrange(9)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice(["Жети-Өгүз", "Каракол", "  spaced  ", "a,b;c", "x" * 50, "05025"])
    if kind == 2:
        return rng.randrange(-1000, 10**14)
    if kind == 3:
        return round(rng.uniform(-180, 180), rng.randrange(1, 8))
    if kind == 4:
        return dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(10_000))
    if kind == 5:
        return dt.datetime(2020, 1, 1, rng.randrange(24), rng.randrange(60))
    if kind == 6:
        return dt.time(rng.randrange(24), rng.randrange(60))
    if kind == 7:
        return rng.random() < 0.5
    return f"'={rng.randrange(100)}"  # an escaped formula, as a rejects file carries it


def workbook(rng: random.Random, *, epoch_1904: bool) -> bytes:
    book = openpyxl.Workbook()
    if epoch_1904:
        book.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    sheet = book.active
    assert sheet is not None
    width = 12
    sheet.append([f"column {n}" for n in range(width)])
    for _ in range(200):
        sheet.append([random_value(rng) for _ in range(rng.randrange(1, width + 1))])
    sheet.append([])  # a blank row in the middle keeps the numbering
    sheet.append(["last"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def reference_rows(content: bytes) -> list[tuple[int, list[str]]]:
    """openpyxl's reading, trailing empty cells cut, blank rows left out."""
    from kenesh.core.formulas import unescape_cell

    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    rows = []
    for line, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
        cells = [unescape_cell(cell_text(value)) for value in values]
        while cells and not cells[-1]:
            cells.pop()
        if any(cells):
            rows.append((line, cells))
    book.close()
    return rows


@pytest.mark.parametrize("epoch_1904", [False, True])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_reader_reads_random_workbooks_as_openpyxl_does(seed: int, epoch_1904: bool) -> None:
    content = workbook(random.Random(seed), epoch_1904=epoch_1904)
    with open_sheet(io.BytesIO(content), SheetLimits()) as reader:
        mine = [(1, reader.header)] + [(line, cells) for line, cells, _problems in reader.rows()]
    for _line, cells in mine:
        while cells and not cells[-1]:
            cells.pop()
    assert mine == reference_rows(content)
