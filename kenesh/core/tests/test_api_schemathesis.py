"""Property-based API test: every operation of /api/v1/openapi.json, fed generated input.

Schemathesis calls the WSGI application in-process, so its requests run inside the test's
transaction: they see the demo programme, what one example creates the next may read, and all
of it is rolled back at the end. Every answer must be no server error, have a documented
status and content type, and match its documented schema; invalid input must be refused.

The run is bounded and repeatable: a few generated examples per operation, derandomized.
The coverage phase (boundary values, wrong types, missing fields, unexpected methods, one
pass per operation) runs for the LCPC coordinator; the administrator, who may write
everywhere, gets the random (fuzzing) phase only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from config.wsgi import application
from kenesh.accounts.models import User
from kenesh.accounts.services import token_create
from kenesh.orgs.models import Membership, Organisation, OrganisationKind, Person, WorkingGroup
from kenesh.portal.demo import DEMO_PASSWORD, JETI_OGUZ, KARAKOL

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    unsupported_method,
]
SETTINGS = hypothesis.settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    # Examples share the test's fixtures and database transaction on purpose.
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)

# Random codes and ids almost never name an object, so generated requests would hardly ever
# get past the 404. Half the generated values of these names are replaced by real ones: in
# Jeti-Oguz (the LCPC coordinator's municipality), in Karakol (another), above them, and a
# municipality that has no working group yet.
MUNICIPALITIES = [JETI_OGUZ, KARAKOL]
CODES = [
    JETI_OGUZ,
    KARAKOL,
    "41702210830010",  # a village of Jeti-Oguz
    "41702210000000",  # Jeti-Oguz rayon
    "41702210805000",  # Ak-Dobo aiyl aimak, no working group
]


def _ids(queryset: Any) -> list[int]:
    return list(queryset.order_by("pk").values_list("pk", flat=True)[:6])


def _organisations() -> list[int]:
    return _ids(Organisation.objects.filter(unit__code__in=MUNICIPALITIES))


def _lcpcs() -> list[int]:
    lcpcs = Organisation.objects.filter(unit__code__in=MUNICIPALITIES, kind=OrganisationKind.LCPC)
    return _ids(lcpcs)


def _groups() -> list[int]:
    return _ids(WorkingGroup.objects.filter(unit__code__in=MUNICIPALITIES))


def _people() -> list[int]:
    jeti_oguz = _ids(Person.objects.filter(unit__code=JETI_OGUZ))[:3]
    return [*jeti_oguz, *_ids(Person.objects.filter(unit__code=KARAKOL))[:2]]


def _memberships() -> list[int]:
    jeti_oguz = _ids(Membership.objects.filter(working_group__unit__code=JETI_OGUZ))[:3]
    return [*jeti_oguz, *_ids(Membership.objects.filter(working_group__unit__code=KARAKOL))[:2]]


REAL_VALUES: dict[str, Callable[[], list[Any]]] = {
    "code": lambda: CODES,
    "unit": lambda: CODES,
    "parent": lambda: CODES,
    "organisation_id": _organisations,
    "organisation": _organisations,
    "group_id": _groups,
    "lcpc": _lcpcs,
    "person_id": _people,
    "membership_id": _memberships,
    "username": lambda: ["police.jetioguz", "lcpc.karakol"],
    "password": lambda: [DEMO_PASSWORD],
}


def _swappable(value: Any, like: Any) -> bool:
    """Only a value of the right type and size is swapped, so an invalid case stays invalid."""
    if isinstance(like, int):
        return type(value) is int and 1 <= value <= 2**53
    return isinstance(value, str) and len(value) <= 14


def _with_real_values(values: Any) -> st.SearchStrategy[Any]:
    if not isinstance(values, dict):
        return st.just(values)
    parts: dict[Any, st.SearchStrategy[Any]] = {}
    for name, value in values.items():
        real = REAL_VALUES[name]() if name in REAL_VALUES else []
        if name == "person" and isinstance(value, dict):
            parts[name] = _with_real_values(value)
        elif real and _swappable(value, real[0]):
            parts[name] = st.one_of(st.just(value), st.sampled_from(real))
        else:
            parts[name] = st.just(value)
    return st.fixed_dictionaries(parts)


def flatmap_path_parameters(
    context: schemathesis.HookContext, path_parameters: dict[str, Any]
) -> st.SearchStrategy[Any]:
    return _with_real_values(path_parameters)


def flatmap_query(
    context: schemathesis.HookContext, query: dict[str, Any]
) -> st.SearchStrategy[Any]:
    return _with_real_values(query)


def flatmap_body(context: schemathesis.HookContext, body: Any) -> st.SearchStrategy[Any]:
    return _with_real_values(body)


def load_schema(*, coverage_phase: bool) -> OpenApiSchema:
    # An explicit configuration, so that a schemathesis.toml lying around changes nothing.
    config = schemathesis.Config.from_dict(
        {"phases": {"coverage": {"enabled": coverage_phase}, "stateful": {"enabled": False}}}
    )
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=config)
    for hook in (flatmap_path_parameters, flatmap_query, flatmap_body):
        schema.hook(hook)
    return schema


with_coverage = load_schema(coverage_phase=True)
fuzzing_only = load_schema(coverage_phase=False)


@pytest.fixture(autouse=True)
def keep_the_test_connection_open() -> Iterator[None]:
    """Schemathesis calls the real WSGI handler, which closes the database connection at the
    end of each request when it is inside a transaction, as the test's is. Django's test
    client disconnects this for the same reason; so do we, for the length of the test."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def bearer_for(username: str) -> dict[str, str]:
    user = User.objects.get(username=username)
    _token, raw = token_create(actor=user, user=user, name="schemathesis")
    # In-process WSGI calls get the body as the application sends it; a gzipped answer (the hot
    # spot GeoJSON) would reach the schema checks compressed. Compression is tested on its own.
    return {"Authorization": f"Bearer {raw}", "Accept-Encoding": "identity"}


@pytest.fixture
def lcpc_coordinator(db: None) -> dict[str, str]:
    return bearer_for("lcpc.jetioguz")


@pytest.fixture
def administrator(db: None) -> dict[str, str]:
    return bearer_for("admin")


@with_coverage.parametrize()
@SETTINGS
def test_every_operation_answers_within_its_schema_for_an_lcpc_coordinator(
    case: schemathesis.Case, lcpc_coordinator: dict[str, str]
) -> None:
    case.call_and_validate(headers=lcpc_coordinator, checks=CHECKS)


@fuzzing_only.parametrize()
@SETTINGS
def test_every_operation_answers_within_its_schema_for_an_administrator(
    case: schemathesis.Case, administrator: dict[str, str]
) -> None:
    case.call_and_validate(headers=administrator, checks=CHECKS)
