"""The home dashboard: the user's municipality or the programme, with each module's panels
(each role's first screen), and the download of the programme table."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_safe

from kenesh.accounts.selectors import acting_user
from kenesh.core.access import AUTHENTICATED, access, requires
from kenesh.core.exports import (
    ExportChannel,
    ExportFormat,
    export_download,
    export_format_or_404,
    export_kinds,
)
from kenesh.core.modules import dashboard_panels_for
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import require_anywhere
from kenesh.portal.selectors import dashboard_for

#: The export kind of the coordinator's programme table (declared by the incidents module).
PROGRAMME_EXPORT_KIND = "programme-municipalities"
#: A table has no geometry: GeoJSON is not offered.
TABLE_FORMATS = (ExportFormat.CSV, ExportFormat.XLSX, ExportFormat.HXL)


@access(AUTHENTICATED)
@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    dashboard = dashboard_for(request.user)
    units = [summary.unit for summary in dashboard.municipalities]
    panels = dashboard_panels_for(request.user, units, query=request.GET)
    return render(request, "portal/home.html", {"dashboard": dashboard, "panels": panels})


@access(requires(Resource.INCIDENTS, Action.AGGREGATE))
@require_safe
@login_required
def programme_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The programme table of the dashboard as CSV, XLSX or HXL, in the order asked for
    (``?sort=``), through the shared export mechanism (scoped by the selector, audited)."""
    require_anywhere(request.user, Action.AGGREGATE, Resource.INCIDENTS)
    chosen = export_format_or_404(fmt)
    if chosen not in TABLE_FORMATS:
        raise Http404
    kind = export_kinds().get(PROGRAMME_EXPORT_KIND)
    if kind is None:
        raise Http404
    try:
        selection = kind.selection(user=request.user, params=request.GET.dict())
    except ValidationError as exc:
        return HttpResponseBadRequest("\n".join(exc.messages), content_type="text/plain")
    return export_download(
        actor=acting_user(request),
        kind=kind,
        fmt=chosen,
        selection=selection,
        channel=ExportChannel.API,
    )
