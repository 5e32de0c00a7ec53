"""The home dashboard: the user's municipality or the programme, with each module's panels."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from kenesh.core.access import AUTHENTICATED, access
from kenesh.core.modules import dashboard_panels_for
from kenesh.portal.selectors import dashboard_for


@access(AUTHENTICATED)
@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    dashboard = dashboard_for(request.user)
    units = [summary.unit for summary in dashboard.municipalities]
    panels = dashboard_panels_for(request.user, units)
    return render(request, "portal/home.html", {"dashboard": dashboard, "panels": panels})
