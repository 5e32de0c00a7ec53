"""Selectors of the spatial analyses: incidents → arrays → kernels → what pages and the API show.

Every read goes through :func:`kenesh.incidents.filters.incidents_for` with
``Action.AGGREGATE``: a hot spot map and a Knox table are statistics, so the programme
coordinator, civil society and the livestock registrar see them too, never single records.

Hot spots (:func:`hotspot_map`): the study area is the grid of square cells (``cell_m`` metres,
UTM, :mod:`kenesh.analytics.grid`) spanning the incidents and, when the unit has a boundary, the
boundary's extent. Getis–Ord Gi* is computed over every cell of that grid (empty cells count as
zeros) with queen contiguity, then classed hot/cold at 90/95/99 % after Benjamini–Hochberg over
all cells. The map gets only the cells worth drawing: those holding incidents, their queen
neighbours and any significant cell, so a sparse municipality at 100 m does not send a quarter
of a million empty squares.

Disclosure control (docs/privacy.md, :mod:`kenesh.core.disclosure`): aggregate-only viewers get
cells of at least 1 km, whole months, no unit below a municipality, no cell count from 1 to 4
(complementary suppression against the total, which the statistics publish) and no Gi* z, p or
q (from which the counts could be solved back); the class of each cell stays. The points of
incidents in a sensitive category go into cells under 1 km only for the police in scope, who
may see them; for everyone else they are not mapped. Staff who read the register (read level)
get them only on a map of a sensitive category, in cells of 1 km or more, with the same
suppression and no z as aggregate-only viewers: on any other map they are not mapped, since
staff see the points of the other incidents and a cell's count minus those would give back
the sensitive ones.

Near repeats (:func:`near_repeat_table`): the Knox test of :mod:`kenesh.analytics.nearrepeat`
on the incidents' UTM coordinates in metres and their dates as whole days.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pyproj
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from kenesh.analytics.disclosure import suppress_table
from kenesh.analytics.grid import (
    CellGrid,
    cell_polygons,
    points_to_cells,
    queen_weights,
    utm_epsg,
)
from kenesh.analytics.nearrepeat import KnoxResult, knox
from kenesh.analytics.spatial import bh_adjusted, gi_star, hotspot_classes
from kenesh.core.disclosure import (
    MIN_AGGREGATE_CELL_M,
    SMALL_COUNT,
    Detail,
    DisclosureRefused,
    Published,
    check_area,
    check_cell_size,
    min_cell_m,
    suppresses,
    suppresses_cells,
    whole_months,
)
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import require_at
from kenesh.geo.geometry import boundary_vertices
from kenesh.geo.models import AdministrativeUnit, Level
from kenesh.geo.selectors import unit_get
from kenesh.incidents.categories import SENSITIVE_CATEGORIES, Category
from kenesh.incidents.disclosure import incident_detail, sensitive_incidents
from kenesh.incidents.filters import IncidentFilter, incidents_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User

#: Cell sizes a user may choose, in metres.
CELL_M_MIN = 100
CELL_M_MAX = 5000
CELL_M_DEFAULT = 500
#: The whole study grid (Gi* is computed on all of it) and the cells sent to the map.
MAX_GRID_CELLS = 1_000_000
MAX_MAP_CELLS = 20_000

#: Five bands of doubling distance and five weeks, as Ratcliffe's Near Repeat Calculator offers.
#: Bands are half-open, [a, b): the time edges 0,7 hold pairs 0 to 6 whole days apart (labelled
#: "0–6 days"); Ratcliffe's inclusive "0 to 7 days" is edges 0,8 here (docs/spatial.md).
DEFAULT_SPACE_EDGES_M = (0.0, 100.0, 200.0, 400.0, 800.0, 1600.0)
DEFAULT_TIME_EDGES_DAYS = (0.0, 7.0, 14.0, 21.0, 28.0, 35.0)
PERMUTATIONS_DEFAULT = 99
PERMUTATIONS_MAX = 999
KNOX_SEED = 0
#: A web request answers within seconds: more events than this, or a heavier pair load, must
#: be narrowed by period or category (or run offline with the kernel).
MAX_NEAR_REPEAT_EVENTS = 5_000
#: Candidate pairs (closer than the last space edge) times permutations: about a second of work.
MAX_PAIR_PERMUTATIONS = 300_000_000
MAX_EDGES = 11
MAX_SPACE_EDGE_M = 20_000.0
MAX_TIME_EDGE_DAYS = 3_650.0
#: Significance for the plain-language reading of a Knox cell.
NEAR_REPEAT_ALPHA = 0.05


class AnalysisRefused(ValueError):
    """The analysis cannot run on this request (too large, bad edges): a 422 with ``field``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def analysis_unit(*, user: User | AnonymousUser, code: str) -> AdministrativeUnit:
    """The unit to analyse: 404 outside the user's scope, 403 where the user may not aggregate
    incidents (e.g. the rayon above a municipal user's own unit)."""
    unit = unit_get(user=user, code=code)
    require_at(user, Action.AGGREGATE, Resource.INCIDENTS, unit.path)
    return unit


