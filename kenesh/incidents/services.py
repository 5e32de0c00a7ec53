"""Writes on the incident register: validated, audited, one transaction each."""

from __future__ import annotations

from typing import Any

from kenesh.accounts.models import User
from kenesh.core.services import model_create, model_update
from kenesh.incidents.models import Incident


def incident_create(*, actor: User | None, data: dict[str, Any]) -> Incident:
    """Register an incident; its prevention categories are derived on save."""
    return model_create(model=Incident, actor=actor, data=data)


def incident_update(*, actor: User | None, incident: Incident, data: dict[str, Any]) -> Incident:
    """Change an incident; the categories follow its ICCS code and disaggregations."""
    return model_update(instance=incident, actor=actor, data=data)
