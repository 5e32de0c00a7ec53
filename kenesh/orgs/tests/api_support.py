"""What the organisation API tests share: users elsewhere, JSON requests, error checks."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from kenesh.accounts.models import User
from kenesh.accounts.services import role_assign
from kenesh.core.permissions import Role
from kenesh.geo.models import AdministrativeUnit
from kenesh.portal.demo import KARAKOL

CHUY_OBLAST = "41708000000000"

# Administrators are national (RoleAssignment.clean), so there is no outsider administrator.
ELSEWHERE = {
    Role.PROGRAMME_COORDINATOR: CHUY_OBLAST,
    Role.LCPC_COORDINATOR: KARAKOL,
    Role.POLICE_OFFICER: KARAKOL,
    Role.LOCAL_GOVERNMENT: KARAKOL,
    Role.CIVIL_SOCIETY: KARAKOL,
    Role.LIVESTOCK_REGISTRAR: KARAKOL,
}
WRITERS = ["admin", "lcpc.jetioguz", "localgov.jetioguz"]
READERS = ["coordinator", "police.jetioguz", "civil.jetioguz", "registrar.jetioguz"]


def outsider(role: Role) -> str:
    """A user holding ``role`` away from Jeti-Oguz; returns the username."""
    user = User.objects.create_user(f"outsider.{role.value}", is_demo=True)
    role_assign(
        actor=None, user=user, role=role, unit=AdministrativeUnit.objects.get(code=ELSEWHERE[role])
    )
    return user.username


def send(client: Client, method: str, url: str, data: Any) -> Any:
    return getattr(client, method)(url, data=json.dumps(data), content_type="application/json")


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def assert_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert set(body) == {"detail", "errors"}
    return body


def error_fields(body: dict[str, Any]) -> set[str]:
    return {str(error["loc"][-1]) for error in body["errors"]}