# --- Hot spots -------------------------------------------------------------------------------


def probability_text(p: float) -> str:
    """A p-value for people: four decimals, and "< 0.0001" below that."""
    return "< 0.0001" if p < 0.0001 else f"{p:.4f}"


def hotspot_detail(user: User | AnonymousUser, unit: AdministrativeUnit) -> Detail:
    """The level of detail of a hot spot map of ``unit`` for ``user``."""
    return incident_detail(user, [unit])


def default_cell_m(detail: Detail) -> int:
    """The cell size a map starts with: 500 m, or the narrowest the level allows."""
    return max(CELL_M_DEFAULT, int(min_cell_m(detail)))


@dataclass(frozen=True)
class HotspotCell:
    """One cell of the map. ``count`` is None where it is suppressed; ``gi_z``, ``p`` and ``q``
    are None for aggregate-only viewers."""

    row: int
    col: int
    count: int | None
    gi_z: float | None
    p: float | None
    q: float | None
    hotspot_class: int
    ring: list[list[float]]  # closed (lon, lat) ring, counter-clockwise
    suppressed: bool = False
    #: Suppressed for holding 1 to 4 incidents itself (a page says <5); a cell suppressed
    #: without it is withheld to protect another and may hold any number (a page says ×).
    small: bool = False

    @property
    def published(self) -> Published:
        return Published(self.count, suppressed=self.suppressed, small=self.small)

    @property
    def centre(self) -> tuple[float, float]:
        """(lat, lon) of the cell's centre, the mean of its four corners."""
        corners = np.asarray(self.ring[:4])
        return float(corners[:, 1].mean()), float(corners[:, 0].mean())

    @property
    def p_text(self) -> str:
        return "—" if self.p is None else probability_text(self.p)

    @property
    def q_text(self) -> str:
        return "—" if self.q is None else probability_text(self.q)

    @property
    def class_label(self) -> str:
        """The class in words; a hot cell without incidents of its own is named for what Gi*
        says of it: it lies among hot cells (never "hot spot 99 %" for an empty cell)."""
        if self.hotspot_class > 0 and self.count == 0:
            return str(EMPTY_HOT_LABELS[self.hotspot_class])
        return str(CLASS_LABELS[self.hotspot_class])

    @property
    def count_text(self) -> str:
        """The cell's incidents in words, plural by the language's rules: "3 incidents"."""
        if self.count is None and self.small:
            return _("fewer than 5 incidents")
        if self.count is None:
            return _("incidents withheld so that a hidden count cannot be worked out")
        return ngettext("%(count)d incident", "%(count)d incidents", self.count) % {
            "count": self.count
        }

    @property
    def reading(self) -> str:
        """What the class means for this cell, in a sentence (Gi* judges a cell together with
        its eight neighbours, so an empty cell can be hot and a busy one not)."""
        if self.hotspot_class > 0 and self.count == 0:
            return _(
                "No incident in this cell itself: it is marked because the cells around it "
                "hold more incidents than chance would give (Gi* judges a cell together with "
                "its eight neighbours)."
            )
        if self.hotspot_class > 0:
            return _(
                "This cell and the eight around it hold more incidents than chance would give."
            )
        if self.hotspot_class < 0:
            return _(
                "This cell and the eight around it hold fewer incidents than chance would give."
            )
        return _("Here and around, no more and no fewer incidents than chance would give.")


