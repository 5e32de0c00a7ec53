"""Scope: which objects a user may see and what they may do with them. The one place for it.

A user holds role assignments (role + administrative unit). An assignment covers its unit and
everything below it (the unit's ``path`` is a prefix of theirs). Every list, detail, export and
API call reaches objects through :meth:`ScopedQuerySet.visible_to` or :func:`get_for_user`:

* an object no assignment of the user covers does not exist for them (404);
* an object that is covered, but by no role allowed the action, is forbidden (403).

Administrative units are reference data: a user also sees the units above their own (the
rayon and oblast of their municipality), read-only, so pages can show where a unit lies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404

from kenesh.core.permissions import Action, Resource, Role, public_allows, role_allows

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User

M = TypeVar("M", bound=models.Model)
ROOT_PATH = "/"


@dataclass(frozen=True)
class Grant:
    """One role assignment, reduced to what scope checks need."""

    role: str
    path: str  # the unit's path; covers every path that starts with it


def grants_of(user: User | AnonymousUser | None) -> tuple[Grant, ...]:
    """The user's role assignments as grants, cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ()
    cached: tuple[Grant, ...] | None = getattr(user, "_kenesh_grants", None)
    if cached is not None:
        return cached
    grants: list[Grant] = [
        Grant(role, path) for role, path in user.role_assignments.values_list("role", "unit__path")
    ]
    if user.is_superuser:
        grants.append(Grant(Role.ADMINISTRATOR.value, ROOT_PATH))
    result = tuple(grants)
    setattr(user, "_kenesh_grants", result)  # noqa: B010 - a per-request cache, not a field
    return result


def forget_grants(user: Any) -> None:
    """Drop the cached grants (after role assignments change within one request)."""
    if hasattr(user, "_kenesh_grants"):
        del user._kenesh_grants


def _outermost(paths: set[str]) -> list[str]:
    """Paths not covered by another path of the set (a country grant makes the rest moot)."""
    ordered = sorted(paths, key=len)
    kept: list[str] = []
    for path in ordered:
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return kept


def _ancestor_codes(paths: list[str]) -> set[str]:
    return {code for path in paths for code in path.strip("/").split("/")[:-1] if code}


def resource_of(model: type[models.Model]) -> Resource:
    return Resource(model.scope_resource)  # type: ignore[attr-defined]


def allowed(
    user: User | AnonymousUser | None, action: Action, resource: Resource, path: str
) -> bool:
    """Whether one of the user's assignments covering ``path`` lets its role do ``action``."""
    return any(
        path.startswith(grant.path) and role_allows(grant.role, action, resource)
        for grant in grants_of(user)
    )


def covers(user: User | AnonymousUser | None, path: str) -> bool:
    """Whether one of the user's assignments covers the unit with ``path`` (the unit or one
    below it; the units above their own, readable as reference data, are not covered)."""
    return any(path.startswith(grant.path) for grant in grants_of(user))


def allowed_anywhere(user: User | AnonymousUser | None, action: Action, resource: Resource) -> bool:
    """Whether any assignment of the user allows ``action`` on ``resource`` (lists, menus)."""
    return any(role_allows(grant.role, action, resource) for grant in grants_of(user))


