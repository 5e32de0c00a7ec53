"""Public API of concerns, no login: send a concern (rate-limited per client address), and
follow one by its reference number (status and dates only)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.errors import HttpError

from kenesh.consultations.concerns.services import concern_enter
from kenesh.consultations.models import ConcernCategory, ConcernChannel
from kenesh.consultations.public.limits import concern_limit_count, concern_limit_reached
from kenesh.consultations.public.schemas import PublicConcernIn, PublicConcernOut, ReferenceOut
from kenesh.consultations.public.selectors import (
    PublicConcern,
    concern_public,
    municipality_public,
)
from kenesh.core.access import PUBLIC, api_access
from kenesh.core.api import ErrorOut

router = Router(tags=["public"])


@router.post(
    "/concerns",
    auth=None,
    response={201: ReferenceOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Send a concern (no login)",
    description=(
        "What the public form does, for other front ends. 404 for a unit that is not a "
        "municipality; 429 when this client address sent more than 20 concerns in 10 minutes."
    ),
)
@api_access(PUBLIC)
def public_concern_create(request: HttpRequest, payload: PublicConcernIn) -> Status[Any]:
    if concern_limit_reached(request):
        raise HttpError(429, _("Too many concerns from this address. Try again in a few minutes."))
    unit = municipality_public(payload.unit)
    if unit is None:
        raise Http404
    category = None
    if payload.category:
        category = ConcernCategory.objects.filter(code=payload.category, active=True).first()
        if category is None:
            raise ValidationError({"category": _("There is no such category.")})
    concern = concern_enter(
        actor=None,
        data={
            "unit": unit,
            "text": payload.text,
            "category": category,
            "settlement": payload.settlement,
            "anonymous": payload.anonymous,
            "contact": "" if payload.anonymous else payload.contact.strip(),
            "public_requested": payload.public_requested,
            "channel": ConcernChannel.WEB,
            "language": (translation.get_language() or "")[:8],
        },
    )
    concern_limit_count(request)
    status_url = request.build_absolute_uri(
        reverse(
            "consultations:public:concern_status_detail", kwargs={"reference": concern.reference}
        )
    )
    return Status(201, {"reference": concern.display_reference, "status_url": status_url})


@router.get(
    "/concerns/{reference}",
    auth=None,
    response={200: PublicConcernOut, 404: ErrorOut},
    summary="Where a concern stands (no login)",
    description="Status and the days it changed; the text only when it is shown publicly.",
)
@api_access(PUBLIC)
def public_concern_status(request: HttpRequest, reference: str) -> PublicConcern:
    concern = concern_public(reference[:40])
    if concern is None:
        raise Http404
    return concern