@dataclass(frozen=True)
class HotspotMap:
    """The map. ``mapped`` and ``not_mapped`` are None where they are suppressed (small counts
    of a sensitive category for aggregate-only viewers); ``date_from`` and ``date_to`` are the
    dates counted (whole months for aggregate-only viewers). ``sensitive_left_out``: incidents
    in a sensitive category are not mapped (:func:`maps_sensitive`); ``cells_suppressed``: cell
    counts from 1 to 4 are withheld and no cell has its z, p or q."""

    unit: AdministrativeUnit
    cell_m: int
    grid: CellGrid | None  # None when no incident has a location
    cells: list[HotspotCell]
    mapped: int | None
    not_mapped: int | None
    boundaries: list[AdministrativeUnit]
    detail: Detail = Detail.RESTRICTED
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sensitive_left_out: bool = False
    cells_suppressed: bool = False

    @property
    def significant_cells(self) -> list[HotspotCell]:
        return [cell for cell in self.cells if cell.hotspot_class != 0]

    @property
    def sensitive_not_mapped(self) -> bool:
        """Whether incidents in a sensitive category are left off this map (see
        :func:`maps_sensitive`)."""
        return self.sensitive_left_out


def _class_labels() -> dict[int, Any]:
    from django.utils.translation import gettext_lazy

    return {
        3: gettext_lazy("hot spot, confidence 99 %"),
        2: gettext_lazy("hot spot, confidence 95 %"),
        1: gettext_lazy("hot spot, confidence 90 %"),
        0: gettext_lazy("not significant"),
        -1: gettext_lazy("cold spot, confidence 90 %"),
        -2: gettext_lazy("cold spot, confidence 95 %"),
        -3: gettext_lazy("cold spot, confidence 99 %"),
    }


CLASS_LABELS = _class_labels()


def _empty_hot_labels() -> dict[int, Any]:
    from django.utils.translation import gettext_lazy

    return {
        3: gettext_lazy("no incidents here, among hot spot cells (99 %)"),
        2: gettext_lazy("no incidents here, among hot spot cells (95 %)"),
        1: gettext_lazy("no incidents here, among hot spot cells (90 %)"),
    }


EMPTY_HOT_LABELS = _empty_hot_labels()


def maps_sensitive(detail: Detail, cell_m: float, category: str) -> bool:
    """Whether incidents in a sensitive category go on a map (docs/privacy.md): always for the
    police in scope; in cells of 1 km or more for aggregate-only and public viewers, whose every
    cell count from 1 to 4 is suppressed; for staff who read the register (who see the points
    of all other incidents, so an unsuppressed cell would give the sensitive ones back by
    subtraction) only on a map of a sensitive category in cells of 1 km or more, suppressed
    alike."""
    if detail is Detail.RESTRICTED:
        return True
    if cell_m < MIN_AGGREGATE_CELL_M:
        return False
    return detail.aggregate_only or category in SENSITIVE_CATEGORIES


def _located(
    filters: IncidentFilter, user: User | AnonymousUser, *, with_sensitive: bool
) -> tuple[Any, int]:
    """The incidents to map and how many are not: without a location, or (unless
    ``with_sensitive``) in a sensitive category, whose point the viewer may not see."""
    incidents = incidents_for(user=user, action=Action.AGGREGATE, filters=filters)
    located = incidents.filter(latitude__isnull=False, longitude__isnull=False)
    if not with_sensitive:
        located = located.exclude(sensitive_incidents())
    return located, incidents.count() - located.count()


