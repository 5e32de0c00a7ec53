"""Pages: administrative units."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from kenesh.core.access import access, requires
from kenesh.core.modules import unit_panels_for
from kenesh.core.pages import paginate_page, query_without_page, render_page_or_fragment
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import require_anywhere
from kenesh.geo.models import Level
from kenesh.geo.selectors import unit_breadcrumbs, unit_get, unit_list


@access(requires(Resource.GEOGRAPHY, Action.READ))
@require_safe
@login_required
def unit_list_page(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Action.READ, Resource.GEOGRAPHY)
    level = request.GET.get("level", "")
    if level not in Level.values:
        level = ""
    search = request.GET.get("q", "").strip()[:100]
    units = unit_list(user=request.user, level=level or None, search=search)
    context = {
        "page_obj": paginate_page(request, units),
        "query": query_without_page(request),
        "levels": Level.choices,
        "level": level,
        "q": search,
    }
    return render_page_or_fragment(request, "geo/unit_list.html", "geo/_unit_table.html", context)


@access(requires(Resource.GEOGRAPHY, Action.READ))
@require_safe
@login_required
def unit_detail_page(request: HttpRequest, code: str) -> HttpResponse:
    unit = unit_get(user=request.user, code=code)
    context = {
        "unit": unit,
        "breadcrumbs": unit_breadcrumbs(unit),
        "children": unit_list(user=request.user, parent=unit)[:200],
        "population": unit.population_counts.order_by("-year")[:10],
        "livestock": unit.livestock_counts.order_by("-year", "species")[:25],
        # What other modules show about the unit (working groups, organisations, ...).
        "panels": unit_panels_for(request.user, unit),
    }
    return render(request, "geo/unit_detail.html", context)
