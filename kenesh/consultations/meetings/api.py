"""API: community meetings, listed, read, recorded and changed within scope and role
(/api/v1/meetings). Attachments are listed with the address they are downloaded from (an
operation of this API); they are uploaded on the meeting's page."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kenesh.accounts.selectors import acting_user
from kenesh.consultations.meetings import files, selectors, services
from kenesh.consultations.meetings.schemas import (
    MeetingFilters,
    MeetingIn,
    MeetingOut,
    MeetingPatch,
    attendance_fields,
)
from kenesh.consultations.models import Meeting
from kenesh.core.access import api_access, requires
from kenesh.core.api import Page, PageQuery, paginate, responses
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import require_anywhere
from kenesh.geo.models import Level
from kenesh.geo.selectors import unit_for_write, unit_get
from kenesh.orgs.models import Organisation

router = Router(tags=["consultations"])


def _organisers(request: HttpRequest, ids: list[int], current: list[int]) -> list[Organisation]:
    """The organisations named by id, among those the user may name (see the pages' form)."""
    wanted = list(dict.fromkeys(ids))
    found = {
        organisation.pk: organisation
        for organisation in selectors.organiser_choices(user=request.user, current=current).filter(
            pk__in=wanted
        )
    }
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise ValidationError(
            {"organisers": _("No such organisation in your area: %(id)s.") % {"id": missing[0]}}
        )
    return [found[pk] for pk in wanted]


def _fresh(request: HttpRequest, meeting: Meeting) -> Meeting:
    return selectors.meeting_get(user=request.user, pk=meeting.pk)


@router.get(
    "", response=responses(Page[MeetingOut]), summary="Meetings", operation_id="meeting_list"
)
@api_access(requires(Resource.SURVEYS, Action.READ))
def meeting_list(
    request: HttpRequest, page: PageQuery, filters: Query[MeetingFilters]
) -> dict[str, Any]:
    require_anywhere(request.user, Action.READ, Resource.SURVEYS)
    unit = unit_get(user=request.user, code=filters.unit) if filters.unit else None
    found = selectors.meeting_list_with_details(
        user=request.user,
        filters=selectors.MeetingFilter(
            unit=unit,
            kind=filters.kind or "",
            date_from=filters.date_from,
            date_to=filters.date_to,
        ),
    )
    return paginate(found, page)


@router.post(
    "",
    response=responses(MeetingOut, 201),
    summary="Record a meeting",
    operation_id="meeting_create",
    description=(
        "A meeting held in a municipality (not in the future). Attendance is given by sex, "
        "then age band; counts left out are 0. Organisers are organisation ids: of the "
        "municipality, of its settlements, or of a unit above it."
    ),
)
@api_access(requires(Resource.SURVEYS, Action.WRITE))
def meeting_create(request: HttpRequest, payload: MeetingIn) -> Status[Any]:
    unit = unit_for_write(user=request.user, code=payload.unit, resource=Resource.SURVEYS)
    if unit.level != Level.MUNICIPALITY:
        raise ValidationError({"unit": _("Choose a municipality.")})
    data: dict[str, Any] = {
        "unit": unit,
        "settlement": payload.settlement or None,
        "held_on": payload.held_on,
        "kind": payload.kind,
        "title": payload.title,
        "decisions": payload.decisions,
        "minutes": payload.minutes,
        **attendance_fields(payload.attendance),
    }
    organisers = _organisers(request, payload.organisers, [])
    meeting = services.meeting_create(actor=acting_user(request), data=data, organisers=organisers)
    return Status(201, _fresh(request, meeting))


@router.get(
    "/{int:meeting_id}",
    response=responses(MeetingOut),
    summary="One meeting",
    operation_id="meeting_detail",
)
@api_access(requires(Resource.SURVEYS, Action.READ))
def meeting_detail(request: HttpRequest, meeting_id: int) -> Meeting:
    return selectors.meeting_get(user=request.user, pk=meeting_id)


@router.get(
    "/{int:meeting_id}/attachments/{int:attachment_id}",
    response=responses(str),
    url_name="meeting_attachment",
    summary="One attachment's file",
    description=(
        "The file as a download (its type found from its content when it was attached), for "
        "API clients: the `download` address of a meeting's attachment is this one."
    ),
    operation_id="meeting_attachment",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as an attachment",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
@api_access(requires(Resource.SURVEYS, Action.READ))
def meeting_attachment(
    request: HttpRequest, meeting_id: int, attachment_id: int
) -> HttpResponseBase:
    meeting = selectors.meeting_get(user=request.user, pk=meeting_id)
    attachment = selectors.attachment_get(meeting=meeting, pk=attachment_id)
    return files.download_response(attachment)


@router.patch(
    "/{int:meeting_id}",
    response=responses(MeetingOut),
    summary="Change a meeting",
    operation_id="meeting_update",
    description=(
        "Fields left out stay as they are; null only for settlement. organisers, when given, "
        "replace the list. In attendance, a sex left out keeps its counts; a sex given is "
        "given whole (its bands left out are 0)."
    ),
)
@api_access(requires(Resource.SURVEYS, Action.WRITE))
def meeting_update(request: HttpRequest, meeting_id: int, payload: MeetingPatch) -> Meeting:
    meeting = selectors.meeting_get(user=request.user, pk=meeting_id, action=Action.WRITE)
    given = payload.dict(exclude_unset=True)
    data: dict[str, Any] = {
        name: given[name]
        for name in ("held_on", "kind", "title", "decisions", "minutes")
        if name in given
    }
    if "settlement" in given:
        data["settlement"] = given["settlement"] or None
    if payload.attendance is not None:
        data.update(attendance_fields(payload.attendance))
    organisers = None
    if payload.organisers is not None:
        current = [organisation.pk for organisation in meeting.organisers.all()]
        organisers = _organisers(request, payload.organisers, current)
    services.meeting_update(
        actor=acting_user(request), meeting=meeting, data=data, organisers=organisers
    )
    return _fresh(request, meeting)
