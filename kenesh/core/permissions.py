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

#: The last column of the table: anonymous visitors, and every signed-in user for the whole
#: country (see :mod:`kenesh.core.disclosure`). Not a role one can be assigned: it is never a
#: grant, so it widens no scope; what it allows is served at the public level of detail
#: (aggregates with every count from 1 to 4 suppressed).
PUBLIC = "public"

# Columns in the order of _ROLES, then the public column; a cell is the set of actions. Read
# is implied by write and approve, aggregates by read: see _close(). A module fills its own
# public cells when it publishes something (consultations, plans, livestock).
_TABLE: dict[Resource, list[set[Action]]] = {
    Resource.GEOGRAPHY: [{W}, {R}, {R}, {R}, {R}, {R}, {R}, {R}],
    Resource.ORGANISATIONS: [{W}, {R}, {W}, {R}, {W}, {R}, {R}, set()],
    Resource.INCIDENTS: [{R}, {AGG}, {R}, {W, RST}, {R}, {AGG}, {AGG}, {AGG}],
    Resource.SURVEYS: [{W}, {R}, {W}, {R}, {R}, {W}, set(), {AGG}],
    Resource.CONCERNS: [{W}, {AGG}, {W, RST}, {W, RST}, {R}, {W}, set(), {AGG}],
    Resource.PRIORITIES: [{W}, {R}, {W, A}, {R}, {W, A}, {R}, set(), {AGG}],
    Resource.PLANS: [{W}, {R}, {W}, {R}, {W, A}, {R}, {R}, set()],
    Resource.ACTIVITIES: [{W}, {R}, {W}, {W}, {W, A}, {W}, {R}, set()],
    Resource.FUNDING: [{W}, {W}, {W}, {R}, {W}, {R}, set(), set()],
    Resource.LIVESTOCK: [{R}, {AGG}, {AGG}, {W, RST}, {AGG}, set(), {W, RST}, set()],
    Resource.ROADS: [{W}, {AGG}, {R}, {W}, {R}, {AGG}, set(), set()],
    Resource.ROAD_VIOLATIONS: [set(), set(), set(), {W, RST}, set(), set(), set(), set()],
    Resource.ACCIDENTS: [{R}, {AGG}, {R}, {W}, {R}, {AGG}, set(), set()],
    Resource.ACCOUNTS: [{W}, set(), set(), set(), set(), set(), set(), set()],
}


def _close(actions: set[Action]) -> frozenset[Action]:
    closed = set(actions)
    if W in closed or A in closed:
        closed.add(R)
    if R in closed:
        closed.add(AGG)
    return frozenset(closed)


PERMISSIONS: dict[Resource, dict[str, frozenset[Action]]] = {
    resource: {role.value: _close(cell) for role, cell in zip(_ROLES, row[:-1], strict=True)}
    for resource, row in _TABLE.items()
}

#: What the public column allows on each resource. Kept apart from :data:`PERMISSIONS` so that
#: no role check (and no scope built from role assignments) can ever match it by accident.
PUBLIC_PERMISSIONS: dict[Resource, frozenset[Action]] = {
    resource: _close(row[-1]) for resource, row in _TABLE.items()
}


def role_allows(role: str, action: Action, resource: Resource) -> bool:
    """Whether ``role`` may perform ``action`` on objects of ``resource`` within its scope."""
    return action in PERMISSIONS[resource].get(role, frozenset())


def roles_allowing(action: Action, resource: Resource) -> frozenset[str]:
    return frozenset(role for role, actions in PERMISSIONS[resource].items() if action in actions)


def public_allows(action: Action, resource: Resource) -> bool:
    """Whether the public column allows ``action`` on ``resource``: for anonymous visitors,
    and for every signed-in user anywhere in the country, at the public level of detail."""
    return action in PUBLIC_PERMISSIONS[resource]
