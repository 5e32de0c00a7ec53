"""Small-count suppression against a brute-force attacker who solves the published equations.

The kernel reasons on a graph (a suppressed value is derivable when its edge is a bridge); the
checker here does not: it writes every published line of the extended table as a linear equation
and asks numpy, by rank, whether a suppressed value is a linear combination of published ones.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from kenesh.analytics.disclosure import (
    SuppressedTable,
    small_counts,
    suppress_series,
    suppress_table,
)


def extended(table: SuppressedTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values, published-or-not and exists of the (R+1)×(C+1) extended table."""
    n_rows, n_cols = table.counts.shape
    values = np.zeros((n_rows + 1, n_cols + 1), dtype=np.int64)
    hidden = np.zeros_like(values, dtype=bool)
    exists = np.zeros_like(values, dtype=bool)
    values[:n_rows, :n_cols] = table.counts
    hidden[:n_rows, :n_cols] = table.hidden
    exists[:n_rows, :n_cols] = True
    if table.row_totals is not None:
        assert table.row_totals_hidden is not None
        values[:n_rows, n_cols] = table.row_totals
        hidden[:n_rows, n_cols] = table.row_totals_hidden
        exists[:n_rows, n_cols] = True
    if table.column_totals is not None:
        assert table.column_totals_hidden is not None
        values[n_rows, :n_cols] = table.column_totals
        hidden[n_rows, :n_cols] = table.column_totals_hidden
        exists[n_rows, :n_cols] = True
    if table.grand_total is not None:
        values[n_rows, n_cols] = table.grand_total
        hidden[n_rows, n_cols] = table.grand_total_hidden
        exists[n_rows, n_cols] = True
    return values, hidden, exists


def equations(exists: np.ndarray, n_rows: int, n_cols: int) -> np.ndarray:
    """One row per published line: +1 for its members, -1 for its total, over all entries."""
    shape = exists.shape
    lines: list[np.ndarray] = []
    # The line of column totals adds up to the grand total only when column totals are
    # published (and the column of row totals only when row totals are).
    for i in range(n_rows + 1):
        if exists[i, n_cols] and (i < n_rows or exists[n_rows, :n_cols].any()):
            line = np.zeros(shape)
            line[i, :n_cols] = exists[i, :n_cols]
            line[i, n_cols] = -1
            lines.append(line.ravel())
    for j in range(n_cols + 1):
        if exists[n_rows, j] and (j < n_cols or exists[:n_rows, n_cols].any()):
            line = np.zeros(shape)
            line[:n_rows, j] = exists[:n_rows, j]
            line[n_rows, j] = -1
            lines.append(line.ravel())
    return np.array(lines) if lines else np.zeros((0, exists.size))


def derivable(table: SuppressedTable) -> list[tuple[int, int]]:
    """Suppressed entries an attacker obtains exactly from the published cells and totals.

    With the published values moved to the right-hand side, the unknowns are the suppressed
    entries; one of them is determined exactly when its unit vector lies in the row space of
    the equations restricted to the unknowns (the rank does not grow when it is added).
    """
    n_rows, n_cols = table.counts.shape
    _values, hidden, exists = extended(table)
    system = equations(exists, n_rows, n_cols)
    unknown = (hidden & exists).ravel()
    if not unknown.any() or system.shape[0] == 0:
        return []
    restricted = system[:, unknown]
    rank = np.linalg.matrix_rank(restricted)
    positions = np.flatnonzero(unknown)
    leaks = []
    for k, flat in enumerate(positions):
        unit = np.zeros(len(positions))
        unit[k] = 1.0
        if np.linalg.matrix_rank(np.vstack([restricted, unit])) == rank:
            leaks.append(divmod(int(flat), n_cols + 1))
    return leaks


def small_line_sums(table: SuppressedTable, threshold: int = 5) -> list[tuple[str, int]]:
    """Published lines whose suppressed members add up, by the published total, to 1..4."""
    n_rows, n_cols = table.counts.shape
    values, hidden, exists = extended(table)
    found = []
    for i in range(n_rows + 1):
        if exists[i, n_cols] and not hidden[i, n_cols]:
            total = int((values[i, :n_cols] * (hidden[i, :n_cols] & exists[i, :n_cols])).sum())
            if 0 < total < threshold:
                found.append(("row", i))
    for j in range(n_cols + 1):
        if exists[n_rows, j] and not hidden[n_rows, j]:
            total = int((values[:n_rows, j] * (hidden[:n_rows, j] & exists[:n_rows, j])).sum())
            if 0 < total < threshold:
                found.append(("column", j))
    return found