@dataclass(frozen=True)
class _Withheld:
    cells: set[int]  # indices into the occupied cells
    small: set[int]  # those of them withheld for holding 1 to 4 incidents themselves
    mapped: bool
    not_mapped: bool


def _withheld(
    detail: Detail, occupied: NDArray[np.int64], not_mapped: int, *, sensitive: bool
) -> _Withheld:
    """Which cell counts (and totals) a viewer does not get where cells are suppressed
    (aggregate-only viewers; staff on a map of a sensitive category): cell counts from 1 to 4,
    and the totals' when small in a sensitive category for aggregate-only (or public) viewers, with
    complementary suppression. The total of all incidents (mapped and not) is assumed known:
    the statistics publish it."""
    if not suppresses_cells(detail, sensitive=sensitive) or occupied.size == 0:
        return _Withheld(set(), set(), False, False)
    totals_primary = suppresses(detail, sensitive=sensitive)
    table = np.zeros((2, occupied.size), dtype=np.int64)
    table[0] = occupied
    table[1, 0] = not_mapped
    primary = np.zeros((3, occupied.size + 1), dtype=bool)
    primary[0, :-1] = (occupied >= 1) & (occupied < SMALL_COUNT)

    def small(value: int) -> bool:
        return totals_primary and 1 <= value < SMALL_COUNT

    mapped = int(occupied.sum())
    primary[0, -1] = small(mapped)
    primary[1, 0] = primary[1, -1] = small(not_mapped)
    primary[2, -1] = small(mapped + not_mapped)
    # The pages mark a small count (<5) apart from a complement (×): the reader knows every
    # occupied cell is covered by the rule, so a × cell holds 5 or more
    # (kenesh.analytics.disclosure, ``eligible``).
    eligible = np.zeros((3, occupied.size + 1), dtype=bool)
    eligible[0, :-1] = occupied >= 1
    eligible[0, -1] = eligible[1, 0] = eligible[1, -1] = eligible[2, -1] = totals_primary
    found = suppress_table(
        table, row_totals=True, column_totals=False, primary=primary, eligible=eligible
    )
    assert found.row_totals_hidden is not None
    hidden = {int(k) for k in np.flatnonzero(found.hidden[0])}
    return _Withheld(
        hidden,
        {k for k in hidden if primary[0, k]},
        bool(found.row_totals_hidden[0]),
        bool(found.hidden[1, 0] or found.row_totals_hidden[1]),
    )


