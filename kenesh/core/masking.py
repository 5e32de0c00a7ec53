"""Restricted fields, declared once on the model and masked in one place.

A model declares what is restricted, and nothing else says it again:

* ``restricted_fields``: fields restricted in every row (a narrative, a reporter's name, an
  owner's personal number, a plate);
* ``restricted_when``: fields restricted in some rows only, each group with the rule that says
  in which: ``{("latitude", "longitude"): RowRule(needs=("iccs_id", "categories"),
  test=in_sensitive_category)}`` — the exact location of an incident in a sensitive category.

Only a role whose permissions on the model's resource include ``Action.RESTRICTED`` (police for
incidents, registrars for owners' personal numbers, ...) sees restricted values, and only within
its scope; everyone else gets ``None`` in data and :data:`MASK` on pages. API schemas
(:class:`MaskedSchema`), pages (the ``masked`` tag), the admin, exports and import reports all
call :func:`mask` (or :func:`hidden_fields`); the audit log keeps a fingerprint of whatever
:func:`restricted_in` names (:func:`kenesh.core.audit.snapshot`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import BaseModel, ValidationInfo, model_validator
from pydantic.functional_validators import ModelWrapValidatorHandler

from kenesh.core.permissions import Action
from kenesh.core.scope import allowed, resource_of, scope_path_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User

MASK = _("restricted")

Source = models.Model | Mapping[str, Any]


@dataclass(frozen=True)
class RowRule:
    """When some fields of a row are restricted: ``test`` is called with the row's values of
    the ``needs`` fields as keyword arguments and answers True where they are.

    ``needs`` lists what a row must carry for the rule to be evaluated: a selector or an export
    that builds row dicts selects those columns too (:func:`fields_needed`).
    """

    needs: tuple[str, ...]
    test: Callable[..., bool]


def restricted_fields(model: type[models.Model] | models.Model) -> frozenset[str]:
    """Fields restricted in every row of ``model``."""
    return frozenset(getattr(model, "restricted_fields", ()))


def row_rules(model: type[models.Model] | models.Model) -> dict[tuple[str, ...], RowRule]:
    """Fields restricted row by row, each group with its rule."""
    return dict(getattr(model, "restricted_when", {}))


def declared_restricted(model: type[models.Model] | models.Model) -> frozenset[str]:
    """Every field that may be restricted in some row of ``model`` (what tests must find masked)."""
    per_row = {field for fields in row_rules(model) for field in fields}
    return restricted_fields(model) | per_row


def fields_needed(model: type[models.Model]) -> frozenset[str]:
    """The fields a row dict of ``model`` must hold for :func:`mask` to evaluate its rules."""
    return frozenset(name for rule in row_rules(model).values() for name in rule.needs)


def _model_of(source: Source, model: type[models.Model] | None) -> type[models.Model]:
    if model is not None:
        return model
    if isinstance(source, Mapping):
        raise TypeError("a row dict needs its model")
    return type(source)


def _value(source: Source, name: str) -> Any:
    """A field's value in an object or a row dict, by name or attname (``iccs`` / ``iccs_id``)."""
    if not isinstance(source, Mapping):
        return getattr(source, name)
    for key in (name, name.removesuffix("_id"), f"{name}_id"):
        if key in source:
            return source[key]
    raise KeyError(f"the row lacks {name!r}, which a masking rule reads")


def restricted_in(source: Source, *, model: type[models.Model] | None = None) -> frozenset[str]:
    """The fields restricted in this one object or row, whoever looks: the declared ones and
    those of every row rule that holds for it."""
    kind = _model_of(source, model)
    hidden = set(restricted_fields(kind))
    for fields, rule in row_rules(kind).items():
        if rule.test(**{name: _value(source, name) for name in rule.needs}):
            hidden.update(fields)
    return frozenset(hidden)


def may_see_restricted(
    user: User | AnonymousUser | None,
    obj: Source,
    *,
    model: type[models.Model] | None = None,
    path: str | None = None,
) -> bool:
    """Whether ``user`` may see the restricted values of ``obj`` (an object, or a row dict of
    ``model`` lying in the unit at ``path``). A row dict without its path is masked."""
    kind = _model_of(obj, model)
    if not declared_restricted(kind):
        return True
    if path is None:
        if isinstance(obj, Mapping):
            return False
        path = scope_path_of(obj)
    return allowed(user, Action.RESTRICTED, resource_of(kind), path)


def hidden_fields(
    user: User | AnonymousUser | None,
    source: Source,
    *,
    model: type[models.Model] | None = None,
    path: str | None = None,
) -> frozenset[str]:
    """The fields of this object or row that ``user`` may not see."""
    kind = _model_of(source, model)
    if not declared_restricted(kind) or may_see_restricted(user, source, model=kind, path=path):
        return frozenset()
    return restricted_in(source, model=kind)


def mask(
    user: User | AnonymousUser | None,
    source: Source,
    data: Mapping[str, Any] | None = None,
    *,
    model: type[models.Model] | None = None,
    path: str | None = None,
) -> dict[str, Any]:
    """A copy of ``data`` (by default the row dict ``source`` itself) with every value the user
    may not see set to None: the one masking function of pages, API, admin, exports and import
    reports. ``source`` is the object (or row dict) the data describes; for a row dict give its
    ``model`` and the ``path`` of the unit it lies in."""
    if data is None:
        if not isinstance(source, Mapping):
            raise TypeError("give the data to mask")
        data = source
    hidden = hidden_fields(user, source, model=model, path=path)
    return {key: (None if key in hidden else value) for key, value in data.items()}


def masked_value(user: User | AnonymousUser | None, obj: models.Model, field: str) -> Any:
    """The field's value, or ``None`` when it is restricted here and the user may not see it."""
    if field in declared_restricted(obj) and field in hidden_fields(user, obj):
        return None
    return getattr(obj, field)


class MaskedSchema(Schema):
    """An API output schema of one model's objects, masked from the model's declaration.

    Every field named like a field the object hides from the request's user comes out as
    null, whatever resolver produced it: a new restricted field needs a line on the model and
    nothing here. Without a request in the context everything restricted is hidden.
    """

    @model_validator(mode="wrap")
    @classmethod
    def _mask_restricted(
        cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        result = handler(values)
        source = values._obj if isinstance(values, DjangoGetter) else values
        if not isinstance(source, Mapping | BaseModel) and declared_restricted(type(source)):
            request = (info.context or {}).get("request")
            for name in hidden_fields(getattr(request, "user", None), source):
                if name in type(result).model_fields:
                    setattr(result, name, None)
        return result