def random_table(rng: np.random.Generator, n_rows: int, n_cols: int) -> np.ndarray:
    kind = rng.choice(3, size=(n_rows, n_cols), p=[0.3, 0.35, 0.35])
    small = rng.integers(1, 5, size=(n_rows, n_cols))
    large = rng.integers(5, 40, size=(n_rows, n_cols))
    return np.where(kind == 0, 0, np.where(kind == 1, small, large))


def test_the_checker_catches_a_cell_given_back_by_its_row_total() -> None:
    # Primary suppression alone: 3 = 20 - 17, the leak the kernel exists to prevent.
    naive = SuppressedTable(
        counts=np.array([[3, 17]]),
        hidden=np.array([[True, False]]),
        primary=np.array([[True, False]]),
        row_totals=np.array([20]),
        row_totals_hidden=np.array([False]),
        column_totals=None,
        column_totals_hidden=None,
        grand_total=20,
        grand_total_hidden=False,
    )
    assert derivable(naive) == [(0, 0)]


def test_the_checker_catches_a_cell_given_back_through_several_lines() -> None:
    # Every row and column holds two suppressed cells, yet (0, 2) joins two rectangles by a
    # single edge: rows 0-1 minus columns 0-1 give it back.
    counts = np.array(
        [
            [1, 2, 3, 9, 9],
            [2, 1, 9, 9, 9],
            [9, 9, 1, 2, 9],
            [9, 9, 2, 1, 9],
        ]
    )
    hidden = np.zeros_like(counts, dtype=bool)
    for cell in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (0, 2)]:
        hidden[cell] = True
    table = SuppressedTable(
        counts=counts,
        hidden=hidden,
        primary=hidden,
        row_totals=counts.sum(axis=1),
        row_totals_hidden=np.zeros(4, dtype=bool),
        column_totals=counts.sum(axis=0),
        column_totals_hidden=np.zeros(5, dtype=bool),
        grand_total=int(counts.sum()),
        grand_total_hidden=False,
    )
    assert (0, 2) in derivable(table)


@pytest.mark.parametrize(
    ("row_totals", "column_totals"), [(True, True), (True, False), (False, True)]
)
def test_no_suppressed_value_of_a_random_table_can_be_derived(
    row_totals: bool, column_totals: bool
) -> None:
    rng = np.random.default_rng(7)
    for _ in range(150):
        n_rows, n_cols = int(rng.integers(1, 6)), int(rng.integers(1, 8))
        counts = random_table(rng, n_rows, n_cols)
        table = suppress_table(counts, row_totals=row_totals, column_totals=column_totals)
        assert derivable(table) == [], counts
        assert small_line_sums(table) == [], counts


def test_every_small_count_is_suppressed_and_no_published_value_is_small() -> None:
    rng = np.random.default_rng(11)
    for _ in range(200):
        counts = random_table(rng, int(rng.integers(1, 6)), int(rng.integers(1, 8)))
        table = suppress_table(counts)
        values, hidden, exists = extended(table)
        shown = values[exists & ~hidden]
        assert not np.any((shown >= 1) & (shown <= 4)), counts
        assert np.array_equal(table.primary, (counts >= 1) & (counts <= 4))
        assert np.all(table.hidden[table.primary])


def test_a_table_without_small_counts_is_published_whole() -> None:
    counts = np.array([[0, 5, 12], [7, 0, 30]])
    table = suppress_table(counts)
    assert table.n_hidden == 0


def test_a_single_small_cell_takes_the_smallest_crossing_rectangle() -> None:
    counts = np.array(
        [
            [3, 20, 8],
            [40, 6, 50],
            [9, 30, 60],
        ]
    )
    table = suppress_table(counts)
    # The 3, the smallest of its row (8) and column (9), and the cell closing the rectangle.
    assert table.hidden.tolist() == [
        [True, False, True],
        [False, False, False],
        [True, False, True],
    ]
    assert table.n_hidden == 4
    assert derivable(table) == []


