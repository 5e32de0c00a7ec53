"""Reads on geography, always through the user's scope."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import ScopedQuerySet, covers, get_for_user, require_at
from kenesh.geo.models import AdministrativeUnit, Level

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User


def unit_list(
    *,
    user: User | AnonymousUser,
    level: str | None = None,
    parent: AdministrativeUnit | None = None,
    search: str = "",
) -> ScopedQuerySet[AdministrativeUnit]:
    """Units the user may see, optionally one level, the children of one unit, or by name/code."""
    units = AdministrativeUnit.objects.visible_to(user)
    if level:
        units = units.filter(level=level)
    if parent is not None:
        units = units.filter(parent=parent)
    if search:
        units = units.filter(
            Q(code__startswith=search)
            | Q(name_ky__icontains=search)
            | Q(name_ru__icontains=search)
            | Q(name_en__icontains=search)
        )
    return units.order_by("code")


def unit_get(*, user: User | AnonymousUser, code: str) -> AdministrativeUnit:
    """The unit with SOATE ``code``: 404 outside the user's scope."""
    return get_for_user(AdministrativeUnit.objects.all(), user, Action.READ, code=code)


def unit_breadcrumbs(unit: AdministrativeUnit) -> list[AdministrativeUnit]:
    return [*unit.ancestors(), unit]


def unit_for_write(
    *, user: User | AnonymousUser, code: str, resource: Resource, field: str = "unit"
) -> AdministrativeUnit:
    """The unit a new object is to be placed in, checked against the user's scope and role.

    An unknown code or a unit outside the user's scope is a validation error on ``field``
    (422 in the API, a form error on pages); a unit in scope where the user's roles may not
    write ``resource`` is 403.
    """
    unit = AdministrativeUnit.objects.in_scope(user).filter(code=code).first()
    if unit is None or not allowed_below_or_at(user, unit):
        raise ValidationError({field: _("No such unit in your area.")})
    require_at(user, Action.WRITE, resource, unit.path)
    return unit


def allowed_below_or_at(user: User | AnonymousUser, unit: AdministrativeUnit) -> bool:
    """Whether one of the user's assignments covers ``unit`` (not only lies below it)."""
    return covers(user, unit.path)


def settlement_of(
    *, municipality: AdministrativeUnit, code_or_id: AdministrativeUnit | str | int
) -> AdministrativeUnit:
    """The settlement of ``municipality`` given as a unit, its SOATE code (a string) or its id
    (an integer): the one check that a settlement lies in its municipality, for every service
    that places something in a settlement. Looked up among the municipality's own settlements
    only, so a code elsewhere reads as "not in the municipality" and nothing is learnt about
    units outside it; anything else is a validation error on ``settlement``."""
    settlements = AdministrativeUnit.objects.filter(
        level=Level.SETTLEMENT, path__startswith=municipality.path
    ).defer("boundary")
    if isinstance(code_or_id, AdministrativeUnit):
        found = settlements.filter(pk=code_or_id.pk).first()
    elif isinstance(code_or_id, int):
        found = settlements.filter(pk=code_or_id).first()
    else:
        found = settlements.filter(code=code_or_id).first()
    if found is None:
        raise ValidationError({"settlement": _("The settlement must lie in the municipality.")})
    return found
