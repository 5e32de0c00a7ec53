"""The permission sweep: every page and API operation declares its access and behaves as declared.

The URL walk (:func:`kenesh.core.access.endpoints`) lists every URL pattern and every OpenAPI
operation. An undeclared one fails here. For each declaration, with small users made per test
(municipality A holds the sample objects, B is another municipality):

* a role permission: anonymous → the login page (pages) or 401 (API); a user of B whose role
  has the permission → 404 on an address naming an object of A; a user of A whose role lacks
  it → 403 (200 where the page declares an aggregate-only variant and the role has aggregates);
  a user without any role sees nothing (404, 403 or an empty API list) and changes nothing;
* authenticated: anonymous → the login page or 401;
* public: no restricted field and no count from 1 to 4 in the answer;
* signed: an unsigned request is refused;
* the admin: its own login for anonymous and non-staff users.

Lists (every paginated page, every API operation answering a ``Page``) run the same number of
queries for 2 rows as for 20.

A new address that names an object needs a sample in ``SAMPLES`` (and a write operation a body
in ``BODIES``, a list a row maker in ``ROWS``): the sweep says which is missing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, path

from kenesh.accounts.models import User
from kenesh.accounts.tests.factories import UserFactory
from kenesh.core.access import (
    AccessKind,
    Endpoint,
    access,
    api_access,
    endpoints,
    signed,
    undeclared,
)
from kenesh.core.api import Page
from kenesh.core.permissions import Action, Resource, Role, role_allows
from kenesh.core.scope import allowed, allowed_anywhere
from kenesh.geo.models import AdministrativeUnit
from kenesh.geo.tests.factories import MunicipalityFactory, country
from kenesh.incidents.tests.factories import IncidentFactory
from kenesh.orgs.tests.factories import MembershipFactory, OrganisationFactory, WorkingGroupFactory
from kenesh.portal.tests.sweeping import Place, Rows, Sample, contributions

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db

ENDPOINTS = endpoints()


def _of(*kinds: AccessKind) -> list[Endpoint]:
    return [e for e in ENDPOINTS if e.access is not None and e.access.kind in kinds]


GUARDED = _of(AccessKind.PERMISSION)
SIGNED_IN = _of(AccessKind.PERMISSION, AccessKind.AUTHENTICATED)
PUBLIC = [e for e in _of(AccessKind.PUBLIC) if not e.included]
STAFF = _of(AccessKind.STAFF)
SIGNED = _of(AccessKind.SIGNED)

# Roles held in one municipality (programme coordinators and administrators are national).
MUNICIPAL_ROLES = [
    Role.POLICE_OFFICER,
    Role.LCPC_COORDINATOR,
    Role.LOCAL_GOVERNMENT,
    Role.CIVIL_SOCIETY,
    Role.LIVESTOCK_REGISTRAR,
]
NATIONAL_ROLES = {Role.ADMINISTRATOR, Role.PROGRAMME_COORDINATOR}


# The place and its objects -----------------------------------------------------------------------


@pytest.fixture
def place() -> Place:
    return Place(a=MunicipalityFactory.create(), b=MunicipalityFactory.create())


def _unit(place: Place) -> dict[str, Any]:
    return {"code": place.a.code}


SAMPLES: dict[str, Sample] = {
    # pages
    "unit-detail": Sample(_unit),
    "organisation-detail": Sample(lambda p: {"pk": p.organisation().pk}),
    "organisation-edit": Sample(lambda p: {"pk": p.organisation().pk}),
    "working-group-detail": Sample(lambda p: {"pk": p.group().pk}),
    "working-group-edit": Sample(lambda p: {"pk": p.group().pk}),
    "working-group-member-add": Sample(lambda p: {"pk": p.group().pk}),
    "working-group-member-edit": Sample(
        lambda p: {"pk": p.group().pk, "membership_pk": p.membership().pk}
    ),
    "incidents:detail": Sample(lambda p: {"pk": p.incident().pk}),
    "incidents:edit": Sample(lambda p: {"pk": p.incident().pk}),
    "incidents:import:job": Sample(lambda p: {"job_id": p.import_job().pk}),
    "incidents:import:rejects": Sample(lambda p: {"job_id": p.import_job().pk}),
    "incidents:import:report": Sample(lambda p: {"job_id": p.import_job().pk}),
    "incidents:import:template": Sample(lambda p: {"fmt": "csv"}, names_object=False),
    "dashboard-programme-export": Sample(lambda p: {"fmt": "csv"}, names_object=False),
    # API operations
    "api:my_token_revoke": Sample(lambda p: {"prefix": "kn_abcdefghi"}, names_object=False),
    "api:unit_detail": Sample(_unit),
    "api:unit_children": Sample(_unit),
    "api:organisation_detail": Sample(lambda p: {"organisation_id": p.organisation().pk}),
    "api:organisation_update": Sample(lambda p: {"organisation_id": p.organisation().pk}),
    "api:working_group_detail": Sample(lambda p: {"group_id": p.group().pk}),
    "api:working_group_update": Sample(lambda p: {"group_id": p.group().pk}),
    "api:working_group_members": Sample(lambda p: {"group_id": p.group().pk}),
    "api:working_group_member_add": Sample(lambda p: {"group_id": p.group().pk}),
    "api:working_group_member_detail": Sample(
        lambda p: {"group_id": p.group().pk, "membership_id": p.membership().pk}
    ),
    "api:working_group_member_update": Sample(
        lambda p: {"group_id": p.group().pk, "membership_id": p.membership().pk}
    ),
    "api:incident_detail": Sample(lambda p: {"incident_id": p.incident().pk}),
    "api:incident_update": Sample(lambda p: {"incident_id": p.incident().pk}),
    # Import jobs of every kind: the sample is an incident import by someone else.
    "api:import_upload": Sample(names_object=False, resource=Resource.INCIDENTS),
    "api:import_job": Sample(lambda p: {"job_id": p.import_job().pk}, resource=Resource.INCIDENTS),
    "api:import_rejects": Sample(
        lambda p: {"job_id": p.import_job().pk}, resource=Resource.INCIDENTS
    ),
    "api:import_report": Sample(
        lambda p: {"job_id": p.import_job().pk}, resource=Resource.INCIDENTS
    ),
    "api:incidents_export": Sample(lambda p: {"fmt": "csv"}, names_object=False),
    "api:hotspots": Sample(query=lambda p: {"unit": p.a.code}),
    "api:near_repeat": Sample(query=lambda p: {"unit": p.a.code}),
    "api:evaluation": Sample(
        query=lambda p: {
            "treated": p.a.code,
            "comparison": p.neighbour().code,
            "start": "2024-01-01",
        }
    ),
}

# Bodies that pass the operation's schema, so that the request reaches its permission check.
BODIES: dict[str, Callable[[Place], dict[str, Any]]] = {
    "api:organisation_create": lambda p: {"unit": p.a.code, "kind": "ngo", "name_ru": "Тест"},
    "api:working_group_create": lambda p: {"unit": p.a.code, "name_ru": "Тест"},
    "api:working_group_member_add": lambda p: {
        "member_type": "civil_society",
        "person": {"full_name": "Тест Адамов"},
    },
    "api:incident_create": lambda p: {
        "unit": p.a.code,
        "iccs": "05025",
        "occurred_on": "2024-06-15",
        "reported_on": "2024-06-16",
        "external_ref": "SWEEP-2024-1",
    },
}
MULTIPART: dict[str, Callable[[Place], dict[str, Any]]] = {
    "api:incident_import": lambda p: {
        "file": SimpleUploadedFile("sheet.csv", b"unit,iccs\n", content_type="text/csv")
    },
    "api:import_upload": lambda p: {
        "kind": "incidents",
        "file": SimpleUploadedFile("sheet.csv", b"unit,iccs\n", content_type="text/csv"),
    },
}


def _merge_contributed(targets: dict[str, dict[str, Any]]) -> None:
    for name, entries in contributions():
        if name in targets:
            targets[name].update(entries)


# Every module's own samples and bodies (kenesh/<app>/tests/sweep_*.py), merged before the
# cases below are drawn from them.
_merge_contributed({"SAMPLES": SAMPLES, "BODIES": BODIES, "MULTIPART": MULTIPART})


def permission(endpoint: Endpoint) -> tuple[Action, Resource]:
    """The action and resource a permission endpoint declares (the sample's for one declared
    with the resource of the kind it names)."""
    declared = endpoint.access
    assert declared is not None and declared.action is not None
    sample = SAMPLES.get(endpoint.name)
    resource = declared.resource or (sample.resource if sample is not None else None)
    assert resource is not None, f"{endpoint}: give its sample in SAMPLES the kind's resource"
    return declared.action, resource


def address(endpoint: Endpoint, place: Place) -> tuple[str, dict[str, Any]]:
    """The endpoint's address for the sample objects of ``place``, and its query."""
    sample = SAMPLES.get(endpoint.name)
    if sample is None:
        assert not endpoint.parameters, f"{endpoint}: add a sample of its parameters to SAMPLES"
        return endpoint.url(), {}
    return endpoint.url(**sample.values(place)), sample.query(place)


