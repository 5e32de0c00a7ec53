"""Roles and what each may do: the role table of the product specification, as data.

One place answers "may this role do this to this kind of object". Scope (which units a user
covers) lives in :mod:`kenesh.core.scope`; this module knows nothing of units or users.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    PROGRAMME_COORDINATOR = "coordinator", _("Programme coordinator")
    LCPC_COORDINATOR = "lcpc", _("LCPC coordinator")
    POLICE_OFFICER = "police", _("Police officer")
    LOCAL_GOVERNMENT = "localgov", _("Local government official")
    CIVIL_SOCIETY = "civil", _("Civil society member")
    LIVESTOCK_REGISTRAR = "registrar", _("Livestock registrar")


class Action(StrEnum):
    READ = "read"  # see individual records
    WRITE = "write"  # create and edit
    APPROVE = "approve"
    AGGREGATE = "aggregate"  # see aggregates (counts, rates) only
    RESTRICTED = "restricted"  # see restricted fields unmasked


class Resource(StrEnum):
    GEOGRAPHY = "geography"
    ORGANISATIONS = "organisations"  # organisations, working groups, people
    INCIDENTS = "incidents"
    SURVEYS = "surveys"
    CONCERNS = "concerns"
    PRIORITIES = "priorities"
    PLANS = "plans"
    ACTIVITIES = "activities"
    FUNDING = "funding"
    LIVESTOCK = "livestock"
    ROADS = "roads"
    ROAD_VIOLATIONS = "road_violations"
    ACCIDENTS = "accidents"
    ACCOUNTS = "accounts"  # users, role assignments, audit log


R, W, A, AGG, RST = Action.READ, Action.WRITE, Action.APPROVE, Action.AGGREGATE, Action.RESTRICTED
_ROLES = [
    Role.ADMINISTRATOR,
    Role.PROGRAMME_COORDINATOR,
    Role.LCPC_COORDINATOR,
    Role.POLICE_OFFICER,
    Role.LOCAL_GOVERNMENT,
    Role.CIVIL_SOCIETY,
    Role.LIVESTOCK_REGISTRAR,
]

# Columns in the order of _ROLES; a cell is the set of actions. Read is implied by write and
# approve, aggregates by read: see _close().
_TABLE: dict[Resource, list[set[Action]]] = {
    Resource.GEOGRAPHY: [{W}, {R}, {R}, {R}, {R}, {R}, {R}],
    Resource.ORGANISATIONS: [{W}, {R}, {W}, {R}, {W}, {R}, {R}],
    Resource.INCIDENTS: [{R}, {AGG}, {R}, {W, RST}, {R}, {AGG}, {AGG}],
    Resource.SURVEYS: [{W}, {R}, {W}, {R}, {R}, {W}, set()],
    Resource.CONCERNS: [{W}, {AGG}, {W, RST}, {W, RST}, {R}, {W}, set()],
    Resource.PRIORITIES: [{W}, {R}, {W, A}, {R}, {W, A}, {R}, set()],
    Resource.PLANS: [{W}, {R}, {W}, {R}, {W, A}, {R}, {R}],
    Resource.ACTIVITIES: [{W}, {R}, {W}, {W}, {W, A}, {W}, {R}],
    Resource.FUNDING: [{W}, {W}, {W}, {R}, {W}, {R}, set()],
    Resource.LIVESTOCK: [{R}, {AGG}, {AGG}, {W, RST}, {AGG}, set(), {W, RST}],
    Resource.ROADS: [{W}, {AGG}, {R}, {W}, {R}, {AGG}, set()],
    Resource.ROAD_VIOLATIONS: [set(), set(), set(), {W, RST}, set(), set(), set()],
    Resource.ACCIDENTS: [{R}, {AGG}, {R}, {W}, {R}, {AGG}, set()],
    Resource.ACCOUNTS: [{W}, set(), set(), set(), set(), set(), set()],
}


def _close(actions: set[Action]) -> frozenset[Action]:
    closed = set(actions)
    if W in closed or A in closed:
        closed.add(R)
    if R in closed:
        closed.add(AGG)
    return frozenset(closed)


PERMISSIONS: dict[Resource, dict[str, frozenset[Action]]] = {
    resource: {role.value: _close(cell) for role, cell in zip(_ROLES, row, strict=True)}
    for resource, row in _TABLE.items()
}


def role_allows(role: str, action: Action, resource: Resource) -> bool:
    """Whether ``role`` may perform ``action`` on objects of ``resource`` within its scope."""
    return action in PERMISSIONS[resource].get(role, frozenset())


def roles_allowing(action: Action, resource: Resource) -> frozenset[str]:
    return frozenset(role for role, actions in PERMISSIONS[resource].items() if action in actions)
