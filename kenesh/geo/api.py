"""API: administrative units."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router

from kenesh.core.access import api_access, requires
from kenesh.core.api import Page, PageQuery, paginate, responses
from kenesh.core.permissions import Action, Resource
from kenesh.geo.models import AdministrativeUnit
from kenesh.geo.schemas import UnitDetailOut, UnitFilters, UnitOut
from kenesh.geo.selectors import unit_get, unit_list

router = Router(tags=["geography"])


def _unit(request: HttpRequest, code: str) -> AdministrativeUnit:
    """The unit with SOATE ``code`` in the user's scope, or 404.

    A SOATE code is 14 ASCII digits; anything else names no unit and does not reach the
    database (where a NUL character, say, would be an error rather than "not found").
    """
    if not (len(code) == 14 and code.isascii() and code.isdigit()):
        raise Http404
    return unit_get(user=request.user, code=code)


@router.get("/units", response=responses(Page[UnitOut]), summary="Administrative units")
@api_access(requires(Resource.GEOGRAPHY, Action.READ))
def units(request: HttpRequest, page: PageQuery, filters: Query[UnitFilters]) -> dict[str, Any]:
    parent = _unit(request, filters.parent) if filters.parent else None
    return paginate(unit_list(user=request.user, level=filters.level, parent=parent), page)


@router.get("/units/{code}", response=responses(UnitDetailOut), summary="One administrative unit")
@api_access(requires(Resource.GEOGRAPHY, Action.READ))
def unit_detail(request: HttpRequest, code: str) -> AdministrativeUnit:
    return _unit(request, code)


@router.get(
    "/units/{code}/children",
    response=responses(Page[UnitOut]),
    summary="The units directly below one unit",
)
@api_access(requires(Resource.GEOGRAPHY, Action.READ))
def unit_children(request: HttpRequest, code: str, page: PageQuery) -> dict[str, Any]:
    parent = _unit(request, code)
    return paginate(unit_list(user=request.user, parent=parent), page)