def names_object(endpoint: Endpoint) -> bool:
    sample = SAMPLES.get(endpoint.name)
    return sample is not None and sample.names_object


def send(client: Client, endpoint: Endpoint, place: Place) -> TestResponse:
    """One request to the endpoint: GET for pages, the operation's method with a valid body."""
    url, query = address(endpoint, place)
    if not endpoint.is_api:
        return client.get(url, query)
    method = endpoint.methods[0]
    if method == "GET":
        return client.get(url, query)
    if endpoint.name in MULTIPART:
        return client.post(url, MULTIPART[endpoint.name](place))
    body = BODIES.get(endpoint.name, lambda p: {})(place)
    return client.generic(method, url, json.dumps(body), content_type="application/json")


def signed_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def user_with(role: Role, place: Place, unit: AdministrativeUnit | None = None) -> User:
    """A user holding ``role`` in A (or ``unit``); national roles at the country."""
    where = country() if role in NATIONAL_ROLES else (unit or place.a)
    return UserFactory.create(role=role, unit=where)


# Every address is declared -----------------------------------------------------------------------


def test_every_page_and_operation_declares_its_access() -> None:
    missing = "\n".join(str(endpoint) for endpoint in undeclared(ENDPOINTS))
    assert not missing, f"declare access (kenesh.core.access) on:\n{missing}"