def hotspot_map(
    *,
    user: User | AnonymousUser,
    unit: AdministrativeUnit,
    filters: IncidentFilter,
    cell_m: int | None = None,
) -> HotspotMap:
    """Gi* hot and cold spots of the incidents the user may aggregate in ``unit``, under
    disclosure control (see the module docstring). ``cell_m`` None: :func:`default_cell_m`.

    Raises :class:`AnalysisRefused` when the study grid exceeds :data:`MAX_GRID_CELLS` or the
    cells to draw exceed :data:`MAX_MAP_CELLS` (choose larger cells), and when the request
    asks for more detail than the user's level allows (cells under 1 km, a settlement).
    """
    detail = hotspot_detail(user, unit)
    if cell_m is None:
        cell_m = default_cell_m(detail)
    if not CELL_M_MIN <= cell_m <= CELL_M_MAX:
        raise AnalysisRefused(
            "cell_m",
            _("The cell size must lie between %(min)d and %(max)d metres.")
            % {"min": CELL_M_MIN, "max": CELL_M_MAX},
        )
    try:
        check_cell_size(detail, cell_m)
        check_area(detail, below_municipality=unit.level == Level.SETTLEMENT)
    except DisclosureRefused as exc:
        raise AnalysisRefused(exc.field, exc.message) from exc
    date_from, date_to = whole_months(detail, filters.date_from, filters.date_to)
    filters = replace(filters, date_from=date_from, date_to=date_to)
    sensitive = filters.category in SENSITIVE_CATEGORIES
    with_sensitive = maps_sensitive(detail, cell_m, filters.category)
    # Read-level staff get a map of a sensitive category with small cells suppressed and no z,
    # as aggregate-only viewers do.
    cells_suppressed = suppresses_cells(detail, sensitive=sensitive)
    located, not_mapped = _located(filters, user, with_sensitive=with_sensitive)
    # Unordered: the register's newest-first order would make PostgreSQL walk the date index.
    points = np.asarray(
        list(located.order_by().values_list("longitude", "latitude")), dtype=np.float64
    )
    points = points.reshape(-1, 2)
    boundaries = [unit, *unit.descendants().filter(boundary__isnull=False)]
    boundaries = [candidate for candidate in boundaries if candidate.boundary]
    if points.shape[0] == 0:
        withheld = _withheld(detail, np.zeros(0, dtype=np.int64), not_mapped, sensitive=sensitive)
        return HotspotMap(
            unit,
            cell_m,
            None,
            [],
            0,
            None if withheld.not_mapped else not_mapped,
            boundaries,
            detail,
            date_from,
            date_to,
            not with_sensitive,
            cells_suppressed,
        )
    # The unit's own boundary widens the study area to the whole unit; it is added as extra
    # points that fix the grid's extent and are dropped before counting.
    extent = boundary_vertices([unit.boundary] if unit.boundary else [])
    all_points = np.vstack([points, extent])
    try:
        gridded = points_to_cells(
            all_points[:, 1], all_points[:, 0], float(cell_m), max_cells=MAX_GRID_CELLS
        )
    except ValueError as exc:
        raise AnalysisRefused(
            "cell_m",
            _(
                "The area needs more than %(max)d cells of %(size)d m: choose larger cells or a "
                "smaller unit."
            )
            % {"max": MAX_GRID_CELLS, "size": cell_m},
        ) from exc
    grid = gridded.grid
    n = points.shape[0]
    counts = np.bincount(gridded.cell[:n], minlength=grid.n_cells).astype(np.float64)
    weights = queen_weights(grid.n_rows, grid.n_cols)
    statistic = gi_star(counts, weights)
    classes = hotspot_classes(statistic.z, statistic.p)
    adjusted = bh_adjusted(statistic.p)
    occupied = counts > 0
    shown = occupied | (weights @ occupied.astype(np.float64) > 0) | (classes != 0)
    indices = np.flatnonzero(shown)
    if indices.size > MAX_MAP_CELLS:
        raise AnalysisRefused(
            "cell_m",
            _("The map would need %(count)d cells of %(size)d m: choose larger cells.")
            % {"count": indices.size, "size": cell_m},
        )
    rings = cell_polygons(grid, indices)
    rows, columns = np.divmod(indices, grid.n_cols)
    occupied_cells = np.flatnonzero(occupied)
    withheld = _withheld(
        detail, counts[occupied_cells].astype(np.int64), not_mapped, sensitive=sensitive
    )
    hidden = {int(occupied_cells[k]) for k in withheld.cells}
    small = {int(occupied_cells[k]) for k in withheld.small}
    # Gi* z and its p-values are affine in the window sums: with every cell's z the counts
    # could be solved back, so wherever counts are suppressed the viewer gets the class only.
    statistics = not cells_suppressed
    cells = [
        HotspotCell(
            row=int(rows[k]),
            col=int(columns[k]),
            count=None if int(index) in hidden else int(counts[index]),
            gi_z=float(statistic.z[index]) if statistics else None,
            p=float(statistic.p[index]) if statistics else None,
            q=float(adjusted[index]) if statistics else None,
            hotspot_class=int(classes[index]),
            ring=np.round(rings[k], 7).tolist(),
            suppressed=int(index) in hidden,
            small=int(index) in small,
        )
        for k, index in enumerate(indices)
    ]
    return HotspotMap(
        unit,
        cell_m,
        grid,
        cells,
        None if withheld.mapped else n,
        None if withheld.not_mapped else not_mapped,
        boundaries,
        detail,
        date_from,
        date_to,
        not with_sensitive,
        cells_suppressed,
    )


