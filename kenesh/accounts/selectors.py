"""Reads on users: their roles and API tokens, and the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest

from kenesh.accounts.models import ApiToken, RoleAssignment, User
from kenesh.core.models import AuditEntry


def user_roles(user: User | AnonymousUser) -> list[dict[str, Any]]:
    """The user's role assignments as plain data, outermost unit first."""
    if not user.is_authenticated:
        return []
    assignments = RoleAssignment.objects.filter(user=user).select_related("unit")
    return [
        {
            "role": assignment.role,
            "role_name": str(assignment.get_role_display()),
            "unit": assignment.unit.code,
            "unit_name": assignment.unit.name,
        }
        for assignment in sorted(assignments, key=lambda a: (a.unit.path.count("/"), a.role))
    ]


def token_list(user: User) -> list[ApiToken]:
    """The user's API tokens, newest first, whatever their state (at most the latest 200: a
    user who made more lets the older ones expire unseen)."""
    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "-id")[:200])


def audit_entries(
    *,
    username: str = "",
    action: str = "",
    model: str = "",
    object_id: str = "",
    date_from: Any = None,
    date_to: Any = None,
) -> QuerySet[AuditEntry]:
    """Audit entries matching the given filters, newest first."""
    entries = AuditEntry.objects.all()
    if username:
        entries = entries.filter(actor_username__iexact=username)
    if action:
        entries = entries.filter(action=action)
    if model:
        entries = entries.filter(model=model)
    if object_id:
        entries = entries.filter(object_id=object_id)
    if date_from:
        entries = entries.filter(at__date__gte=date_from)
    if date_to:
        entries = entries.filter(at__date__lte=date_to)
    return entries


def audit_object_types() -> list[tuple[str, str]]:
    """(model name, label in the reader's language) for every model the audit log names."""
    from django.apps import apps

    choices = []
    for app_label, model in (
        AuditEntry.objects.order_by().values_list("app_label", "model").distinct()
    ):
        try:
            label = str(apps.get_model(app_label, model)._meta.verbose_name)
        except LookupError:
            label = model
        choices.append((model, label[:1].upper() + label[1:]))
    return sorted(set(choices), key=lambda choice: choice[1])


def acting_user(request: HttpRequest) -> User:
    """The logged-in user behind a page or API request, as the actor of a service call.

    Pages are behind ``login_required`` and the API behind its authentication, so an anonymous
    user here is a programming error, not a user error.
    """
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user