def test_import_jobs_of_every_kind_are_held_to_a_permission() -> None:
    """The generic job addresses declare the resource of the job's kind, so the outsider (404)
    and lacking-role (403) checks run on a job someone else uploaded."""
    jobs = [e for e in ENDPOINTS if e.route.startswith("api/v1/imports")]
    assert {e.name for e in jobs} >= {"api:import_job", "api:import_rejects", "api:import_report"}
    assert all(e in GUARDED for e in jobs), [str(e) for e in jobs if e not in GUARDED]
    outsiders = {case.values[0].name for case in _outsider_cases()}
    assert {"api:import_job", "api:import_rejects", "api:import_report"} <= outsiders


def test_the_walk_reaches_every_operation_of_the_openapi_document(client: Client) -> None:
    document = client.get(resolve_url("api:openapi-json")).json()
    documented = {
        (method.upper(), route)
        for route, operations in document["paths"].items()
        for method in operations
    }
    walked = {
        (method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", "/" + endpoint.route))
        for endpoint in ENDPOINTS
        if endpoint.is_api and endpoint.operation.include_in_schema
        for method in endpoint.methods
    }
    assert documented <= walked


def test_every_sample_names_an_address_that_exists() -> None:
    names = {endpoint.name for endpoint in ENDPOINTS}
    stale = (set(SAMPLES) | set(BODIES) | set(MULTIPART) | set(ROWS)) - names
    assert not stale, f"samples for addresses that no longer exist: {sorted(stale)}"


# Signed in, or not at all ------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", SIGNED_IN, ids=str)
def test_an_anonymous_visitor_is_sent_to_log_in(endpoint: Endpoint, place: Place) -> None:
    response = send(Client(), endpoint, place)
    if endpoint.is_api:
        assert response.status_code == 401, response.content[:200]
    else:
        assert response.status_code == 302, response.content[:200]
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL) + "?next=")


