"""Small-count suppression of published tables, with complementary (secondary) suppression.

A published count from 1 to ``threshold - 1`` (1 to 4 with the default of 5) may single out a
person: it is suppressed (primary suppression). 0 is shown: "nothing happened" identifies nobody.
A table that also publishes its totals would then give a suppressed cell back by subtraction
(row total minus the other cells of the row), so more cells are suppressed until no suppressed
value can be derived from the published ones (complementary or secondary suppression).

The table is seen as an *extended table* of (R+1)×(C+1) entries: the cells, the row totals in
column C, the column totals in row R and the grand total at (R, C). Every published line (a row
or a column of the extended table whose total is published) is a linear equation. Following
Gusfield (1988, "A graph theoretic approach to statistical data security", SIAM J. Comput.
17(3):552–571), suppressed entries are the edges of a bipartite graph between the lines: a
suppressed value is determined by the published values exactly when its edge is a *bridge* of
that graph (it lies on no cycle, so no change of the suppressed values along a cycle keeps every
line's sum and alters it). Lines without an equation (columns when column totals are not
published) are merged into one "ground" vertex, which the equations do not constrain.

The method is the classic one (Cox 1980, "Suppression methodology and statistical disclosure
control", JASA 75:377–385; Hundepool et al. 2012, *Statistical Disclosure Control*, §4.4):

1. suppress every entry, totals included, from 1 to ``threshold - 1``;
2. a published line with exactly one suppressed entry gives it back: suppress the smallest
   non-zero other entry of that line (a cell before a total, one whose other line already has a
   suppressed entry before one that starts a new chain); a line whose suppressed cells sum, by
   its published total, to between 1 and ``threshold - 1`` discloses a small count of its own:
   suppress one more entry there too;
3. repeat until stable; then suppress, for every remaining bridge, the smallest entry joining
   its two sides (closing a cycle through it); repeat from 2 until no bridge is left.

This protects against exact derivation by linear subtraction. It does not compute protection
intervals (Hundepool et al. §4.3): bounds from non-negativity across several lines may still
narrow a suppressed value; the per-line sum rule of step 2 removes the plainest such case (two
suppressed 1s beside a published total).

Pages mark a primary entry ("<5") apart from a complementary one, so a reader knows more than
the linear equations: a primary entry lies in 1 to ``threshold - 1``, and a complementary entry
that the rule would have suppressed had it been small (an entry of ``eligible``) lies outside
it (0, or ``threshold`` and more). Step 2 takes that knowledge into account line by line: a
published line whose withheld entries, with those bounds, leave a primary entry a single
possible value gives it back, and gets one more entry suppressed (two withheld entries of a
sensitive series, "<5" and a complement, beside a total of 6 are 1 and 5).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Counts below this (and above 0) are suppressed.
DEFAULT_THRESHOLD = 5

_INTERIOR, _MARGIN, _GRAND = 0, 1, 2


@dataclass(frozen=True)
class SuppressedTable:
    """A table of counts, its totals, and which of them are suppressed.

    ``hidden[i, j]`` is True for a suppressed cell; ``row_totals`` and ``column_totals`` (and
    their ``*_hidden`` masks) are None when those totals are not published; ``grand_total`` is
    None when neither is. ``primary`` marks the cells suppressed for being small themselves.
    """

    counts: IntArray
    hidden: BoolArray
    primary: BoolArray
    row_totals: IntArray | None
    row_totals_hidden: BoolArray | None
    column_totals: IntArray | None
    column_totals_hidden: BoolArray | None
    grand_total: int | None
    grand_total_hidden: bool

    @property
    def n_hidden(self) -> int:
        """Suppressed entries, cells and totals together."""
        total = int(self.hidden.sum())
        if self.row_totals_hidden is not None:
            total += int(self.row_totals_hidden.sum())
        if self.column_totals_hidden is not None:
            total += int(self.column_totals_hidden.sum())
        return total + int(self.grand_total_hidden)


@dataclass(frozen=True)
class SuppressedSeries:
    """One series of counts (months, cells of a map) with its total, as :func:`suppress_series`
    returns it: ``hidden[k]`` for a suppressed count, ``total_hidden`` for the total."""

    counts: IntArray
    hidden: BoolArray
    total: int | None
    total_hidden: bool


def small_counts(values: ArrayLike, threshold: int = DEFAULT_THRESHOLD) -> BoolArray:
    """Where a count is from 1 to ``threshold - 1``: primary suppression, nothing more."""
    counts = _as_counts(values)
    return (counts >= 1) & (counts < threshold)


def suppress_series(
    values: ArrayLike, *, threshold: int = DEFAULT_THRESHOLD, total: bool = True
) -> SuppressedSeries:
    """Suppress the small counts of one series and, when its total is published (or known from
    elsewhere: assume it is), enough others that none can be derived from the total."""
    counts = _as_counts(values).reshape(-1)
    table = suppress_table(
        counts.reshape(1, -1), threshold=threshold, row_totals=total, column_totals=False
    )
    return SuppressedSeries(
        counts=counts,
        hidden=table.hidden[0],
        total=int(counts.sum()) if total else None,
        total_hidden=bool(table.row_totals_hidden[0])
        if table.row_totals_hidden is not None
        else False,
    )


def suppress_table(
    values: ArrayLike,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    row_totals: bool = True,
    column_totals: bool = True,
    primary: ArrayLike | None = None,
    eligible: ArrayLike | None = None,
) -> SuppressedTable:
    """Primary and complementary suppression of an R×C table of non-negative integer counts.

    ``row_totals`` / ``column_totals``: whether the table publishes the total of each row /
    column (and then its grand total). ``primary``, when given, says which entries must be
    suppressed for their own sake, as a boolean mask of the (R+1)×(C+1) extended table (cells,
    row totals in the last column, column totals in the last row, the grand total in the
    corner); by default every entry from 1 to ``threshold - 1``. ``eligible`` (same shape) marks
    the entries whose small values the rule suppresses, so that a reader who sees a primary
    entry marked apart from a complementary one knows an eligible complement is not small; by
    default every entry without ``primary``, and the primary entries alone with it (a reader
    told nothing more). Returns which cells and totals
    to suppress so that no suppressed value is a linear function of the published ones (see the
    module docstring for the method and its references). Deterministic.
    """
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    counts = _as_counts(values)
    if counts.ndim != 2:
        raise ValueError("a table is two-dimensional: rows × columns")
    table = _ExtendedTable(counts, threshold, row_totals=row_totals, column_totals=column_totals)
    if primary is not None:
        chosen = np.asarray(primary, dtype=bool)
        if chosen.shape != table.values.shape:
            raise ValueError("primary covers the extended table: (rows + 1) × (columns + 1)")
        table.primary = chosen & table.exists
        table.hidden = table.primary.copy()
        table.eligible = table.primary.copy()
    if eligible is not None:
        marked = np.asarray(eligible, dtype=bool)
        if marked.shape != table.values.shape:
            raise ValueError("eligible covers the extended table: (rows + 1) × (columns + 1)")
        table.eligible = (marked | table.primary) & table.exists
    table.suppress()
    n_rows, n_cols = counts.shape
    hidden = table.hidden
    return SuppressedTable(
        counts=counts,
        hidden=hidden[:n_rows, :n_cols].copy(),
        primary=table.primary[:n_rows, :n_cols].copy(),
        row_totals=table.values[:n_rows, n_cols].copy() if row_totals else None,
        row_totals_hidden=hidden[:n_rows, n_cols].copy() if row_totals else None,
        column_totals=table.values[n_rows, :n_cols].copy() if column_totals else None,
        column_totals_hidden=hidden[n_rows, :n_cols].copy() if column_totals else None,
        grand_total=int(table.values[n_rows, n_cols]) if row_totals or column_totals else None,
        grand_total_hidden=bool(hidden[n_rows, n_cols]),
    )


def _as_counts(values: ArrayLike) -> IntArray:
    array = np.asarray(values)
    fractional = array.size and not np.issubdtype(array.dtype, np.integer)
    if fractional and not (np.all(np.isfinite(array)) and np.all(array == np.round(array))):
        raise ValueError("counts must be whole numbers")
    counts = array.astype(np.int64)
    if np.any(counts < 0):
        raise ValueError("counts cannot be negative")
    return counts


class _ExtendedTable:
    """The (R+1)×(C+1) extended table, its lines as graph vertices and the suppression state.

    Vertex ids: row line i (0..R) is ``i``, column line j (0..C) is ``R + 1 + j``; a line
    without an equation maps to the ground vertex ``R + C + 2``.
    """

    def __init__(
        self, counts: IntArray, threshold: int, *, row_totals: bool, column_totals: bool
    ) -> None:
        n_rows, n_cols = counts.shape
        self.n_rows, self.n_cols, self.threshold = n_rows, n_cols, threshold
        values = np.zeros((n_rows + 1, n_cols + 1), dtype=np.int64)
        values[:n_rows, :n_cols] = counts
        values[:n_rows, n_cols] = counts.sum(axis=1)
        values[n_rows, :n_cols] = counts.sum(axis=0)
        values[n_rows, n_cols] = counts.sum()
        exists = np.zeros_like(values, dtype=bool)
        exists[:n_rows, :n_cols] = True
        exists[:n_rows, n_cols] = row_totals
        exists[n_rows, :n_cols] = column_totals
        exists[n_rows, n_cols] = row_totals or column_totals
        kind = np.full(values.shape, _MARGIN, dtype=np.int8)
        kind[:n_rows, :n_cols] = _INTERIOR
        kind[n_rows, n_cols] = _GRAND
        self.values, self.exists, self.kind = values, exists, kind
        self.primary = exists & (values >= 1) & (values < threshold)
        self.hidden = self.primary.copy()
        # Entries whose small values the rule suppresses: a complement among them is not small.
        self.eligible = exists.copy()
        self.ground = n_rows + n_cols + 2
        # Which lines carry an equation: rows (and the row-totals column) need row totals.
        row_constrained = [row_totals] * n_rows + [column_totals]
        column_constrained = [column_totals] * n_cols + [row_totals]
        self.row_node = [i if row_constrained[i] else self.ground for i in range(n_rows + 1)]
        self.column_node = [
            n_rows + 1 + j if column_constrained[j] else self.ground for j in range(n_cols + 1)
        ]
        # Each constrained line: its entries (members, then the line's own total last).
        self.lines: list[tuple[int, list[tuple[int, int]]]] = []
        for i in range(n_rows + 1):
            if row_constrained[i]:
                self.lines.append((i, [(i, j) for j in range(n_cols + 1)]))
        for j in range(n_cols + 1):
            if column_constrained[j]:
                self.lines.append((n_rows + 1 + j, [(i, j) for i in range(n_rows + 1)]))

    # -- the graph of suppressed entries --------------------------------------------------

    def _edge(self, i: int, j: int) -> tuple[int, int]:
        return self.row_node[i], self.column_node[j]

    def _hidden_entries(self) -> list[tuple[int, int]]:
        rows, cols = np.nonzero(self.hidden & self.exists)
        return list(zip(rows.tolist(), cols.tolist(), strict=True))

    def _degrees(self) -> list[int]:
        degree = [0] * (self.ground + 1)
        for i, j in self._hidden_entries():
            u, v = self._edge(i, j)
            if u != v:
                degree[u] += 1
                degree[v] += 1
        return degree

    def _bridges(self) -> list[tuple[int, int]]:
        """Suppressed entries on no cycle (Tarjan's bridge search, iterative, multigraph)."""
        entries = self._hidden_entries()
        adjacency: list[list[tuple[int, int]]] = [[] for _ in range(self.ground + 1)]
        for k, (i, j) in enumerate(entries):
            u, v = self._edge(i, j)
            if u != v:  # an entry in no equation is never determined
                adjacency[u].append((v, k))
                adjacency[v].append((u, k))
        order = [-1] * (self.ground + 1)
        low = [0] * (self.ground + 1)
        counter = 0
        found: list[tuple[int, int]] = []
        for start in range(self.ground + 1):
            if order[start] != -1 or not adjacency[start]:
                continue
            order[start] = low[start] = counter
            counter += 1
            stack = [(start, -1, iter(adjacency[start]))]
            while stack:
                node, via, neighbours = stack[-1]
                for other, k in neighbours:
                    if k == via:
                        continue
                    if order[other] == -1:
                        order[other] = low[other] = counter
                        counter += 1
                        stack.append((other, k, iter(adjacency[other])))
                        break
                    low[node] = min(low[node], order[other])
                else:
                    stack.pop()
                    if stack:
                        parent = stack[-1][0]
                        low[parent] = min(low[parent], low[node])
                        if low[node] > order[parent]:
                            found.append(entries[via])
        return found

    def _side(self, start: int, without: tuple[int, int]) -> set[int]:
        """Vertices reachable from ``start`` over suppressed entries other than ``without``."""
        adjacency: dict[int, list[int]] = {}
        for entry in self._hidden_entries():
            if entry == without:
                continue
            u, v = self._edge(*entry)
            adjacency.setdefault(u, []).append(v)
            adjacency.setdefault(v, []).append(u)
        seen, queue = {start}, deque([start])
        while queue:
            for other in adjacency.get(queue.popleft(), []):
                if other not in seen:
                    seen.add(other)
                    queue.append(other)
        return seen

    # -- choosing what else to suppress ---------------------------------------------------

    def _cost(self, i: int, j: int, degree: list[int], line: int) -> tuple[int, int, int, int]:
        u, v = self._edge(i, j)
        other = v if u == line else u
        starts_chain = 0 if degree[other] > 0 or other == self.ground else 1
        value = int(self.values[i, j])
        return (int(self.kind[i, j]), int(value == 0), starts_chain, value)

    def _line_step(self) -> bool:
        """Suppress one more entry in every line that gives a suppressed value back."""
        changed = False
        for node, members in self.lines:
            hidden = [entry for entry in members if self.exists[entry] and self.hidden[entry]]
            if not hidden:
                continue
            total = members[-1]
            leaks = len(hidden) == 1
            if not leaks and self.exists[total] and not self.hidden[total]:
                hidden_sum = sum(int(self.values[entry]) for entry in hidden)
                leaks = 0 < hidden_sum < self.threshold or self._marks_pin(hidden, hidden_sum)
            if not leaks:
                continue
            candidates = [
                entry for entry in members if self.exists[entry] and not self.hidden[entry]
            ]
            if not candidates:
                continue  # every entry of the line is suppressed already
            degree = self._degrees()
            chosen = min(
                candidates, key=lambda entry: (self._cost(entry[0], entry[1], degree, node), entry)
            )
            self.hidden[chosen] = True
            changed = True
        return changed

    def _marks_pin(self, hidden: list[tuple[int, int]], hidden_sum: int) -> bool:
        """Whether the withheld entries of a line, adding up to ``hidden_sum`` (its total is
        published), leave one of its primary entries a single possible value when the reader
        knows which are primary (1 to ``threshold - 1``) and which eligible complements (0, or
        ``threshold`` and more)."""
        n_primary = sum(1 for entry in hidden if self.primary[entry])
        if n_primary == 0:
            return False
        n_eligible = sum(1 for entry in hidden if self.eligible[entry] and not self.primary[entry])
        n_free = len(hidden) - n_primary - n_eligible
        low, high = 1, self.threshold - 1
        # Every primary entry has the same bounds, so the others of each are alike: the other
        # primaries (their sum any whole number between their count and t - 1 times it), the
        # eligible complements (0, or t and more, however many) and the free ones (anything).
        others = [[((n_primary - 1) * low, (n_primary - 1) * high)]]
        if n_eligible:
            others.append([(0, 0), (self.threshold, hidden_sum)])
        if n_free:
            others.append([(0, hidden_sum)])
        reach = _sums(others, hidden_sum)
        possible = [
            value for value in range(low, min(high, hidden_sum) + 1) if reach[hidden_sum - value]
        ]
        return len(possible) <= 1

    def _bridge_step(self) -> bool:
        """Close a cycle through the first bridge left; False when there is none."""
        bridges = self._bridges()
        if not bridges:
            return False
        bridge = bridges[0]
        u, v = self._edge(*bridge)
        side_u, side_v = self._side(u, bridge), self._side(v, bridge)
        degree = self._degrees()
        best: tuple[tuple[int, int, int, int], tuple[int, int]] | None = None
        for i in range(self.n_rows + 1):
            for j in range(self.n_cols + 1):
                if not self.exists[i, j] or self.hidden[i, j]:
                    continue
                a, b = self._edge(i, j)
                if (a in side_u and b in side_v) or (a in side_v and b in side_u):
                    cost = self._cost(i, j, degree, a)
                    if best is None or cost < best[0]:  # ties: the first in reading order
                        best = (cost, (i, j))
        if best is None:
            # Cannot happen in an extended table (every line meets every crossing line), but
            # suppressing everything is the safe answer if it ever did.
            self.hidden[self.exists] = True
            return False
        self.hidden[best[1]] = True
        return True

    def suppress(self) -> None:
        while True:
            while self._line_step():
                pass
            if not self._bridge_step():
                break
        if self._bridges():  # pragma: no cover - a safety net, see _bridge_step
            self.hidden[self.exists] = True


def _sums(domains: list[list[tuple[int, int]]], limit: int) -> BoolArray:
    """Which totals from 0 to ``limit`` a sum of one value from each domain (a union of closed
    intervals) can reach: a subset-sum over intervals, each step a sliding window."""
    reach = np.zeros(limit + 1, dtype=bool)
    reach[0] = True
    totals = np.arange(limit + 1)
    for domain in domains:
        cumulative = np.concatenate(([0], np.cumsum(reach)))
        following = np.zeros_like(reach)
        for low, high in domain:
            if low > high:
                continue
            upper = totals - low  # the sum before this value, at most
            lower = np.maximum(totals - high, 0)
            valid = upper >= 0
            counts = cumulative[np.clip(upper, -1, limit) + 1] - cumulative[lower]
            following |= valid & (counts > 0)
        reach = following
    return reach
