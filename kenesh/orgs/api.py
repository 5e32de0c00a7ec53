"""API: organisations and working groups with their members."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kenesh.accounts.selectors import acting_user
from kenesh.core.access import AUTHENTICATED, api_access, requires
from kenesh.core.api import Page, PageQuery, paginate, responses
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import check_allowed
from kenesh.geo.selectors import unit_for_write, unit_get
from kenesh.orgs import selectors, services
from kenesh.orgs.models import Membership, Organisation, Person, WorkingGroup
from kenesh.orgs.programmes import programme_queryset
from kenesh.orgs.schemas import (
    MemberIn,
    MemberOut,
    MemberPatch,
    OrganisationFilters,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
    ProgrammeOut,
    WorkingGroupFilters,
    WorkingGroupIn,
    WorkingGroupOut,
    WorkingGroupPatch,
)

router = Router(tags=["organisations"])


def _organisation_in_group_unit(user: Any, pk: int, group_unit_id: int) -> Organisation:
    organisation = Organisation.objects.in_scope(user).filter(pk=pk, unit_id=group_unit_id).first()
    if organisation is None:
        raise ValidationError({"lcpc": _("No such organisation in this municipality.")})
    return organisation


@router.get("/organisations", response=responses(Page[OrganisationOut]), summary="Organisations")
@api_access(requires(Resource.ORGANISATIONS, Action.READ))
def organisations(
    request: HttpRequest, page: PageQuery, filters: Query[OrganisationFilters]
) -> dict[str, Any]:
    unit = unit_get(user=request.user, code=filters.unit) if filters.unit else None
    found = selectors.organisation_list(
        user=request.user, unit=unit, kind=filters.kind or "", search=filters.q
    )
    return paginate(found, page)


@router.post(
    "/organisations",
    response=responses(OrganisationOut, 201, conflict=True),
    summary="Register an organisation",
)
@api_access(requires(Resource.ORGANISATIONS, Action.WRITE))
def organisation_create(request: HttpRequest, payload: OrganisationIn) -> Status[Any]:
    data = payload.dict()
    data["unit"] = unit_for_write(
        user=request.user, code=payload.unit, resource=Resource.ORGANISATIONS
    )
    organisation = services.organisation_create(actor=acting_user(request), data=data)
    return Status(201, organisation)


@router.get(
    "/organisations/{organisation_id}",
    response=responses(OrganisationOut),
    summary="One organisation",
)
@api_access(requires(Resource.ORGANISATIONS, Action.READ))
def organisation_detail(request: HttpRequest, organisation_id: int) -> Any:
    return selectors.organisation_get(user=request.user, pk=organisation_id)


@router.patch(
    "/organisations/{organisation_id}",
    response=responses(OrganisationOut, conflict=True),
    summary="Change an organisation",
)
@api_access(requires(Resource.ORGANISATIONS, Action.WRITE))
def organisation_update(
    request: HttpRequest, organisation_id: int, payload: OrganisationPatch
) -> Any:
    organisation = selectors.organisation_get(
        user=request.user, pk=organisation_id, action=Action.WRITE
    )
    return services.organisation_update(
        actor=acting_user(request),
        organisation=organisation,
        data=payload.dict(exclude_unset=True),
    )


@router.get("/programmes", response=responses(Page[ProgrammeOut]), summary="Programmes")
@api_access(AUTHENTICATED)
def programmes(request: HttpRequest, page: PageQuery) -> dict[str, Any]:
    """Programmes (reference data, open to every signed-in user, as geography is): donor,
    partner, dates and municipalities. What a user may see *in* those municipalities is
    decided by their scope."""
    return paginate(programme_queryset(), page)


@router.get("/working-groups", response=responses(Page[WorkingGroupOut]), summary="Working groups")
@api_access(requires(Resource.ORGANISATIONS, Action.READ))
def working_groups(
    request: HttpRequest, page: PageQuery, filters: Query[WorkingGroupFilters]
) -> dict[str, Any]:
    unit = unit_get(user=request.user, code=filters.unit) if filters.unit else None
    return paginate(selectors.working_group_list(user=request.user, unit=unit), page)


@router.post(
    "/working-groups",
    response=responses(WorkingGroupOut, 201, conflict=True),
    summary="Form the working group of a municipality",
)
@api_access(requires(Resource.ORGANISATIONS, Action.WRITE))
def working_group_create(request: HttpRequest, payload: WorkingGroupIn) -> Status[Any]:
    unit = unit_for_write(user=request.user, code=payload.unit, resource=Resource.ORGANISATIONS)
    data: dict[str, Any] = {
        "unit": unit,
        "name_ru": payload.name_ru,
        "name_ky": payload.name_ky,
        "name_en": payload.name_en,
        "established_on": payload.established_on,
    }
    if payload.lcpc is not None:
        data["lcpc"] = _organisation_in_group_unit(request.user, payload.lcpc, unit.pk)
    group = services.working_group_create(actor=acting_user(request), data=data)
    return Status(201, selectors.working_group_get(user=request.user, pk=group.pk))


@router.get(
    "/working-groups/{group_id}", response=responses(WorkingGroupOut), summary="One working group"
)
@api_access(requires(Resource.ORGANISATIONS, Action.READ))
def working_group_detail(request: HttpRequest, group_id: int) -> WorkingGroup:
    return selectors.working_group_get(user=request.user, pk=group_id)


@router.patch(
    "/working-groups/{group_id}",
    response=responses(WorkingGroupOut, conflict=True),
    summary="Change a working group",
)
@api_access(requires(Resource.ORGANISATIONS, Action.WRITE))
def working_group_update(
    request: HttpRequest, group_id: int, payload: WorkingGroupPatch
) -> WorkingGroup:
    group = selectors.working_group_get(user=request.user, pk=group_id, action=Action.WRITE)
    data = payload.dict(exclude_unset=True)
    if data.get("lcpc") is not None:
        data["lcpc"] = _organisation_in_group_unit(request.user, data["lcpc"], group.unit_id)
    services.working_group_update(actor=acting_user(request), working_group=group, data=data)
    return selectors.working_group_get(user=request.user, pk=group.pk)


@router.get(
    "/working-groups/{group_id}/members",
    response=responses(Page[MemberOut]),
    summary="Members of a working group",
)
@api_access(requires(Resource.ORGANISATIONS, Action.READ))
def working_group_members(request: HttpRequest, group_id: int, page: PageQuery) -> dict[str, Any]:
    group = selectors.working_group_get(user=request.user, pk=group_id)
    return paginate(selectors.membership_list(working_group=group), page)


@router.post(
    "/working-groups/{group_id}/members",
    response=responses(MemberOut, 201, conflict=True),
    summary="Add a member to a working group",
)
@api_access(requires(Resource.ORGANISATIONS, Action.WRITE))
def working_group_member_add(request: HttpRequest, group_id: int, payload: MemberIn) -> Status[Any]:
    group = selectors.working_group_get(user=request.user, pk=group_id, action=Action.WRITE)
    if (payload.person_id is None) == (payload.person is None):
        raise ValidationError({"person": _("Give either person_id or person, not both.")})
    person = None
    new_person = None
    if payload.person_id is not None:
        person = Person.objects.in_scope(request.user).filter(pk=payload.person_id).first()
        if person is None:
            raise ValidationError({"person_id": _("No such person in your area.")})
        check_allowed(request.user, Action.READ, person)
    elif payload.person is not None:
        new_person = payload.person.dict()
        organisation_id = new_person.pop("organisation")
        if organisation_id is not None:
            # Where the member works: the group's municipality or a unit above it, never a
            # neighbouring municipality the user happens to cover as well.
            organisations = selectors.member_organisations(user=request.user, working_group=group)
            new_person["organisation"] = organisations.filter(pk=organisation_id).first()
            if new_person["organisation"] is None:
                raise ValidationError(
                    {
                        "organisation": _(
                            "Choose an organisation of the group's municipality "
                            "or of a unit above it."
                        )
                    }
                )
    membership = services.membership_create(
        actor=acting_user(request),
        working_group=group,
        person=person,
        new_person=new_person,
        data={
            "member_type": payload.member_type,
            "role_in_group": payload.role_in_group,
            "valid_from": payload.valid_from,
            "valid_to": payload.valid_to,
        },
    )
    return Status(201, membership)


@router.get(
    "/working-groups/{group_id}/members/{membership_id}",
    response=responses(MemberOut),
    summary="One member of a working group",
)
@api_access(requires(Resource.ORGANISATIONS, Action.READ))
def working_group_member_detail(
    request: HttpRequest, group_id: int, membership_id: int
) -> Membership:
    group = selectors.working_group_get(user=request.user, pk=group_id)
    return selectors.membership_get(working_group=group, pk=membership_id)


@router.patch(
    "/working-groups/{group_id}/members/{membership_id}",
    response=responses(MemberOut, conflict=True),
    summary="Change or end a membership",
)
@api_access(requires(Resource.ORGANISATIONS, Action.WRITE))
def working_group_member_update(
    request: HttpRequest, group_id: int, membership_id: int, payload: MemberPatch
) -> Membership:
    group = selectors.working_group_get(user=request.user, pk=group_id, action=Action.WRITE)
    membership = selectors.membership_get(working_group=group, pk=membership_id)
    data = payload.dict(exclude_unset=True)
    return services.membership_update(
        actor=acting_user(request),
        membership=membership,
        data=data,
    )