class ScopedQuerySet(models.QuerySet[M], Generic[M]):
    """A queryset that knows how to reach the administrative unit that scopes its objects.

    ``scope_lookup`` is the ORM path from the model to its unit (``"unit"``,
    ``"working_group__unit"``), or ``"self"`` for the units themselves. ``scope_path`` instead
    names a field of the model holding the unit's path itself (an import job keeps the path of
    its uploader's unit, ``"unit_path"``): it wins over ``scope_lookup`` when set.
    """

    scope_lookup: str = "unit"
    scope_path: str = ""

    def _path_field(self) -> str:
        if self.scope_path:
            return self.scope_path
        return "path" if self.scope_lookup == "self" else f"{self.scope_lookup}__path"

    def _q_for(self, paths: list[str], *, with_ancestors: bool = True) -> models.Q:
        if not paths:
            return models.Q(pk__in=[])
        query = models.Q()
        for path in _outermost(set(paths)):
            query |= models.Q(**{f"{self._path_field()}__startswith": path})
        if self.scope_lookup == "self" and with_ancestors:
            query |= models.Q(code__in=_ancestor_codes(paths))
        return query

    def in_scope(self, user: User | AnonymousUser | None) -> Self:
        """Objects under any of the user's assignments, whatever the role may do there."""
        return self.filter(self._q_for([grant.path for grant in grants_of(user)]))

    def visible_to(self, user: User | AnonymousUser | None, action: Action = Action.READ) -> Self:
        """Objects the user may ``action`` (read by default): the base of every list."""
        resource = resource_of(self.model)
        paths = [
            grant.path for grant in grants_of(user) if role_allows(grant.role, action, resource)
        ]
        return self.filter(self._q_for(paths))

    def where_allowed(
        self, user: User | AnonymousUser | None, action: Action, resource: Resource
    ) -> Self:
        """Objects lying where the user may ``action`` on ``resource``: e.g. the units in which
        a user may create organisations (never the units above their own)."""
        paths = [
            grant.path for grant in grants_of(user) if role_allows(grant.role, action, resource)
        ]
        return self.filter(self._q_for(paths, with_ancestors=False))

    def published(self, action: Action = Action.AGGREGATE) -> Self:
        """Objects at the public level of detail: all of them, for anyone, where the role
        table's public column allows ``action`` on the model's resource; none otherwise.

        Every visitor holds the public column for the whole country (anonymous visitors, and
        signed-in users beside their own assignments), so a municipal user can set their
        municipality beside the rayon, the oblast and the programme. What may be shown of these
        objects (aggregates, counts from 1 to 4 suppressed) is for
        :mod:`kenesh.core.disclosure` to say.
        """
        if public_allows(action, resource_of(self.model)):
            return self.all()
        return self.none()


def scope_path_of(obj: models.Model) -> str:
    """The path of the unit that scopes ``obj``: from the object's own ``scope_path`` or
    ``scope_lookup`` when it declares one, else from its model's scoped queryset."""
    manager = getattr(type(obj), "_default_manager", None)
    queryset = manager.all() if manager is not None else None
    # The declaration is the queryset's (a stand-in without a manager may carry it on its class).
    path_field = str(getattr(queryset if queryset is not None else type(obj), "scope_path", ""))
    if path_field:
        return str(getattr(obj, path_field))
    lookup = str(getattr(obj, "scope_lookup", None) or getattr(queryset, "scope_lookup", "unit"))
    if lookup == "self":
        return str(obj.path)  # type: ignore[attr-defined]
    target: Any = obj
    for part in lookup.split("__"):
        target = getattr(target, part)
    return str(target.path)


def check_allowed(user: User | AnonymousUser | None, action: Action, obj: models.Model) -> None:
    """Raise ``PermissionDenied`` (403) unless the user may ``action`` this in-scope object."""
    resource = resource_of(type(obj))
    path = scope_path_of(obj)
    if allowed(user, action, resource, path):
        return
    # Units above the user's own are readable reference data.
    if (
        action in (Action.READ, Action.AGGREGATE)
        and resource is Resource.GEOGRAPHY
        and any(
            grant.path.startswith(path) and role_allows(grant.role, action, resource)
            for grant in grants_of(user)
        )
    ):
        return
    raise PermissionDenied


def get_for_user(
    queryset: ScopedQuerySet[M],
    user: User | AnonymousUser | None,
    action: Action = Action.READ,
    **lookup: Any,
) -> M:
    """The object matching ``lookup``: 404 outside the user's scope, 403 without permission."""
    try:
        obj = queryset.in_scope(user).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    check_allowed(user, action, obj)
    return obj


def require_anywhere(user: User | AnonymousUser | None, action: Action, resource: Resource) -> None:
    """403 unless some assignment of the user allows ``action`` on ``resource``."""
    if not allowed_anywhere(user, action, resource):
        raise PermissionDenied


def require_at(
    user: User | AnonymousUser | None, action: Action, resource: Resource, path: str
) -> None:
    """403 unless the user may ``action`` on ``resource`` at the unit with ``path``."""
    if not allowed(user, action, resource, path):
        raise PermissionDenied
