"""API: the basemap under a map's extent, as GeoJSON (no tile server)."""

from __future__ import annotations

import math
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from ninja import Query, Router
from ninja.decorators import decorate_view
from ninja.errors import ValidationError

from kenesh.core.access import api_access, requires
from kenesh.core.api import responses
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import require_anywhere
from kenesh.geo.basemap.schemas import BasemapOut, BasemapQuery
from kenesh.geo.basemap.selectors import MAX_SIDE_DEGREES, Extent, basemap_geojson

router = Router(tags=["geography"])


def _refused(message: str) -> ValidationError:
    # ctx.error: the text the API's error handler shows for a value_error (kenesh.core.api).
    return ValidationError(
        [
            {
                "loc": ["query", "bbox"],
                "msg": message,
                "type": "value_error",
                "ctx": {"error": message},
            }
        ]
    )


def parse_bbox(text: str) -> Extent:
    """``west,south,east,north`` in degrees; a 422 on anything else."""
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        values = []
    ok = (
        len(values) == 4
        and all(math.isfinite(v) for v in values)
        and -180 <= values[0] < values[2] <= 180
        and -90 <= values[1] < values[3] <= 90
    )
    if not ok:
        raise _refused(_("Give the extent as west,south,east,north in degrees."))
    if values[2] - values[0] > MAX_SIDE_DEGREES or values[3] - values[1] > MAX_SIDE_DEGREES:
        raise _refused(
            _("The extent may be at most %(max)s degrees a side.")
            % {"max": f"{MAX_SIDE_DEGREES:g}"}
        )
    return Extent(*values)


@router.get(
    "/basemap",
    response=responses(BasemapOut),
    summary="Basemap: settlements, roads and outlines in an extent, as GeoJSON",
    url_name="basemap",
)
# Compressed: road lines are long lists of repetitive coordinates.
@decorate_view(gzip_page)
@api_access(requires(Resource.GEOGRAPHY, Action.READ))
def basemap(request: HttpRequest, query: Query[BasemapQuery]) -> dict[str, Any]:
    require_anywhere(request.user, Action.READ, Resource.GEOGRAPHY)
    return basemap_geojson(parse_bbox(query.bbox))
