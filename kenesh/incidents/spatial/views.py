"""Pages: the hot spot map and the near-repeat (Knox) table."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from kenesh.core.access import access, requires
from kenesh.core.pages import query_with_defaults
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import require_anywhere
from kenesh.geo.basemap.selectors import MAX_SIDE_DEGREES, Extent, nearest_settlements
from kenesh.geo.geometry import boundary_vertices
from kenesh.incidents.filters import IncidentFilter
from kenesh.incidents.spatial import selectors as spatial
from kenesh.incidents.spatial.forms import HotspotForm, NearRepeatForm

#: Rows of the hot spot table, kept short for phones (the map shows every cell).
TABLE_ROWS = 40  # the strongest cells; the map and the API have them all


def _bound_form(request: HttpRequest, form_class: type[Any], *, run_default: bool = False) -> Any:
    """The form, bound to the query string once the user has chosen a unit. A unit outside the
    user's scope is 404 and one where they may not see incident statistics 403, as in the API;
    the first time, the user's municipality (or the first pilot) is preselected, and with
    ``run_default`` the form is bound to it with the default period, so the page opens on an
    answer rather than a blank space before "Show"."""
    require_anywhere(request.user, Action.AGGREGATE, Resource.INCIDENTS)
    if "unit" in request.GET:
        spatial.analysis_unit(user=request.user, code=request.GET["unit"][:14])
        return form_class(query_with_defaults(request.GET, form_class), user=request.user)
    form = form_class(user=request.user)
    first = form.catalogue.default_municipality()
    if first is None:
        return form
    if run_default:
        query = QueryDict(mutable=True)
        query["unit"] = first.code
        return form_class(query_with_defaults(query, form_class), user=request.user)
    form.initial["unit"] = first.code
    return form


def _map_extent(result: spatial.HotspotMap) -> Extent:
    """The extent under the map: the cells and the unit's outline, with a margin, at most
    :data:`MAX_SIDE_DEGREES` a side (around its centre)."""
    rings = [cell.ring for cell in result.cells]
    vertices = boundary_vertices([unit.boundary or {} for unit in result.boundaries])
    points = [point for ring in rings for point in ring] + vertices.tolist()
    longitudes = [point[0] for point in points]
    latitudes = [point[1] for point in points]
    extent = Extent(min(longitudes), min(latitudes), max(longitudes), max(latitudes)).widened(0.1)
    half = MAX_SIDE_DEGREES / 2 - 0.001
    centre_x, centre_y = (extent.west + extent.east) / 2, (extent.south + extent.north) / 2
    return Extent(
        max(extent.west, centre_x - half),
        max(extent.south, centre_y - half),
        min(extent.east, centre_x + half),
        min(extent.north, centre_y + half),
    )


def _filters(request: HttpRequest, data: dict[str, Any]) -> IncidentFilter:
    return IncidentFilter(
        unit=spatial.analysis_unit(user=request.user, code=data["unit"]),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        category=data.get("category") or "",
    )


@access(requires(Resource.INCIDENTS, Action.AGGREGATE))
@require_safe
@login_required
def hotspots_page(request: HttpRequest) -> HttpResponse:
    form = _bound_form(request, HotspotForm, run_default=True)
    context: dict[str, Any] = {"form": form, "result": None}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = _filters(request, data)
        assert filters.unit is not None
        try:
            result = spatial.hotspot_map(
                user=request.user, unit=filters.unit, filters=filters, cell_m=data.get("cell_m")
            )
        except spatial.AnalysisRefused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            # A withheld count sorts as nothing: its place in the table must not tell it.
            listed = sorted(
                (
                    cell
                    for cell in result.cells
                    if cell.count or cell.suppressed or cell.hotspot_class
                ),
                key=lambda cell: (-cell.hotspot_class, -(cell.count or 0), cell.row, cell.col),
            )
            query = {
                "unit": filters.unit.code,
                "cell_m": result.cell_m,
                **({"from": data["date_from"].isoformat()} if data.get("date_from") else {}),
                **({"to": data["date_to"].isoformat()} if data.get("date_to") else {}),
                **({"category": data["category"]} if data.get("category") else {}),
            }
            shown = listed[:TABLE_ROWS]
            places = nearest_settlements([cell.centre for cell in shown])
            context |= {
                "result": result,
                "rows": list(zip(shown, places, strict=True)),
                "synthetic_places": any(place and place.synthetic for place in places),
                "basemap_url": (
                    f"{reverse('api:basemap')}?{urlencode({'bbox': _map_extent(result).as_text()})}"
                    if result.cells
                    else ""
                ),
                "more_rows": max(0, len(listed) - TABLE_ROWS),
                "hot": sum(1 for cell in result.cells if cell.hotspot_class > 0),
                "cold": sum(1 for cell in result.cells if cell.hotspot_class < 0),
                "data_url": f"{reverse('api:hotspots')}?{urlencode(query)}",
            }
    return render(request, "incidents/analysis/hotspots.html", context)


@access(requires(Resource.INCIDENTS, Action.AGGREGATE))
@require_safe
@login_required
def near_repeat_page(request: HttpRequest) -> HttpResponse:
    form = _bound_form(request, NearRepeatForm)
    context: dict[str, Any] = {"form": form, "table": None}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = _filters(request, data)
        assert filters.unit is not None
        try:
            context["table"] = spatial.near_repeat_table(
                user=request.user,
                unit=filters.unit,
                filters=filters,
                space_edges_m=data["space_edges"],
                time_edges_days=data["time_edges"],
                permutations=data["permutations"],
            )
        except spatial.AnalysisRefused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render(request, "incidents/analysis/near_repeat.html", context)