def _outsider_cases() -> Iterator[Any]:
    for endpoint in GUARDED:
        if not names_object(endpoint):
            continue
        action, resource = permission(endpoint)
        role = next((r for r in MUNICIPAL_ROLES if role_allows(r, action, resource)), None)
        if role is not None:  # nobody municipal may: national roles are never outsiders
            yield pytest.param(endpoint, role, id=f"{endpoint}-{role.value}")


@pytest.mark.parametrize(("endpoint", "role"), list(_outsider_cases()))
def test_a_user_of_another_municipality_finds_nothing(
    endpoint: Endpoint, role: Role, place: Place
) -> None:
    outsider = user_with(role, place, unit=place.b)
    response = send(signed_in(outsider), endpoint, place)
    assert response.status_code == 404, response.content[:300]


def _lacking_cases() -> Iterator[Any]:
    for endpoint in GUARDED:
        action, resource = permission(endpoint)
        for role in Role:
            if not role_allows(role, action, resource):
                yield pytest.param(endpoint, role, id=f"{endpoint}-{role.value}")


@pytest.mark.parametrize(("endpoint", "role"), list(_lacking_cases()))
def test_a_role_without_the_permission_is_refused(
    endpoint: Endpoint, role: Role, place: Place
) -> None:
    declared = endpoint.access
    assert declared is not None
    action, resource = permission(endpoint)
    user = user_with(role, place)
    if allowed(user, action, resource, place.a.path):
        pytest.skip("every signed-in user holds this permission (the public column)")
    response = send(signed_in(user), endpoint, place)
    if declared.aggregate_variant and allowed_anywhere(user, Action.AGGREGATE, resource):
        assert response.status_code == 200, response.content[:300]
    else:
        assert response.status_code == 403, response.content[:300]


@pytest.mark.parametrize("endpoint", GUARDED, ids=str)
def test_a_user_without_any_role_sees_and_changes_nothing(endpoint: Endpoint, place: Place) -> None:
    """No role, no area: an object is not found (404), a page refused (403), an API list empty;
    a unit named in a body is not in the user's area (422)."""
    user = UserFactory.create(role=None)
    if allowed_anywhere(user, *permission(endpoint)):
        pytest.skip("every signed-in user holds this permission (the public column)")
    response = send(signed_in(user), endpoint, place)
    if endpoint.is_api and endpoint.methods != ("GET",):
        assert response.status_code in (403, 404, 422), response.content[:300]
    elif endpoint.is_api and response.status_code == 200:
        assert _is_api_list(endpoint), response.content[:300]
        assert response.json()["count"] == 0
    else:
        assert response.status_code in (403, 404), response.content[:300]


# Public, signed and the admin --------------------------------------------------------------------

SENTINEL = "SWEEP-RESTRICTED-{}"
# Makers of an object of A with its restricted fields filled, per model that declares any.
RESTRICTED_SAMPLES: dict[str, Callable[[Place, dict[str, str]], Any]] = {
    "incidents.incident": lambda place, values: IncidentFactory(unit=place.a, **values),
}
COUNT_KEY = re.compile(r"(^|_)(count|total|n)$")
SMALL_CELL = re.compile(r"<td[^>]*>\s*[1-4]\s*</td>")


