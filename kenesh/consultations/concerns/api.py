"""API: concerns, listed, read, entered for a citizen and moved along the loop, within scope and
role. The public form's own operations are in kenesh.consultations.public.api."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kenesh.accounts.selectors import acting_user
from kenesh.consultations import services as shared
from kenesh.consultations.concerns import exports, selectors, services
from kenesh.consultations.concerns.forms import STAFF_CHANNELS
from kenesh.consultations.concerns.schemas import (
    ConcernFilters,
    ConcernIn,
    ConcernOut,
    ConcernPatch,
)
from kenesh.consultations.models import Concern, ConcernCategory
from kenesh.core.access import api_access, requires
from kenesh.core.api import Page, PageQuery, paginate, responses
from kenesh.core.exports import ExportFormat, export_download
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import require_anywhere, require_at
from kenesh.geo.models import Level
from kenesh.geo.selectors import unit_get

router = Router(tags=["consultations"])


def _category(code: str | None) -> ConcernCategory | None:
    if not code:
        return None
    category = ConcernCategory.objects.filter(code=code).first()
    if category is None:
        raise ValidationError({"category": _("There is no such category.")})
    return category


@router.get("", response=responses(Page[ConcernOut]), summary="Concerns")
@api_access(requires(Resource.CONCERNS, Action.READ))
def concerns(
    request: HttpRequest, page: PageQuery, filters: Query[ConcernFilters]
) -> dict[str, Any]:
    # Aggregate-only roles (the programme coordinator) get counts on the list page, not rows.
    require_anywhere(request.user, Action.READ, Resource.CONCERNS)
    found = selectors.concern_list(
        user=request.user, filters=exports.concern_filter(user=request.user, filters=filters)
    )
    return paginate(found, page)


@router.get(
    "/export/{fmt}",
    response=responses(str),
    url_name="concerns_export",
    summary="Export concerns (CSV, XLSX, HXL-tagged CSV)",
    description=(
        "The concerns the list gives for the same filters, all of them, as a file. The "
        "reporter's contact only for the LCPC coordinator and police in scope; the reply "
        "address of SMS and Telegram senders never. Every export is audited."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as an attachment named concerns-<date>.<suffix>",
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    ExportFormat.XLSX.content_type: {
                        "schema": {"type": "string", "format": "binary"}
                    },
                },
            }
        }
    },
)
@api_access(requires(Resource.CONCERNS, Action.READ))
def concerns_export(
    request: HttpRequest, fmt: ExportFormat, filters: Query[ConcernFilters]
) -> HttpResponseBase:
    require_anywhere(request.user, Action.READ, Resource.CONCERNS)
    if fmt is ExportFormat.GEOJSON:
        raise ValidationError({"fmt": _("Concerns have no points to map; use csv, xlsx or hxl.")})
    selection = exports.concern_export(
        user=request.user, filters=exports.concern_filter(user=request.user, filters=filters)
    )
    return export_download(
        actor=acting_user(request), kind=exports.EXPORT, fmt=fmt, selection=selection
    )


@router.post(
    "",
    response=responses(ConcernOut, 201),
    summary="Record a concern for a citizen",
    description="Entered by staff: channel phone, staff, meeting or survey.",
)
@api_access(requires(Resource.CONCERNS, Action.WRITE))
def concern_create(request: HttpRequest, payload: ConcernIn) -> Status[Any]:
    unit = unit_get(user=request.user, code=payload.unit)
    if unit.level != Level.MUNICIPALITY:
        raise ValidationError({"unit": _("Choose a municipality.")})
    require_at(request.user, Action.WRITE, Resource.CONCERNS, unit.path)
    if payload.channel not in STAFF_CHANNELS:
        raise ValidationError(
            {
                "channel": _(
                    "Staff enter concerns received by phone, in person, at a meeting or in a "
                    "survey."
                )
            }
        )
    data = payload.dict()
    data["category"] = _category(data.pop("category"))
    if data.get("received_at") is None:
        data.pop("received_at")
    else:
        data["status_changed_at"] = data["received_at"]
    data["unit"] = unit
    concern = services.concern_enter(actor=acting_user(request), data=data)
    return Status(201, selectors.concern_get(user=request.user, pk=concern.pk))


@router.get("/{int:concern_id}", response=responses(ConcernOut), summary="One concern")
@api_access(requires(Resource.CONCERNS, Action.READ))
def concern_detail(request: HttpRequest, concern_id: int) -> Concern:
    return selectors.concern_get(user=request.user, pk=concern_id)


@router.patch(
    "/{int:concern_id}",
    response=responses(ConcernOut),
    summary="Move a concern along the loop",
    description=(
        "status (acknowledged, in_plan, resolved, not_actionable with status_reason), "
        "category (null clears it), public (true needs public_checked: true and the "
        "reporter's agreement, public_requested). Fields left "
        "out stay as they are."
    ),
)
@api_access(requires(Resource.CONCERNS, Action.WRITE))
def concern_update(request: HttpRequest, concern_id: int, payload: ConcernPatch) -> Concern:
    concern = selectors.concern_get(user=request.user, pk=concern_id, action=Action.WRITE)
    actor = acting_user(request)
    data = payload.dict(exclude_unset=True)
    category = _category(data["category"]) if "category" in data else None
    if data.get("public") and not data.get("public_checked"):
        raise ValidationError(
            {
                "public_checked": _(
                    "Confirm that the text names no one and holds no personal data before "
                    "showing it publicly."
                )
            }
        )
    with transaction.atomic():  # all the steps asked, or none
        if "status" in data:
            shared.concern_set_status(
                actor=actor,
                concern=concern,
                status=data["status"],
                reason=data.get("status_reason") or "",
            )
        if "category" in data:
            services.concern_categorise(actor=actor, concern=concern, category=category)
        if "public" in data:
            services.concern_moderate(
                actor=actor,
                concern=concern,
                public=data["public"],
                checked=bool(data.get("public_checked")),
            )
    return selectors.concern_get(user=request.user, pk=concern.pk)
