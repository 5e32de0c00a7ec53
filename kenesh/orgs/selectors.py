"""Reads on organisations, people and working groups, always through the user's scope."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.http import Http404

from kenesh.core.permissions import Action
from kenesh.core.scope import get_for_user
from kenesh.orgs.models import Membership, MemberType, Organisation, Person, WorkingGroup

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User
    from kenesh.geo.models import AdministrativeUnit

    AnyUser = User | AnonymousUser


def organisation_list(
    *,
    user: AnyUser,
    unit: AdministrativeUnit | None = None,
    kind: str = "",
    search: str = "",
) -> QuerySet[Organisation]:
    organisations = Organisation.objects.visible_to(user).select_related("unit")
    if unit is not None:
        organisations = organisations.filter(unit__path__startswith=unit.path)
    if kind:
        organisations = organisations.filter(kind=kind)
    if search:
        organisations = organisations.filter(
            Q(name_ky__icontains=search)
            | Q(name_ru__icontains=search)
            | Q(name_en__icontains=search)
        )
    return organisations.order_by("unit__code", "name_ru", "pk")


def organisation_get(*, user: AnyUser, pk: int, action: Action = Action.READ) -> Organisation:
    return get_for_user(Organisation.objects.select_related("unit"), user, action, pk=pk)


def person_list(*, user: AnyUser, unit: AdministrativeUnit | None = None) -> QuerySet[Person]:
    people = Person.objects.visible_to(user).select_related("organisation")
    if unit is not None:
        people = people.filter(unit__path__startswith=unit.path)
    return people.order_by("full_name", "pk")


def working_group_list(
    *, user: AnyUser, unit: AdministrativeUnit | None = None
) -> QuerySet[WorkingGroup]:
    groups = (
        WorkingGroup.objects.visible_to(user)
        .select_related("unit", "lcpc")
        .annotate(member_count=Count("memberships"))
    )
    if unit is not None:
        groups = groups.filter(unit__path__startswith=unit.path)
    return groups.order_by("unit__code")


def working_group_get(*, user: AnyUser, pk: int, action: Action = Action.READ) -> WorkingGroup:
    groups = WorkingGroup.objects.select_related("unit", "lcpc").annotate(
        member_count=Count("memberships")
    )
    return get_for_user(groups, user, action, pk=pk)


def membership_list(*, working_group: WorkingGroup) -> QuerySet[Membership]:
    """Members of a group the caller already got through :func:`working_group_get`."""
    return (
        working_group.memberships.select_related("person", "person__organisation")
        .annotate(type_order=MEMBER_TYPE_ORDER)
        .order_by("type_order", "person__full_name", "pk")
    )


def membership_get(*, working_group: WorkingGroup, pk: int) -> Membership:
    """A membership of a group the caller already got through :func:`working_group_get`
    (so scope and role are checked); 404 for a membership of any other group."""
    membership = membership_list(working_group=working_group).filter(pk=pk).first()
    if membership is None:
        raise Http404
    return membership


def member_organisations(*, user: AnyUser, working_group: WorkingGroup) -> QuerySet[Organisation]:
    """Organisations a member of ``working_group`` may be recorded as working for: those the
    user may see in the group's municipality (its villages included) or in the units above it
    (the rayon police department, a ministry), never a neighbouring municipality's."""
    unit = working_group.unit
    return Organisation.objects.visible_to(user).filter(
        Q(unit__path__startswith=unit.path) | Q(unit__code__in=unit.ancestor_codes)
    )


# The order officials list a working group in: the chair's local government first.
MEMBER_TYPE_ORDER = Case(
    *(
        When(member_type=member_type, then=Value(position))
        for position, member_type in enumerate(MemberType.values)
    ),
    default=Value(len(MemberType.values)),
)


def unit_panel(user: User | AnonymousUser, unit: AdministrativeUnit) -> dict[str, object]:
    """The working groups and organisations of a territory, for its page (kenesh.orgs.module)."""
    return {
        "working_groups": working_group_list(user=user, unit=unit)[:50],
        "organisations": organisation_list(user=user, unit=unit)[:50],
    }
