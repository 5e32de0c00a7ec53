"""API: hot spots (Getis–Ord Gi* on a grid, GeoJSON) and near repeats (Knox test)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from django.views.decorators.gzip import gzip_page
from ninja import Query, Router
from ninja.decorators import decorate_view
from ninja.errors import ValidationError

from kenesh.core.access import api_access, requires
from kenesh.core.api import responses
from kenesh.core.permissions import Action, Resource
from kenesh.incidents.filters import IncidentFilter
from kenesh.incidents.spatial import selectors as spatial
from kenesh.incidents.spatial.schemas import (
    HotspotFilters,
    HotspotsOut,
    NearRepeatFilters,
    NearRepeatOut,
)

router = Router(tags=["analytics"])


def _refused(exc: spatial.AnalysisRefused) -> ValidationError:
    # ctx.error: the text the API's error handler shows for a value_error (kenesh.core.api).
    return ValidationError(
        [
            {
                "loc": ["query", exc.field],
                "msg": exc.message,
                "type": "value_error",
                "ctx": {"error": exc.message},
            }
        ]
    )


def _filters(request: HttpRequest, query: HotspotFilters | NearRepeatFilters) -> IncidentFilter:
    unit = spatial.analysis_unit(user=request.user, code=query.unit)
    return IncidentFilter(
        unit=unit,
        date_from=query.date_from,
        date_to=query.date_to,
        category=query.category.value if query.category else "",
    )


@router.get(
    "/hotspots",
    response=responses(HotspotsOut),
    summary="Hot spots: Getis–Ord Gi* classes after FDR on a grid, as GeoJSON",
    url_name="hotspots",
)
# Compressed: a map of a municipality is a few hundred cells of repetitive GeoJSON (about a
# fifth of the size gzipped). Safe from BREACH: the answer holds no secret and echoes no input.
@decorate_view(gzip_page)
@api_access(requires(Resource.INCIDENTS, Action.AGGREGATE))
def hotspots(request: HttpRequest, query: Query[HotspotFilters]) -> dict[str, Any]:
    filters = _filters(request, query)
    assert filters.unit is not None
    try:
        result = spatial.hotspot_map(
            user=request.user, unit=filters.unit, filters=filters, cell_m=query.cell_m
        )
    except spatial.AnalysisRefused as exc:
        raise _refused(exc) from exc
    return spatial.hotspot_geojson(result)


@router.get(
    "/near-repeat",
    response=responses(NearRepeatOut),
    summary="Near repeats: Knox test by distance and time band",
    url_name="near_repeat",
)
@api_access(requires(Resource.INCIDENTS, Action.AGGREGATE))
def near_repeat(request: HttpRequest, query: Query[NearRepeatFilters]) -> dict[str, Any]:
    try:
        space_edges = spatial.parse_edges(
            query.space_edges, field="space_edges", maximum=spatial.MAX_SPACE_EDGE_M
        )
        time_edges = spatial.parse_edges(
            query.time_edges,
            field="time_edges",
            maximum=spatial.MAX_TIME_EDGE_DAYS,
            whole=True,
        )
        filters = _filters(request, query)
        assert filters.unit is not None
        table = spatial.near_repeat_table(
            user=request.user,
            unit=filters.unit,
            filters=filters,
            space_edges_m=space_edges,
            time_edges_days=time_edges,
            permutations=query.permutations,
        )
    except spatial.AnalysisRefused as exc:
        raise _refused(exc) from exc
    return {
        "unit": table.unit.code,
        "category": table.category,
        "events": table.events,
        "not_mapped": table.not_mapped,
        "permutations": table.permutations,
        "seed": table.seed,
        "epsg": table.epsg,
        "space_edges_m": list(table.space_edges_m),
        "time_edges_days": list(table.time_edges_days),
        "bands": [asdict(band) for band in table.bands],
    }
