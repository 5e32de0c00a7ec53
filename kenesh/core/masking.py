"""Restricted fields, masked in one place for pages, API answers and exports.

A model names its restricted fields in ``restricted_fields``. Only a role whose permissions on
the model's resource include ``Action.RESTRICTED`` (police for incidents, registrars for owners'
personal numbers, ...) sees them, and only within its scope; everyone else gets ``None`` in data
and the mask below on pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from kenesh.core.permissions import Action
from kenesh.core.scope import allowed, resource_of, scope_path_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User

MASK = _("restricted")


def restricted_fields(model: type[models.Model] | models.Model) -> frozenset[str]:
    return frozenset(getattr(model, "restricted_fields", ()))


def may_see_restricted(user: User | AnonymousUser | None, obj: models.Model) -> bool:
    if not restricted_fields(obj):
        return True
    return allowed(user, Action.RESTRICTED, resource_of(type(obj)), scope_path_of(obj))


def masked_value(user: User | AnonymousUser | None, obj: models.Model, field: str) -> Any:
    """The field's value, or ``None`` when it is restricted and the user may not see it."""
    if field in restricted_fields(obj) and not may_see_restricted(user, obj):
        return None
    return getattr(obj, field)


def mask_data(
    user: User | AnonymousUser | None, obj: models.Model, data: dict[str, Any]
) -> dict[str, Any]:
    """A copy of ``data`` (one object's serialised fields) with restricted values set to None."""
    hidden = restricted_fields(obj)
    if not hidden or may_see_restricted(user, obj):
        return dict(data)
    return {key: (None if key in hidden else value) for key, value in data.items()}
