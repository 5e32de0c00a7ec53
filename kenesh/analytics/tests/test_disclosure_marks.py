"""Suppression when pages mark a primary entry ("<5") apart from a complementary one ("×"): a
reader then knows every primary entry is from 1 to 4 and every complement the rule covers is
0 or at least 5. Checked against a brute-force reader who, line by line, lists every value a
primary entry can take given its line's published total and those bounds."""

from __future__ import annotations

from functools import cache

import numpy as np

from kenesh.analytics.disclosure import SuppressedTable, suppress_series, suppress_table

THRESHOLD = 5


def extended(table: SuppressedTable) -> tuple[np.ndarray, np.ndarray]:
    """Values and hidden flags of the (R+1)×(C+1) extended table (both totals published)."""
    counts = table.counts
    values = np.zeros((counts.shape[0] + 1, counts.shape[1] + 1), dtype=np.int64)
    values[:-1, :-1] = counts
    values[:-1, -1] = counts.sum(axis=1)
    values[-1, :-1] = counts.sum(axis=0)
    values[-1, -1] = counts.sum()
    hidden = np.zeros(values.shape, dtype=bool)
    hidden[:-1, :-1] = table.hidden
    assert table.row_totals_hidden is not None and table.column_totals_hidden is not None
    hidden[:-1, -1] = table.row_totals_hidden
    hidden[-1, :-1] = table.column_totals_hidden
    hidden[-1, -1] = table.grand_total_hidden
    return values, hidden


def possible_values(domains: list[range | tuple[int, ...]], total: int, index: int) -> set[int]:
    """Every value entry ``index`` can take when the entries, each from its domain, add up to
    ``total``: plain recursion over the other entries."""
    rest = [tuple(domain) for k, domain in enumerate(domains) if k != index]

    @cache
    def reachable(k: int, remaining: int) -> bool:
        if k == len(rest):
            return remaining == 0
        return any(reachable(k + 1, remaining - v) for v in rest[k] if v <= remaining)

    return {value for value in domains[index] if value <= total and reachable(0, total - value)}


def pinned(
    values: np.ndarray, hidden: np.ndarray, primary: np.ndarray, eligible: np.ndarray
) -> list[tuple[int, int]]:
    """Primary entries a line with a published total leaves a single possible value."""
    n_rows, n_cols = values.shape
    lines = [[(i, j) for j in range(n_cols)] for i in range(n_rows)]
    lines += [[(i, j) for i in range(n_rows)] for j in range(n_cols)]
    found: list[tuple[int, int]] = []
    for members in lines:
        total = members[-1]
        if hidden[total]:
            continue
        withheld = [entry for entry in members[:-1] if hidden[entry]]
        line_sum = int(sum(values[entry] for entry in withheld))
        domains: list[range | tuple[int, ...]] = [
            range(1, THRESHOLD)
            if primary[entry]
            else (0, *range(THRESHOLD, line_sum + 1))
            if eligible[entry]
            else range(0, line_sum + 1)
            for entry in withheld
        ]
        for k, entry in enumerate(withheld):
            if primary[entry] and len(possible_values(domains, line_sum, k)) < 2:
                found.append(entry)
    return found


def test_a_small_month_and_its_complement_beside_a_total_of_six_are_not_left_alone() -> None:
    # 1 ("<5") and 5 ("×") beside a published 26: the reader would know 1 + 5 = 6 and, with
    # the marks, that the "<5" is 1. One more entry is withheld.
    series = suppress_series([0, 1, 5, 20])
    table = suppress_table([[0, 1, 5, 20]], row_totals=True, column_totals=False)
    assert series.hidden.tolist() == table.hidden[0].tolist()
    values = np.array([[0, 1, 5, 20, 26]])
    hidden = np.array([[*table.hidden[0].tolist(), bool(table.row_totals_hidden[0])]])  # type: ignore[index]
    primary = (values >= 1) & (values < THRESHOLD)
    assert hidden[0, 1] and hidden[0, 2]
    assert hidden[0, 3] or hidden[0, 4], "a third entry of the line is withheld"
    # The line of the row: 1 + 5 + (20 or the total) no longer pins the 1.
    withheld = [k for k in range(4) if hidden[0, k]]
    if not hidden[0, 4]:
        domains: list[range | tuple[int, ...]] = [
            range(1, THRESHOLD) if primary[0, k] else (0, *range(THRESHOLD, 27)) for k in withheld
        ]
        assert len(possible_values(domains, 26, withheld.index(1))) >= 2


def test_no_primary_entry_of_a_random_table_is_pinned_by_the_marks() -> None:
    rng = np.random.default_rng(11)
    for _ in range(300):
        n_rows, n_cols = int(rng.integers(1, 4)), int(rng.integers(1, 5))
        counts = rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 7, 9], size=(n_rows, n_cols))
        sensitive = rng.random(n_rows) < 0.5
        values = np.zeros((n_rows + 1, n_cols + 1), dtype=np.int64)
        values[:-1, :-1] = counts
        values[:-1, -1] = counts.sum(axis=1)
        values[-1, :-1] = counts.sum(axis=0)
        values[-1, -1] = counts.sum()
        public = rng.random() < 0.3  # every entry covered by the rule, totals too
        eligible = np.zeros(values.shape, dtype=bool)
        eligible[:-1, :] = sensitive[:, None] | public
        eligible[-1, :] = public
        primary = eligible & (values >= 1) & (values < THRESHOLD)
        table = suppress_table(counts, primary=primary, eligible=eligible)
        full, hidden = extended(table)
        assert np.all(hidden[primary])
        assert pinned(full, hidden, primary, eligible) == [], (counts, sensitive, public)