def test_a_small_cell_alone_in_its_row_hides_the_row_total_and_another_total() -> None:
    counts = np.array([[3, 0, 0], [10, 20, 30]])
    table = suppress_table(counts, row_totals=True, column_totals=False)
    assert table.hidden[0].tolist() == [True, False, False]
    assert table.row_totals_hidden is not None and table.row_totals_hidden[0]
    # The row total 3 is small itself; the grand total would give it back (63 - 60).
    assert table.grand_total_hidden or table.row_totals_hidden[1]
    assert derivable(table) == []


def test_two_ones_beside_a_published_total_are_not_left_alone() -> None:
    series = suppress_series([1, 1, 10, 12])
    # Total 24 minus 22 published would say the two hidden months held 2 incidents together.
    assert series.hidden.tolist() == [True, True, True, False]
    assert not series.total_hidden


def test_a_series_with_one_small_month_hides_the_next_smallest() -> None:
    series = suppress_series([0, 2, 7, 15, 9])
    assert series.hidden.tolist() == [False, True, True, False, False]
    assert series.total == 33 and not series.total_hidden


def test_a_series_without_a_published_total_needs_only_primary_suppression() -> None:
    series = suppress_series([0, 2, 7, 15, 9], total=False)
    assert series.hidden.tolist() == [False, True, False, False, False]
    assert series.total is None


def test_a_series_whose_total_is_small_hides_everything_non_zero() -> None:
    series = suppress_series([0, 1, 0, 2])
    assert series.hidden.tolist() == [False, True, False, True]
    assert series.total_hidden


def test_small_counts_are_from_one_to_four() -> None:
    assert small_counts([0, 1, 4, 5, 100]).tolist() == [False, True, True, False, False]
    assert small_counts([0, 1, 2, 3], threshold=3).tolist() == [False, True, True, False]


def test_the_result_is_deterministic_and_leaves_the_counts_alone() -> None:
    counts = np.array([[1, 6, 2], [5, 3, 8]])
    first, second = suppress_table(counts), suppress_table(counts.copy())
    assert np.array_equal(first.hidden, second.hidden)
    assert np.array_equal(first.counts, counts)


def test_it_refuses_negative_and_fractional_counts() -> None:
    with pytest.raises(ValueError, match="negative"):
        suppress_table([[1, -1]])
    with pytest.raises(ValueError, match="whole"):
        suppress_table([[1.5, 2]])


def test_an_empty_table_has_nothing_to_suppress() -> None:
    assert suppress_table(np.zeros((0, 3), dtype=int)).n_hidden == 0
    assert suppress_series([]).hidden.tolist() == []


def test_exhaustively_every_two_by_two_table_of_small_values() -> None:
    for values in itertools.product([0, 1, 3, 5, 9], repeat=4):
        table = suppress_table(np.array(values).reshape(2, 2))
        assert derivable(table) == [], values
        assert small_line_sums(table) == [], values


def test_a_long_series_of_map_cells_is_fast() -> None:
    rng = np.random.default_rng(3)
    counts = rng.poisson(0.8, 5000)
    series = suppress_series(counts)
    assert np.all(series.hidden[(counts >= 1) & (counts <= 4)])
    assert int(counts[series.hidden].sum()) >= 5


def test_only_the_chosen_rows_are_suppressed_and_nothing_chosen_comes_back() -> None:
    # Sensitive rows (domestic violence for an aggregate-only viewer) among published ones.
    rng = np.random.default_rng(5)
    for _ in range(300):
        n_rows, n_cols = int(rng.integers(1, 6)), int(rng.integers(1, 8))
        counts = random_table(rng, n_rows, n_cols)
        sensitive = rng.random(n_rows) < 0.4
        primary = np.zeros((n_rows + 1, n_cols + 1), dtype=bool)
        primary[:n_rows, :n_cols] = sensitive[:, None] & (counts >= 1) & (counts <= 4)
        row_sums = counts.sum(axis=1)
        primary[:n_rows, n_cols] = sensitive & (row_sums >= 1) & (row_sums <= 4)
        table = suppress_table(counts, primary=primary)
        assert np.all(table.hidden[primary[:n_rows, :n_cols]]), counts
        assert derivable(table) == [], (counts, sensitive)
        if not sensitive.any():
            assert table.n_hidden == 0


def test_a_primary_mask_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="extended"):
        suppress_table([[1, 2]], primary=np.zeros((1, 2), dtype=bool))
