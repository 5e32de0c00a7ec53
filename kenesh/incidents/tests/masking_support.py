"""What masking tests need of the incident register: an incident whose every restricted value
is a sentinel string or number, and the viewers who must not see any of them; and, for the
schema sweep, :class:`SentinelMaker`, which any module's model with restricted fields fills in
(its viewers come from the role table for the model's resource).

Any rendering of the incident (an API answer, a page, an export file, an import report, an
audit entry) can be searched for the sentinels with :func:`leaks`: the export formats call it
on their files, the schema sweep (kenesh/portal/tests/test_masking_sweep.py) on every API
schema.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kenesh.accounts.models import User
from kenesh.accounts.tests.factories import UserFactory
from kenesh.core.masking import declared_restricted
from kenesh.core.permissions import Action, Resource, Role, role_allows
from kenesh.geo.models import AdministrativeUnit
from kenesh.geo.tests.factories import MunicipalityFactory
from kenesh.incidents.models import Incident
from kenesh.incidents.tests.factories import IncidentFactory

#: The restricted values of :func:`sensitive_incident`, as they appear in any rendering.
SENTINELS = {
    "narrative": "SENTINEL-NARRATIVE-7f3a",
    "reporter_name": "SENTINEL-REPORTER-7f3a",
    "reporter_contact": "SENTINEL-CONTACT-7f3a",
    "latitude": 42.3456789,
    "longitude": 78.2345678,
}


def sensitive_incident(unit: AdministrativeUnit | None = None, **fields: Any) -> Incident:
    """A sexual assault (ICCS 0301: its location is restricted too) whose every restricted
    field holds a sentinel."""
    assert set(SENTINELS) == declared_restricted(Incident), "a sentinel for each restricted field"
    return IncidentFactory.create(
        unit=unit or MunicipalityFactory.create(),
        iccs_id="0301",
        **{**SENTINELS, **fields},
    )


def leaks(text: str) -> list[str]:
    """The restricted fields whose sentinel appears in ``text``."""
    return [name for name, value in SENTINELS.items() if str(value) in text]


def viewers_without_restricted(
    unit: AdministrativeUnit, resource: Resource = Resource.INCIDENTS
) -> dict[str, User | None]:
    """Everyone who must see no restricted value of an object of ``resource`` in ``unit``:
    each role of the table lacking ``restricted`` on it, held at the unit; the police of another
    municipality; a user without a role; and the anonymous visitor (None)."""
    viewers: dict[str, User | None] = {
        role.value: UserFactory.create(role=role, unit=unit)
        for role in Role
        if not role_allows(role, Action.RESTRICTED, resource)
    }
    viewers["police elsewhere"] = UserFactory.create(role=Role.POLICE_OFFICER)
    viewers["no role"] = UserFactory.create(role=None)
    viewers["anonymous"] = None
    return viewers


def police_of(unit: AdministrativeUnit, resource: Resource = Resource.INCIDENTS) -> User:
    """A viewer who sees every restricted value: the positive control of a masking test (the
    police, or the first role of the table with ``restricted`` on ``resource``)."""
    role = next(
        (r for r in (Role.POLICE_OFFICER, *Role) if role_allows(r, Action.RESTRICTED, resource)),
        Role.POLICE_OFFICER,
    )
    user: User = UserFactory.create(role=role, unit=unit)
    return user


@dataclass(frozen=True)
class SentinelMaker:
    """What the masking sweep needs of one model with restricted fields: ``make(unit)`` gives
    an object of ``unit`` whose restricted values are sentinels, ``search(text)`` names the
    fields whose sentinel appears in a rendering. ``never_shown``: restricted fields no API
    schema may show even to the viewer with ``restricted`` (a reply address kept only to send
    replies). The viewers come from the role table for the model's resource."""

    make: Callable[[AdministrativeUnit], Any]
    search: Callable[[str], list[str]]
    never_shown: Sequence[str] = ()


INCIDENT_SENTINELS = SentinelMaker(sensitive_incident, leaks)