def _small_counts(data: Any, where: str = "") -> Iterator[str]:
    """Places in a JSON answer where a count from 1 to 4 is shown (not null and suppressed)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, int) and not isinstance(value, bool) and COUNT_KEY.search(key):
                if 1 <= value <= 4:
                    yield f"{where}.{key}={value}"
            else:
                yield from _small_counts(value, f"{where}.{key}")
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from _small_counts(item, f"{where}[{index}]")


def test_every_model_with_restricted_fields_has_a_sample_for_the_public_check() -> None:
    declaring = {
        model._meta.label_lower
        for model in apps.get_models()
        if getattr(model, "restricted_fields", ())
    }
    assert declaring <= set(RESTRICTED_SAMPLES)


@pytest.mark.parametrize("endpoint", PUBLIC, ids=str)
def test_a_public_address_shows_no_restricted_field_and_no_small_count(
    endpoint: Endpoint, place: Place
) -> None:
    sentinels: list[str] = []
    for label, make in RESTRICTED_SAMPLES.items():
        model = apps.get_model(label)
        values = {name: SENTINEL.format(name) for name in model.restricted_fields}
        for _copy in range(3):  # three of them: a count a public answer must not show
            make(place, values)
        sentinels.extend(values.values())
    response = send(Client(), endpoint, place)
    body = response.content.decode(errors="replace")
    assert not [s for s in sentinels if s in body]
    if response.get("Content-Type", "").startswith("application/json"):
        assert not list(_small_counts(json.loads(body)))
    else:
        assert not SMALL_CELL.search(body)


@pytest.mark.parametrize("endpoint", STAFF, ids=str)
def test_the_admin_asks_anyone_but_staff_to_log_in(endpoint: Endpoint, place: Place) -> None:
    for client in (Client(), signed_in(user_with(Role.ADMINISTRATOR, place))):
        response = client.get(endpoint.url())
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def refuses_unsigned(endpoint: Endpoint) -> bool:
    """Whether an unsigned POST to a signed endpoint is refused (401 API, 403 page)."""
    response = Client().post(endpoint.url(), b"{}", content_type="application/json")
    return response.status_code == (401 if endpoint.is_api else 403)


def test_every_signed_webhook_refuses_an_unsigned_request() -> None:
    # No module has a webhook yet; the next test shows the check on dummies.
    assert [str(endpoint) for endpoint in SIGNED if not refuses_unsigned(endpoint)] == []


def test_the_signed_check_catches_a_webhook_declared_signed_but_open(settings: Any) -> None:
    """No module has a webhook yet: a dummy page and a dummy operation show the check works."""
    from ninja import NinjaAPI

    from kenesh.core.access import SignedRequest

    settings.KENESH_SWEEP_SECRET = "sweep-secret"
    api = NinjaAPI(urls_namespace="sweep-hooks")

    @api.post("/guarded", auth=SignedRequest("KENESH_SWEEP_SECRET"))
    @api_access(signed("KENESH_SWEEP_SECRET"))
    def guarded(request: Any) -> dict[str, bool]:
        return {"ok": True}

    @api.post("/open", auth=None)
    @api_access(signed("KENESH_SWEEP_SECRET"))
    def open_hook(request: Any) -> dict[str, bool]:
        return {"ok": True}

    def page(request: Any) -> HttpResponse:
        return HttpResponse("ok")

    import config.urls

    urlpatterns: list[URLPattern | URLResolver] = [
        path("hooks/page", access(signed("KENESH_SWEEP_SECRET"))(page)),
        path("hooks/", api.urls),
    ]
    # The project's own addresses stay, for the templates of the error pages.
    site = [*urlpatterns, *config.urls.urlpatterns]
    settings.ROOT_URLCONF = type("urls", (), {"urlpatterns": site})
    found = {str(e): e for e in endpoints(urlpatterns) if e.access == signed("KENESH_SWEEP_SECRET")}
    assert refuses_unsigned(found["/hooks/page"])
    assert refuses_unsigned(found["POST /hooks/guarded (sweep-hooks:guarded)"])
    assert not refuses_unsigned(found["POST /hooks/open (sweep-hooks:open_hook)"])


# Lists do not grow their queries with their rows -------------------------------------------------


def _municipalities(place: Place, n: int) -> dict[str, Any]:
    MunicipalityFactory.create_batch(n, parent=place.a.parent)
    return {}


def _children(place: Place, n: int) -> dict[str, Any]:
    _municipalities(place, n)
    rayon = place.a.parent
    assert rayon is not None
    return {"path": {"code": rayon.code}}


def _organisations(place: Place, n: int) -> dict[str, Any]:
    OrganisationFactory.create_batch(n, unit=place.a)
    return {}


def _working_groups(place: Place, n: int) -> dict[str, Any]:
    for unit in MunicipalityFactory.create_batch(n, parent=place.a.parent):
        WorkingGroupFactory(unit=unit)
    return {}


def _members(place: Place, n: int) -> dict[str, Any]:
    group = place.group()
    MembershipFactory.create_batch(n, working_group=group)
    return {"path": {"group_id": group.pk}}


def _incidents(place: Place, n: int) -> dict[str, Any]:
    IncidentFactory.create_batch(n, unit=place.a, narrative="Restricted", reporter_name="Name")
    return {}


def _audit_entries(place: Place, n: int) -> dict[str, Any]:
    from kenesh.core.audit import audit_create

    actor = place.once("actor", lambda: UserFactory(role=None))
    for organisation in OrganisationFactory.create_batch(n, unit=place.a):
        audit_create(actor, organisation)
    return {"query": {"username": actor.username}}


ROWS: dict[str, Rows] = {
    "unit-list": Rows(Role.LCPC_COORDINATOR, _municipalities, at_rayon=True),
    "api:units": Rows(Role.LCPC_COORDINATOR, _municipalities, at_rayon=True),
    "api:unit_children": Rows(Role.LCPC_COORDINATOR, _children, at_rayon=True),
    "organisation-list": Rows(Role.LCPC_COORDINATOR, _organisations),
    "api:organisations": Rows(Role.LCPC_COORDINATOR, _organisations),
    "working-group-list": Rows(Role.LCPC_COORDINATOR, _working_groups, at_rayon=True),
    "api:working_groups": Rows(Role.LCPC_COORDINATOR, _working_groups, at_rayon=True),
    "api:working_group_members": Rows(Role.LCPC_COORDINATOR, _members),
    "incidents:list": Rows(Role.POLICE_OFFICER, _incidents),
    "api:incidents": Rows(Role.POLICE_OFFICER, _incidents),
    "audit-log": Rows(Role.ADMINISTRATOR, _audit_entries),
}


# Every module's own row makers and restricted samples (kenesh/<app>/tests/sweep_*.py).
_merge_contributed({"RESTRICTED_SAMPLES": RESTRICTED_SAMPLES, "ROWS": ROWS})


def _is_api_list(endpoint: Endpoint) -> bool:
    model = endpoint.operation.response_models.get(200)
    annotation = getattr(model, "model_fields", {}).get("response")
    kind = getattr(annotation, "annotation", None)
    return isinstance(kind, type) and issubclass(kind, Page)


LIST_CANDIDATES = [e for e in GUARDED if e.methods in ((), ("GET",))]


@pytest.mark.parametrize("endpoint", LIST_CANDIDATES, ids=str)
def test_every_list_has_a_row_maker(endpoint: Endpoint, place: Place) -> None:
    """A paginated page or an operation answering a Page needs an entry in ROWS."""
    if endpoint.name in ROWS:
        return
    if endpoint.is_api:
        assert not _is_api_list(endpoint), f"{endpoint}: add a row maker to ROWS"
        return
    action, resource = permission(endpoint)
    role = next(r for r in Role if role_allows(r, action, resource))
    response = send(signed_in(user_with(role, place)), endpoint, place)
    context = response.context or {}
    assert "page_obj" not in context, f"{endpoint}: add a row maker to ROWS"


def _queries(client: Client, url: str, query: dict[str, Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query)
    assert response.status_code == 200, response.content[:300]
    return len(captured.captured_queries)


@pytest.mark.parametrize("endpoint", [e for e in GUARDED if e.name in ROWS], ids=str)
def test_a_list_runs_as_many_queries_for_20_rows_as_for_2(endpoint: Endpoint, place: Place) -> None:
    rows = ROWS[endpoint.name]
    unit = place.a.parent if rows.at_rayon else place.a
    assert unit is not None
    viewer = signed_in(user_with(rows.viewer, place, unit=unit))
    made = rows.make(place, 2)
    url = endpoint.url(**made.get("path", {}))
    few = _queries(viewer, url, made.get("query", {}))
    rows.make(place, 18)
    many = _queries(viewer, url, made.get("query", {}))
    assert many <= few, f"{endpoint}: {few} queries for 2 rows, {many} for 20"
