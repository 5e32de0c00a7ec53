"""The audit trail every service writes: who created, changed or deleted what, before and after."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils.crypto import salted_hmac

from kenesh.core.models import AuditAction, AuditEntry

if TYPE_CHECKING:
    from kenesh.accounts.models import User

Snapshot = dict[str, Any]


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):  # a stored file: its name in the storage
        return value.name
    return value


def _fingerprint(value: Any) -> str:
    """A restricted value as the audit keeps it: whether it changed, never what it says.

    A keyed HMAC (the key derived from ``SECRET_KEY``), not a plain hash: phone numbers and
    names are few enough to be tried one by one against an unkeyed digest.
    """
    if value in (None, ""):
        return ""
    digest = salted_hmac("kenesh.audit.restricted", str(value), algorithm="sha256").hexdigest()
    return f"restricted:{digest[:16]}"


def _is_fingerprint(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("restricted:")


def _restricted_attnames(obj: models.Model) -> frozenset[str]:
    from kenesh.core.masking import restricted_in

    names = restricted_in(obj)
    return frozenset(
        field.attname for field in obj._meta.concrete_fields if {field.name, field.attname} & names
    )


def snapshot(obj: models.Model) -> Snapshot:
    """The object's concrete field values (foreign keys as ids), JSON-safe.

    Restricted fields are recorded as a fingerprint: those the model declares restricted in
    every row (``restricted_fields``: narratives, reporters, personal numbers) and those its
    row rules restrict in this row (``restricted_when``: the exact location of an incident in a
    sensitive category), as :func:`kenesh.core.masking.restricted_in` names them. The log, which
    administrators read, shows that they changed without copying restricted data into it.
    """
    hidden = _restricted_attnames(obj)
    return {
        field.attname: (
            _fingerprint(getattr(obj, field.attname))
            if field.attname in hidden
            else _plain(getattr(obj, field.attname))
        )
        for field in obj._meta.concrete_fields
        if field.attname not in {"created_at", "updated_at", "path", "password"}
    }


def _unit_path(obj: models.Model) -> str:
    from kenesh.core.scope import scope_path_of

    try:
        return scope_path_of(obj)
    except AttributeError:
        return ""


def _record(
    actor: User | None, action: AuditAction, obj: models.Model, changes: dict[str, Any]
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_username=actor.get_username() if actor is not None else "",
        action=action,
        app_label=obj._meta.app_label,
        model=obj._meta.model_name or "",
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        unit_path=_unit_path(obj),
        changes=changes,
    )


def audit_create(actor: User | None, obj: models.Model) -> AuditEntry:
    after = snapshot(obj)
    return _record(actor, AuditAction.CREATE, obj, {k: [None, v] for k, v in after.items()})


def audit_update(actor: User | None, obj: models.Model, before: Snapshot) -> AuditEntry | None:
    """Record the fields that changed since ``before``; nothing when nothing changed.

    A field restricted before or after the change (a location whose incident moves into or out
    of a sensitive category) is fingerprinted on both sides.
    """
    after = snapshot(obj)
    hidden_now = _restricted_attnames(obj)
    changes = {}
    for key, value in after.items():
        old = before.get(key)
        if key in hidden_now and not _is_fingerprint(old):
            old = _fingerprint(old)
        elif _is_fingerprint(old) and not _is_fingerprint(value):
            value = _fingerprint(value)
        if old != value:
            changes[key] = [old, value]
    if not changes:
        return None
    return _record(actor, AuditAction.UPDATE, obj, changes)


def audit_delete(actor: User | None, obj: models.Model) -> AuditEntry:
    before = snapshot(obj)
    return _record(actor, AuditAction.DELETE, obj, {k: [v, None] for k, v in before.items()})


def audit_export(
    actor: User | None,
    *,
    kind: str,
    fmt: str,
    model: str,
    filters: Mapping[str, Any],
    rows: int,
    columns: Sequence[str],
    unit_path: str = "",
    channel: str = "",
) -> AuditEntry:
    """One entry per export (kenesh.core.exports): who, which kind in which format, with which
    filters, how many rows and which columns (so the log shows who took restricted columns),
    through which channel (the API, which pages link to, or the command line). Nothing of the
    rows themselves.

    ``model`` is ``app_label.model_name`` of what was exported.
    """
    app_label, _dot, model_name = model.partition(".")
    plain_filters = {str(name): _plain(value) for name, value in filters.items()}
    details = {
        "kind": kind,
        "format": fmt,
        "filters": plain_filters,
        "rows": rows,
        "columns": list(columns),
        "channel": channel,
    }
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_username=actor.get_username() if actor is not None else "",
        action=AuditAction.EXPORT,
        app_label=app_label,
        model=model_name,
        object_id="",
        object_repr=f"{kind} ({fmt}): {rows} rows"[:200],
        unit_path=unit_path,
        changes={name: [None, value] for name, value in details.items()},
    )
