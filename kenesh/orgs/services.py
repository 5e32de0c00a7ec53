"""Writes on organisations, people and working groups: validated, audited, one transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from kenesh.accounts.models import User
from kenesh.core.services import model_create, model_update
from kenesh.orgs.models import Membership, Organisation, Person, WorkingGroup


def organisation_create(*, actor: User | None, data: dict[str, Any]) -> Organisation:
    """Register an organisation (police station, LCPC, NGO, donor, ...) at a unit."""
    return model_create(model=Organisation, actor=actor, data=data)


def organisation_update(
    *, actor: User | None, organisation: Organisation, data: dict[str, Any]
) -> Organisation:
    return model_update(instance=organisation, actor=actor, data=data)


def person_create(*, actor: User | None, data: dict[str, Any]) -> Person:
    return model_create(model=Person, actor=actor, data=data)


def person_update(*, actor: User | None, person: Person, data: dict[str, Any]) -> Person:
    return model_update(instance=person, actor=actor, data=data)


def working_group_create(*, actor: User | None, data: dict[str, Any]) -> WorkingGroup:
    """Form the crime prevention working group of a municipality (one per municipality)."""
    return model_create(model=WorkingGroup, actor=actor, data=data)


def working_group_update(
    *, actor: User | None, working_group: WorkingGroup, data: dict[str, Any]
) -> WorkingGroup:
    return model_update(instance=working_group, actor=actor, data=data)


@transaction.atomic
def membership_create(
    *,
    actor: User | None,
    working_group: WorkingGroup,
    person: Person | None = None,
    new_person: dict[str, Any] | None = None,
    data: dict[str, Any],
) -> Membership:
    """Add a member to a working group: an existing person, or a new one created with it."""
    if person is None:
        person = person_create(actor=actor, data={**(new_person or {}), "unit": working_group.unit})
    return model_create(
        model=Membership,
        actor=actor,
        data={**data, "working_group": working_group, "person": person},
    )


def membership_update(
    *, actor: User | None, membership: Membership, data: dict[str, Any]
) -> Membership:
    return model_update(instance=membership, actor=actor, data=data)
