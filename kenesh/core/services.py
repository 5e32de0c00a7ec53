"""Generic create and update used by domain services: validate, save, audit, in one transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models, transaction

from kenesh.core.audit import audit_create, audit_update, snapshot

if TYPE_CHECKING:
    from kenesh.accounts.models import User

M = TypeVar("M", bound=models.Model)


@transaction.atomic
def model_create(*, model: type[M], actor: User | None, data: dict[str, Any]) -> M:
    """Create a ``model`` from ``data`` after full validation, and audit it."""
    instance = model(**data)
    instance.full_clean()
    instance.save()
    audit_create(actor, instance)
    return instance


@transaction.atomic
def model_update(*, instance: M, actor: User | None, data: dict[str, Any]) -> M:
    """Apply ``data`` to ``instance``, validate, save and audit the fields that changed."""
    before = snapshot(instance)
    for field, value in data.items():
        setattr(instance, field, value)
    instance.full_clean()
    instance.save()
    audit_update(actor, instance, before)
    return instance