def hotspot_geojson(result: HotspotMap) -> dict[str, Any]:
    """The map as a GeoJSON FeatureCollection (RFC 7946): unit boundaries first, then cells.

    Foreign members describe the grid (so a client can recompute it) and the counts.
    """
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": unit.boundary,
            "properties": {"kind": "unit", "code": unit.code, "name": unit.name},
        }
        for unit in result.boundaries
    ]
    features.extend(
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [cell.ring]},
            "properties": {
                "kind": "cell",
                "row": cell.row,
                "col": cell.col,
                "count": cell.count,
                "suppressed": cell.suppressed,
                "gi_z": cell.gi_z,
                "p": cell.p,
                "q": cell.q,
                "class": cell.hotspot_class,
                "label": cell.class_label,
                "count_text": cell.count_text,
                "reading": cell.reading,
            },
        }
        for cell in result.cells
    )
    grid = result.grid
    return {
        "type": "FeatureCollection",
        "features": features,
        "unit": result.unit.code,
        "cell_m": result.cell_m,
        "detail": result.detail.code,
        "date_from": result.date_from,
        "date_to": result.date_to,
        "mapped": result.mapped,
        "mapped_suppressed": result.mapped is None,
        "not_mapped": result.not_mapped,
        "not_mapped_suppressed": result.not_mapped is None,
        "grid": None
        if grid is None
        else {
            "epsg": grid.epsg,
            "cell_m": grid.cell_m,
            "x_min_m": grid.x_min_m,
            "y_min_m": grid.y_min_m,
            "n_rows": grid.n_rows,
            "n_cols": grid.n_cols,
        },
    }


# --- Near repeats ----------------------------------------------------------------------------


def parse_edges(text: str, *, field: str, maximum: float, whole: bool = False) -> tuple[float, ...]:
    """Band edges from "0,100,200": 2 to 11 numbers, strictly increasing, from 0 to ``maximum``;
    whole numbers when ``whole`` (time edges: dates are whole days)."""
    parts = [part.strip() for part in text.split(",")]
    try:
        edges = tuple(float(part) for part in parts)
    except ValueError as exc:
        raise AnalysisRefused(
            field, _("Band edges are numbers separated by commas, e.g. 0,100,200.")
        ) from exc
    if not 2 <= len(edges) <= MAX_EDGES:
        raise AnalysisRefused(
            field, _("Give between 2 and %(max)d band edges.") % {"max": MAX_EDGES}
        )
    if not all(np.isfinite(edge) and 0.0 <= edge <= maximum for edge in edges):
        raise AnalysisRefused(
            field, _("Band edges must lie between 0 and %(max)s.") % {"max": f"{maximum:g}"}
        )
    if whole and not all(edge.is_integer() for edge in edges):
        raise AnalysisRefused(field, _("Time band edges are whole numbers of days."))
    if any(later <= earlier for earlier, later in itertools.pairwise(edges)):
        raise AnalysisRefused(field, _("Band edges must increase."))
    return edges


def space_band_label(start: float, end: float) -> str:
    """A distance band ``start <= d < end`` in metres: "less than 100 m", "100 to under 200 m"."""
    if start == 0:
        return _("less than %(end)s m") % {"end": _number(end)}
    return _("%(start)s to under %(end)s m") % {"start": _number(start), "end": _number(end)}


def time_band_label(start: float, end: float) -> str:
    """A time band ``start <= |t_i - t_j| < end`` over whole days, named by the days it holds,
    both inclusive as in Ratcliffe's calculator: edges 0 and 7 are "0–6 days"."""
    first, last = int(start), int(end) - 1
    if first == last:
        return ngettext("%(day)d day", "%(day)d days", first) % {"day": first}
    return _("%(first)d–%(last)d days") % {"first": first, "last": last}


@dataclass(frozen=True)
class KnoxBand:
    space_from: float
    space_to: float
    time_from: float
    time_to: float
    space_label: str
    time_label: str
    observed: int
    expected: float
    ratio: float | None
    p: float
    significant: bool
    reading: str


