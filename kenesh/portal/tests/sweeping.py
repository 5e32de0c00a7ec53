"""What the permission sweep (kenesh/portal/tests/test_permission_sweep.py) needs to reach an
address: the place its sample objects lie in, samples of path parameters, row makers of lists.

A module contributes the samples of its own addresses in ``kenesh/<app>/tests/sweep_*.py``:
module-level ``SAMPLES``, ``BODIES``, ``MULTIPART``, ``RESTRICTED_SAMPLES``, ``ROWS`` (and, for the
masking sweep, ``SENTINEL_MAKERS``) dicts,
merged into the sweep's own (see :func:`contributions`), so that a new module touches no file
outside itself.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import kenesh
from kenesh.accounts.tests.factories import UserFactory
from kenesh.core.permissions import Resource, Role
from kenesh.geo.models import AdministrativeUnit
from kenesh.geo.tests.factories import MunicipalityFactory
from kenesh.incidents.tests.factories import IncidentFactory, IncidentImportJobFactory
from kenesh.orgs.tests.factories import MembershipFactory, OrganisationFactory, WorkingGroupFactory


@dataclass
class Place:
    """Municipality A, where the sample objects lie, and B, a municipality of another rayon."""

    a: AdministrativeUnit
    b: AdministrativeUnit
    made: dict[str, Any] = field(default_factory=dict)

    def once(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self.made:
            self.made[key] = make()
        return self.made[key]

    def neighbour(self) -> AdministrativeUnit:
        """Another municipality of A's rayon."""
        return self.once("neighbour", lambda: MunicipalityFactory(parent=self.a.parent))

    def organisation(self) -> Any:
        return self.once("organisation", lambda: OrganisationFactory(unit=self.a))

    def membership(self) -> Any:
        group = self.once("group", lambda: WorkingGroupFactory(unit=self.a))
        return self.once("membership", lambda: MembershipFactory(working_group=group))

    def group(self) -> Any:
        return self.membership().working_group

    def incident(self) -> Any:
        return self.once("incident", lambda: IncidentFactory(unit=self.a))

    def import_job(self) -> Any:
        """An incident import by a police officer of A."""
        owner = self.once("importer", lambda: UserFactory(role=Role.POLICE_OFFICER, unit=self.a))
        return self.once("import_job", lambda: IncidentImportJobFactory(created_by=owner))


@dataclass(frozen=True)
class Sample:
    """The path parameters (and the query, where the operation requires one) of an address.

    ``names_object``: they name an object or unit of A (so a user of B gets 404), not a format.
    ``resource``: for an address declared with the resource of the kind it names
    (:func:`kenesh.core.access.requires_of_kind`), the resource of the sample's kind.
    """

    values: Callable[[Place], dict[str, Any]] = lambda place: {}
    query: Callable[[Place], dict[str, Any]] = lambda place: {}
    names_object: bool = True
    resource: Resource | None = None


@dataclass(frozen=True)
class Rows:
    """Makes ``n`` rows a viewer sees in a list; returns the query string and path values."""

    viewer: Role
    make: Callable[[Place, int], dict[str, Any]]
    at_rayon: bool = (
        False  # the viewer's role is held at A's rayon (rows in several municipalities)
    )


CONTRIBUTED = (
    "SAMPLES",
    "BODIES",
    "MULTIPART",
    "RESTRICTED_SAMPLES",
    "ROWS",
    # kenesh/portal/tests/test_masking_sweep.py
    "SENTINEL_MAKERS",
)


def contributions() -> Iterator[tuple[str, dict[str, Any]]]:
    """``(name, entries)`` of every module's ``tests/sweep_*.py``, for each contributed dict."""
    root = Path(kenesh.__file__).resolve().parent
    for source in sorted(root.glob("*/tests/sweep_*.py")):
        dotted = ".".join(source.relative_to(root.parent).with_suffix("").parts)
        contribution = importlib.import_module(dotted)
        for name in CONTRIBUTED:
            entries = getattr(contribution, name, None)
            if entries:
                yield name, entries
