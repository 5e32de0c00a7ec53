"""Reads on users: their roles and API tokens, and the audit log."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

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


class AuditChange(NamedTuple):
    """One changed field as the audit page shows it."""

    label: str
    before: Any
    after: Any


class AuditRow(NamedTuple):
    """An audit entry with its actor and its changes in readable form."""

    entry: AuditEntry
    actor: str
    changes: list[AuditChange]


#: What an export entry records (kenesh.core.audit.audit_export), as the page labels it.
EXPORT_DETAIL_LABELS = {
    "kind": _("export"),
    "format": _("format"),
    "filters": _("filters"),
    "rows": _("rows"),
    "columns": _("columns"),
    "channel": _("channel"),
}


def user_label(user: User) -> str:
    """A user as people name them: "Full Name (username)", or the username alone."""
    full_name = user.get_full_name().strip()
    return f"{full_name} ({user.get_username()})" if full_name else user.get_username()


def _object_label(obj: models.Model) -> str:
    return user_label(obj) if isinstance(obj, User) else str(obj)


def _field_label(field: models.Field[Any, Any]) -> str:
    """The field's name in the reader's language. A foreign key declared without a translated
    name (``RoleAssignment.user``) takes the name of the model it points to."""
    name = field.verbose_name
    if not isinstance(name, Promise) and field.related_model is not None:
        related = field.related_model
        if isinstance(related, type) and issubclass(related, models.Model):
            name = related._meta.verbose_name or name
    return str(name)


def _is_fingerprint(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("restricted:")


def _fields_by_attname(entry: AuditEntry) -> dict[str, models.Field[Any, Any]]:
    try:
        model = apps.get_model(entry.app_label, entry.model)
    except LookupError:
        return {}
    return {field.attname: field for field in model._meta.concrete_fields}


def audit_rows(entries: Iterable[AuditEntry]) -> list[AuditRow]:
    """The entries of one audit page in readable form.

    Each changed field is named in the reader's language; a foreign key shows what it points to
    (a user by name and username, a unit or an organisation by its name) instead of its id, a
    choice its label, a restricted value that it is hidden. The objects pointed to are read with
    one query per model on the page, however many entries it holds; one deleted since keeps its
    id ("#7").
    """
    entries = list(entries)
    fields_of = {entry.pk: _fields_by_attname(entry) for entry in entries}

    # (model, key field) -> the keys the page names, then -> their labels.
    wanted: dict[tuple[type[models.Model], str], set[Any]] = defaultdict(set)
    for entry in entries:
        if entry.actor_id is not None:
            wanted[(User, "pk")].add(entry.actor_id)
        for name, change in _changes(entry):
            field = fields_of[entry.pk].get(name)
            if field is None or not field.is_relation or field.related_model is None:
                continue
            target = _target(field)
            for value in change:
                if value is not None and not _is_fingerprint(value):
                    wanted[target].add(value)
    labels: dict[tuple[type[models.Model], str], dict[Any, str]] = {}
    for (model, key), values in wanted.items():
        related = [f.name for f in model._meta.concrete_fields if f.is_relation]
        found = model._base_manager.filter(**{f"{key}__in": values}).select_related(*related)
        labels[(model, key)] = {
            (obj.pk if key == "pk" else getattr(obj, key)): _object_label(obj) for obj in found
        }

    def readable(field: models.Field[Any, Any] | None, value: Any) -> Any:
        if value is None:
            return None
        if _is_fingerprint(value):
            return _("hidden (restricted)")
        if field is None:
            return value
        if field.is_relation and field.related_model is not None:
            return labels.get(_target(field), {}).get(value, f"#{value}")
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        return value

    rows = []
    for entry in entries:
        fields = fields_of[entry.pk]
        changes = []
        for name, (before, after) in _changes(entry):
            field = fields.get(name)
            if field is not None:
                label = _field_label(field)
            else:
                label = str(EXPORT_DETAIL_LABELS.get(name, name))
            changes.append(AuditChange(label, readable(field, before), readable(field, after)))
        actor = (
            labels[(User, "pk")].get(entry.actor_id, entry.actor_username)
            if entry.actor_id is not None
            else entry.actor_username
        )
        rows.append(AuditRow(entry, actor, changes))
    return rows


def _changes(entry: AuditEntry) -> list[tuple[str, tuple[Any, Any]]]:
    return [
        (name, (change[0], change[1]))
        for name, change in entry.changes.items()
        if isinstance(change, list) and len(change) == 2
    ]


def _target(field: models.Field[Any, Any]) -> tuple[type[models.Model], str]:
    """The model a foreign key points to, and the field it keys on ("pk" for the usual case)."""
    model = field.related_model
    assert isinstance(model, type) and issubclass(model, models.Model)
    target_field = getattr(field, "target_field", None)
    key = "pk" if target_field is None or target_field.primary_key else str(target_field.attname)
    return model, key


def audit_object_types() -> list[tuple[str, str]]:
    """(model name, label in the reader's language) for every model the audit log names."""
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
