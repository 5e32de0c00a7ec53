"""API: the incident register, listed, read, registered and changed within scope and role."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kenesh.accounts.selectors import acting_user
from kenesh.core.access import api_access, requires
from kenesh.core.api import Page, PageQuery, paginate, responses
from kenesh.core.exports import ExportFormat, export_download
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import require_anywhere, require_at
from kenesh.geo.models import AdministrativeUnit, Level
from kenesh.geo.selectors import unit_get
from kenesh.incidents import selectors, services
from kenesh.incidents.filters import IncidentFilter
from kenesh.incidents.models import IccsCategory, Incident
from kenesh.incidents.register import exports
from kenesh.incidents.register.schemas import (
    IncidentFilters,
    IncidentIn,
    IncidentOut,
    IncidentPatch,
)

router = Router(tags=["incidents"])


def _model_data(data: dict[str, Any], unit: AdministrativeUnit) -> dict[str, Any]:
    """Schema fields as model fields: the settlement and ICCS codes become what they name.

    A settlement is looked up among the municipality's own, so a code elsewhere reads as "not
    in the municipality" and nothing is learnt about units outside the user's scope.
    """
    errors: dict[str, Any] = {}
    if "settlement" in data:
        code = data.pop("settlement")
        data["settlement"] = (
            AdministrativeUnit.objects.filter(code=code, path__startswith=unit.path).first()
            if code
            else None
        )
        if code and data["settlement"] is None:
            errors["settlement"] = _("The settlement must lie in the municipality.")
    if "iccs" in data:
        data["iccs_id"] = data.pop("iccs")
        if not IccsCategory.objects.filter(code=data["iccs_id"]).exists():
            errors["iccs"] = _("Unknown ICCS code.")
    if errors:
        raise ValidationError(errors)
    return data


@router.get("", response=responses(Page[IncidentOut]), summary="Incidents")
@api_access(requires(Resource.INCIDENTS, Action.READ))
def incidents(
    request: HttpRequest, page: PageQuery, filters: Query[IncidentFilters]
) -> dict[str, Any]:
    # Aggregate-only roles read statistics, not records.
    require_anywhere(request.user, Action.READ, Resource.INCIDENTS)
    unit = unit_get(user=request.user, code=filters.unit) if filters.unit else None
    found = selectors.incident_list(
        user=request.user,
        filters=IncidentFilter(
            unit=unit,
            date_from=filters.date_from,
            date_to=filters.date_to,
            iccs=filters.iccs or "",
            category=filters.category or "",
            status=filters.status or "",
        ),
    )
    return paginate(found, page)


@router.get(
    "/export/{fmt}",
    response=responses(str),
    url_name="incidents_export",
    summary="Export incidents (CSV, XLSX, HXL-tagged CSV, GeoJSON)",
    description=(
        "The incidents the list would give for the same filters, all of them, as a file: "
        "csv (UTF-8 with BOM, ISO dates), xlsx (typed cells), hxl (CSV with a hashtag row) or "
        "geojson (a FeatureCollection; incidents without a visible point have geometry null). "
        "Narrative and reporter columns only for police in scope; every export is audited."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as an attachment named incidents-<date>.<suffix>",
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    ExportFormat.XLSX.content_type: {
                        "schema": {"type": "string", "format": "binary"}
                    },
                    ExportFormat.GEOJSON.content_type: {"schema": {"type": "object"}},
                },
            }
        }
    },
)
@api_access(requires(Resource.INCIDENTS, Action.READ))
def incidents_export(
    request: HttpRequest, fmt: ExportFormat, filters: Query[IncidentFilters]
) -> HttpResponseBase:
    # Aggregate-only roles read statistics, not records.
    require_anywhere(request.user, Action.READ, Resource.INCIDENTS)
    selection = exports.incident_export(
        user=request.user, filters=exports.incident_filter(user=request.user, filters=filters)
    )
    return export_download(
        actor=acting_user(request), kind=exports.EXPORT, fmt=fmt, selection=selection
    )


@router.post(
    "",
    response=responses(IncidentOut, 201, conflict=True),
    summary="Register an incident",
    description=(
        "external_ref, the police registration journal number, is required: it is the key "
        "imports use, so an incident registered here and listed again in a sheet is reported by "
        "the import as already registered. 409 when the municipality already has an incident "
        "with this external_ref (also when it was registered by a request at the same moment)."
    ),
)
@api_access(requires(Resource.INCIDENTS, Action.WRITE))
def incident_create(request: HttpRequest, payload: IncidentIn) -> Status[Any]:
    unit = unit_get(user=request.user, code=payload.unit)
    if unit.level != Level.MUNICIPALITY:
        raise ValidationError({"unit": _("Choose a municipality.")})
    require_at(request.user, Action.WRITE, Resource.INCIDENTS, unit.path)
    data = _model_data(payload.dict(), unit)
    data["unit"] = unit
    incident = services.incident_create(actor=acting_user(request), data=data)
    return Status(201, selectors.incident_get(user=request.user, pk=incident.pk))


@router.get("/{int:incident_id}", response=responses(IncidentOut), summary="One incident")
@api_access(requires(Resource.INCIDENTS, Action.READ))
def incident_detail(request: HttpRequest, incident_id: int) -> Incident:
    return selectors.incident_get(user=request.user, pk=incident_id)


@router.patch(
    "/{int:incident_id}",
    response=responses(IncidentOut, conflict=True),
    summary="Change an incident",
    description=(
        "Fields left out stay as they are; null only for settlement, occurred_at, latitude "
        "and longitude (elsewhere 422). external_ref cannot be emptied. 409 when the new "
        "external_ref is another incident's."
    ),
)
@api_access(requires(Resource.INCIDENTS, Action.WRITE))
def incident_update(request: HttpRequest, incident_id: int, payload: IncidentPatch) -> Incident:
    incident = selectors.incident_get(user=request.user, pk=incident_id, action=Action.WRITE)
    data = payload.dict(exclude_unset=True)  # nulls only where IncidentPatch allows them
    services.incident_update(
        actor=acting_user(request), incident=incident, data=_model_data(data, incident.unit)
    )
    return selectors.incident_get(user=request.user, pk=incident.pk)
