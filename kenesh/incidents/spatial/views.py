"""Pages: the hot spot map and the near-repeat (Knox) table."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from kenesh.core.access import access, requires
from kenesh.core.pages import query_with_defaults
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import require_anywhere
from kenesh.incidents.filters import IncidentFilter
from kenesh.incidents.spatial import selectors as spatial
from kenesh.incidents.spatial.forms import HotspotForm, NearRepeatForm, analysable_units

#: Rows of the hot spot table, kept short for phones (the map shows every cell).
TABLE_ROWS = 40  # the strongest cells; the map and the API have them all


def _bound_form(request: HttpRequest, form_class: type[Any]) -> Any:
    """The form, bound to the query string once the user has chosen a unit. A unit outside the
    user's scope is 404 and one where they may not see incident statistics 403, as in the API;
    the first time, the first unit is preselected."""
    require_anywhere(request.user, Action.AGGREGATE, Resource.INCIDENTS)
    if "unit" in request.GET:
        spatial.analysis_unit(user=request.user, code=request.GET["unit"][:14])
        return form_class(query_with_defaults(request.GET, form_class), user=request.user)
    first = analysable_units(request.user).first()
    return form_class(user=request.user, initial={"unit": first.code if first else None})


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
    form = _bound_form(request, HotspotForm)
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
            context |= {
                "result": result,
                "rows": listed[:TABLE_ROWS],
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
