"""The masking sweep: every API schema masks every restricted value for every role lacking
``restricted`` on the resource, as the model declares it (kenesh.core.masking).

The walk takes every response schema of every API operation (kenesh.core.access.endpoints),
nested ones included, and feeds it an object of each model that declares restricted fields,
every restricted value a sentinel. A schema that shows a sentinel to the police in scope carries
restricted data: for everyone else (each role without ``restricted``, the police of another
municipality, a user without a role, the anonymous visitor) no sentinel may appear anywhere in
its answer, whatever the field is called. Such a schema must derive masking from the
declaration (``MaskedSchema``), not from resolvers written field by field.

A new model with restricted fields needs a sentinel maker in ``SENTINEL_MAKERS`` (a
:class:`~kenesh.incidents.tests.masking_support.SentinelMaker`, in its module's
``tests/sweep_*.py``); the sweep says so. The viewers come from the role table for the model's
resource; fields a maker declares ``never_shown`` reach no one, not even the restricted role.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from ninja import Schema
from pydantic import BaseModel

from kenesh.accounts.tests.factories import UserFactory
from kenesh.core.access import endpoints
from kenesh.core.masking import MaskedSchema, declared_restricted
from kenesh.core.permissions import Role
from kenesh.core.scope import resource_of
from kenesh.geo.tests.factories import MunicipalityFactory
from kenesh.incidents.models import Incident
from kenesh.incidents.tests.masking_support import (
    INCIDENT_SENTINELS,
    SentinelMaker,
    police_of,
    viewers_without_restricted,
)
from kenesh.portal.tests.sweeping import contributions

pytestmark = pytest.mark.django_db

#: A maker of an object whose restricted values are sentinels, and the search for them.
SENTINEL_MAKERS: dict[type[models.Model], SentinelMaker] = {
    Incident: INCIDENT_SENTINELS,
}
# Every module's own makers (kenesh/<app>/tests/sweep_*.py).
for _name, _entries in contributions():
    if _name == "SENTINEL_MAKERS":
        SENTINEL_MAKERS.update(typing.cast(dict[type[models.Model], SentinelMaker], _entries))


class Request:
    """What a schema's context holds of the request: its user."""

    def __init__(self, user: Any) -> None:
        self.user = user


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for argument in typing.get_args(annotation):
            yield from _models(argument)


def response_schemas() -> list[type[Schema]]:
    """Every ninja schema an API operation answers with, nested ones included."""
    seen: dict[type[BaseModel], None] = {}
    pending = [
        model
        for endpoint in endpoints()
        if endpoint.operation is not None
        for response in endpoint.operation.response_models.values()
        for model in _models(response)
    ]
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen[model] = None
        for field in model.model_fields.values():
            pending.extend(_models(field.annotation))
    return [model for model in seen if issubclass(model, Schema)]


def answer(schema: type[Schema], obj: Any, user: Any) -> str | None:
    """The schema's JSON for ``obj`` as ``user`` gets it; None when it does not describe it."""
    try:
        return schema.model_validate(obj, context={"request": Request(user)}).model_dump_json()
    except (ValueError, AttributeError, TypeError):  # pydantic's ValidationError is a ValueError
        return None


def test_every_model_with_restricted_fields_has_a_sentinel_maker() -> None:
    declaring = {model for model in apps.get_models() if declared_restricted(model)}
    assert declaring == set(SENTINEL_MAKERS)


def test_the_walk_finds_the_schemas_of_every_module() -> None:
    names = {schema.__name__ for schema in response_schemas()}
    assert {"IncidentOut", "ErrorOut"} <= names
    assert len(names) > 10


@pytest.mark.parametrize("model", list(SENTINEL_MAKERS), ids=lambda model: model.__name__)
def test_every_api_schema_masks_restricted_values_for_every_role_without_restricted(
    model: type[models.Model],
) -> None:
    maker = SENTINEL_MAKERS[model]
    if declared_restricted(model) <= set(maker.never_shown):
        _shown_to_no_one(model, maker)
        return
    search = maker.search
    resource = resource_of(model)
    unit = MunicipalityFactory.create()
    obj = model._default_manager.get(pk=maker.make(unit).pk)
    police = police_of(unit, resource)
    carrying = []
    for schema in response_schemas():
        shown = answer(schema, obj, police)
        if shown is not None and search(shown):
            carrying.append(schema)
    assert carrying, "no API schema shows the restricted values even to the police"
    # Every restricted field (the per-row location included) reaches the police somewhere,
    # except those no one may see.
    assert set().union(*(search(answer(one, obj, police) or "") for one in carrying)) == set(
        declared_restricted(model)
    ) - set(maker.never_shown)
    viewers = viewers_without_restricted(unit, resource)
    for schema in carrying:
        assert issubclass(schema, MaskedSchema), f"{schema.__name__} masks by hand"
        for name, viewer in viewers.items():
            assert search(answer(schema, obj, viewer) or "") == [], (schema.__name__, name)


def _shown_to_no_one(model: type[models.Model], maker: SentinelMaker) -> None:
    """A model whose every restricted value reaches no one (a phone number kept only to send
    replies; the model may have no resource of its own): no schema shows a sentinel to any role
    of the table held at the object's unit, nor to the anonymous visitor."""
    unit = MunicipalityFactory.create()
    obj = model._default_manager.get(pk=maker.make(unit).pk)
    viewers: dict[str, Any] = {
        role.value: UserFactory.create(role=role, unit=unit) for role in Role
    }
    viewers["anonymous"] = None
    for schema in response_schemas():
        for name, viewer in viewers.items():
            assert maker.search(answer(schema, obj, viewer) or "") == [], (schema.__name__, name)