@dataclass(frozen=True)
class NearRepeatTable:
    unit: AdministrativeUnit
    category: str
    events: int
    not_mapped: int
    permutations: int
    seed: int
    epsg: int | None
    space_edges_m: tuple[float, ...]
    time_edges_days: tuple[float, ...]
    bands: list[KnoxBand]

    def rows(self) -> list[list[KnoxBand]]:
        """The bands as a table: one list per space band, ordered by time band."""
        width = len(self.time_edges_days) - 1
        return [self.bands[k : k + width] for k in range(0, len(self.bands), width)]

    @property
    def significant_bands(self) -> list[KnoxBand]:
        return [band for band in self.bands if band.significant]

    @property
    def pairs(self) -> int:
        """Pairs of incidents within the last distance and time edges (all bands together)."""
        return sum(band.observed for band in self.bands)

    @property
    def last_space_edge(self) -> str:
        return _number(self.space_edges_m[-1])

    @property
    def last_days(self) -> int:
        """The most whole days apart the bands hold (the last time edge minus one)."""
        return int(self.time_edges_days[-1]) - 1


def _number(value: float) -> str:
    return f"{value:g}"


def near_repeat_reading(
    *,
    space_from: float,
    space_to: float,
    time_from: float,
    time_to: float,
    ratio: float,
    event: str,
) -> str:
    """One sentence for a Knox cell, in the words of Ratcliffe's calculator, with the bands as
    computed: distances below the upper edge, whole days both inclusive."""
    values = {
        "space_from": _number(space_from),
        "space_to": _number(space_to),
        "days": time_band_label(time_from, time_to),
        "ratio": f"{ratio:.1f}",
        "event": event,
    }
    if space_from == 0:
        text = _(
            "Less than %(space_to)s m and %(days)s away from %(event)s, the risk of another is "
            "%(ratio)s times the expected."
        )
    else:
        text = _(
            "%(space_from)s to under %(space_to)s m and %(days)s away from %(event)s, the risk "
            "of another is %(ratio)s times the expected."
        )
    return text % values


def _event_noun(category: str) -> str:
    if category in Category.values:
        return _("an incident of %(category)s") % {"category": Category(category).label}
    return _("an incident")


def event_arrays(
    *, user: User | AnonymousUser, filters: IncidentFilter
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64], int | None, int]:
    """The located incidents as UTM easting and northing in metres (the zone of their centre)
    and dates as day numbers (proleptic Gregorian ordinal); also the EPSG code and the number of
    incidents without a location. Events are in the order of their date, then registration."""
    # Pairs, not incidents: the Knox table stays as it is at every level (docs/privacy.md).
    located, not_mapped = _located(filters, user, with_sensitive=True)
    # A fixed order (date, then registration) makes the permutations, and so the p-values,
    # reproducible for the same data.
    rows = list(
        located.order_by("occurred_on", "pk").values_list("longitude", "latitude", "occurred_on")
    )
    if not rows:
        empty = np.zeros(0)
        return empty, empty, np.zeros(0, dtype=np.int64), None, not_mapped
    if len(rows) > MAX_NEAR_REPEAT_EVENTS:
        raise AnalysisRefused(
            "unit",
            _(
                "%(count)d incidents are too many for the near-repeat test in the browser (at "
                "most %(max)d): choose a category or a shorter period."
            )
            % {"count": len(rows), "max": MAX_NEAR_REPEAT_EVENTS},
        )
    lon = np.fromiter((row[0] for row in rows), dtype=np.float64, count=len(rows))
    lat = np.fromiter((row[1] for row in rows), dtype=np.float64, count=len(rows))
    days = np.fromiter((row[2].toordinal() for row in rows), dtype=np.int64, count=len(rows))
    epsg = utm_epsg(
        (float(lat.min()) + float(lat.max())) / 2.0, (float(lon.min()) + float(lon.max())) / 2.0
    )
    x, y = pyproj.Transformer.from_crs(4326, epsg, always_xy=True).transform(lon, lat)
    return np.asarray(x), np.asarray(y), days, epsg, not_mapped


def near_repeat_table(
    *,
    user: User | AnonymousUser,
    unit: AdministrativeUnit,
    filters: IncidentFilter,
    space_edges_m: Sequence[float] = DEFAULT_SPACE_EDGES_M,
    time_edges_days: Sequence[float] = DEFAULT_TIME_EDGES_DAYS,
    permutations: int = PERMUTATIONS_DEFAULT,
) -> NearRepeatTable:
    """The Knox table of the incidents the user may aggregate in ``unit``, with a reading per
    cell whose excess is significant (ratio above 1 at p < 0.05)."""
    if not 1 <= permutations <= PERMUTATIONS_MAX:
        raise AnalysisRefused(
            "permutations",
            _("The number of permutations must lie between 1 and %(max)d.")
            % {"max": PERMUTATIONS_MAX},
        )
    if not all(float(edge).is_integer() for edge in time_edges_days):
        raise AnalysisRefused("time_edges", _("Time band edges are whole numbers of days."))
    x, y, days, epsg, not_mapped = event_arrays(user=user, filters=filters)
    n_space, n_time = len(space_edges_m) - 1, len(time_edges_days) - 1
    result: KnoxResult | None = None
    if days.size >= 2:
        tree = cKDTree(np.column_stack([x, y]))
        close_pairs = (int(tree.count_neighbors(tree, space_edges_m[-1])) - days.size) // 2
        if close_pairs * permutations > MAX_PAIR_PERMUTATIONS:
            raise AnalysisRefused(
                "permutations",
                _(
                    "%(pairs)d pairs of incidents lie within %(distance)s m of each other: too "
                    "many for %(permutations)d permutations here. Choose fewer permutations, a "
                    "smaller last distance band, a category or a shorter period."
                )
                % {
                    "pairs": close_pairs,
                    "distance": _number(space_edges_m[-1]),
                    "permutations": permutations,
                },
            )
        result = knox(
            x, y, days, space_edges_m, time_edges_days, permutations=permutations, seed=KNOX_SEED
        )
    event = _event_noun(filters.category)
    bands: list[KnoxBand] = []
    for k in range(n_space):
        for m in range(n_time):
            observed = int(result.observed[k, m]) if result else 0
            expected = float(result.expected[k, m]) if result else 0.0
            raw_ratio = float(result.ratio[k, m]) if result else float("nan")
            ratio = raw_ratio if np.isfinite(raw_ratio) else None
            p = float(result.p[k, m]) if result else 1.0
            significant = ratio is not None and ratio > 1.0 and p < NEAR_REPEAT_ALPHA
            reading = (
                near_repeat_reading(
                    space_from=space_edges_m[k],
                    space_to=space_edges_m[k + 1],
                    time_from=time_edges_days[m],
                    time_to=time_edges_days[m + 1],
                    ratio=ratio,
                    event=event,
                )
                if significant and ratio is not None
                else ""
            )
            bands.append(
                KnoxBand(
                    space_from=float(space_edges_m[k]),
                    space_to=float(space_edges_m[k + 1]),
                    time_from=float(time_edges_days[m]),
                    time_to=float(time_edges_days[m + 1]),
                    space_label=space_band_label(space_edges_m[k], space_edges_m[k + 1]),
                    time_label=time_band_label(time_edges_days[m], time_edges_days[m + 1]),
                    observed=observed,
                    expected=expected,
                    ratio=ratio,
                    p=p,
                    significant=significant,
                    reading=reading,
                )
            )
    return NearRepeatTable(
        unit=unit,
        category=filters.category,
        events=int(days.size),
        not_mapped=not_mapped,
        permutations=permutations,
        seed=KNOX_SEED,
        epsg=epsg,
        space_edges_m=tuple(float(edge) for edge in space_edges_m),
        time_edges_days=tuple(float(edge) for edge in time_edges_days),
        bands=bands,
    )
