"""Access declarations: recorded on views and operations, enforced at a page's entry, found by
the URL walk (undeclared ones reported), and signed webhooks refusing unsigned requests."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import RequestFactory
from django.urls import include, path
from django.utils import translation
from django.views.decorators.http import require_safe
from ninja import NinjaAPI, Router
from ninja.testing import TestClient

from kenesh.core.access import (
    AUTHENTICATED,
    PUBLIC,
    SIGNATURE_HEADER,
    SIGNATURE_TOLERANCE_SECONDS,
    STAFF,
    TIMESTAMP_HEADER,
    AccessKind,
    SignedRequest,
    access,
    api_access,
    declaration_of,
    endpoints,
    requires,
    signature_for,
    signed,
    undeclared,
)
from kenesh.core.permissions import Action, Resource, Role
from kenesh.core.scope import Grant

SECRET = "test-webhook-secret-0123456789"


def ok(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("ok")


@pytest.fixture
def login_url(settings: Any) -> str:
    # The walk's tests build their own URL configurations; the login page is named by path.
    settings.LOGIN_URL = "/login/"
    return "/login/"


@pytest.fixture
def webhook_secret(settings: Any) -> str:
    settings.KENESH_TEST_WEBHOOK_SECRET = SECRET
    return SECRET


def someone(*roles: Role) -> SimpleNamespace:
    """A signed-in user holding ``roles`` in one municipality, without the database: core's
    tests know no user model (accounts lies above core)."""
    return SimpleNamespace(
        is_authenticated=True,
        is_active=True,
        _kenesh_grants=tuple(
            Grant(role.value, "/41700000000000/41799000000001/") for role in roles
        ),
    )


def request_as(user: Any, method: str = "get", **kwargs: Any) -> HttpRequest:
    request: HttpRequest = getattr(RequestFactory(), method)("/page/?a=1", **kwargs)
    request.user = user
    return request


def signed_headers(body: bytes, secret: str = SECRET, at: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if at is None else at))
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature_for(secret, timestamp, body),
    }


# Declaring --------------------------------------------------------------------------------------


def test_the_declaration_is_found_through_the_decorators_around_it() -> None:
    declared = require_safe(access(requires(Resource.INCIDENTS, Action.READ))(ok))
    found = declaration_of(declared)
    assert found is not None
    assert (found.kind, found.resource, found.action) == (
        AccessKind.PERMISSION,
        Resource.INCIDENTS,
        Action.READ,
    )
    assert declaration_of(require_safe(ok)) is None


def test_an_aggregate_variant_opens_the_page_to_aggregate_roles_only() -> None:
    page = requires(Resource.INCIDENTS, Action.READ, aggregate_variant=True)
    assert page.entry_action is Action.AGGREGATE
    assert requires(Resource.INCIDENTS, Action.READ).entry_action is Action.READ
    with pytest.raises(ValueError):
        requires(Resource.INCIDENTS, Action.AGGREGATE, aggregate_variant=True)


def test_an_api_declaration_leaves_the_operation_function_itself() -> None:
    def operation(request: HttpRequest) -> dict[str, str]:
        return {}

    assert api_access(PUBLIC)(operation) is operation
    assert declaration_of(operation) is PUBLIC


# Enforcing at a page's entry --------------------------------------------------------------------


def test_a_permission_page_sends_an_anonymous_visitor_to_the_login_page(login_url: str) -> None:
    view = access(requires(Resource.ACCOUNTS, Action.READ))(ok)
    response = view(request_as(AnonymousUser()))
    assert response.status_code == 302
    assert response["Location"] == f"{login_url}?next=/page/%3Fa%3D1"


def test_a_permission_page_leaves_404_or_403_to_the_view_that_knows_the_object() -> None:
    """Scope comes first (outside the user's area is 404 whatever the role), so the entry lets
    any signed-in user reach the view, even one whose roles nowhere allow the action."""
    seen: list[Any] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(request.user)
        return HttpResponse("the view decides")

    guarded = access(requires(Resource.ACCOUNTS, Action.READ))(view)
    user = someone(Role.LCPC_COORDINATOR)
    assert guarded(request_as(user)).status_code == 200
    assert seen == [user]


def test_an_authenticated_page_needs_a_login_and_nothing_more(login_url: str) -> None:
    view = access(AUTHENTICATED)(ok)
    assert view(request_as(AnonymousUser())).status_code == 302
    assert view(request_as(someone())).status_code == 200


def test_public_and_admin_pages_pass_through() -> None:
    assert access(PUBLIC)(ok)(request_as(AnonymousUser())).status_code == 200
    assert access(STAFF)(ok)(request_as(AnonymousUser())).status_code == 200


# Signed webhooks --------------------------------------------------------------------------------


def hook_request(body: bytes, headers: dict[str, str]) -> HttpRequest:
    return request_as(
        AnonymousUser(), "post", data=body, content_type="application/json", headers=headers
    )


def test_a_signed_webhook_takes_a_fresh_correctly_signed_request(webhook_secret: str) -> None:
    view = access(signed("KENESH_TEST_WEBHOOK_SECRET"))(ok)
    body = json.dumps({"text": "Мал уурдалды"}).encode()
    assert view(hook_request(body, signed_headers(body))).status_code == 200


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda body: {}, id="unsigned"),
        pytest.param(lambda body: signed_headers(b"{}"), id="signature-of-another-body"),
        pytest.param(lambda body: signed_headers(body, "another-secret"), id="another-secret"),
        pytest.param(
            lambda body: signed_headers(body, at=time.time() - SIGNATURE_TOLERANCE_SECONDS - 60),
            id="replayed-later",
        ),
        pytest.param(
            lambda body: {**signed_headers(body), TIMESTAMP_HEADER: "soon"}, id="bad-timestamp"
        ),
    ],
)
def test_a_signed_webhook_refuses_what_the_secret_did_not_sign(
    webhook_secret: str, forge: Any
) -> None:
    from django.core.exceptions import PermissionDenied

    view = access(signed("KENESH_TEST_WEBHOOK_SECRET"))(ok)
    body = b'{"text": "hello"}'
    with pytest.raises(PermissionDenied):
        view(hook_request(body, forge(body)))


def test_a_webhook_without_a_configured_secret_refuses_everything(settings: Any) -> None:
    from django.core.exceptions import PermissionDenied

    settings.KENESH_TEST_WEBHOOK_SECRET = ""
    view = access(signed("KENESH_TEST_WEBHOOK_SECRET"))(ok)
    body = b"{}"
    with pytest.raises(PermissionDenied):
        view(hook_request(body, signed_headers(body, secret="")))


def test_a_signed_api_operation_answers_401_to_an_unsigned_request(webhook_secret: str) -> None:
    router = Router()

    @router.post("/hook", auth=SignedRequest("KENESH_TEST_WEBHOOK_SECRET"))
    @api_access(signed("KENESH_TEST_WEBHOOK_SECRET"))
    def hook(request: HttpRequest) -> dict[str, bool]:
        return {"received": True}

    client = TestClient(router)
    body = b'{"text": "hello"}'
    assert client.post("/hook", body=body).status_code == 401
    accepted = client.post("/hook", body=body, headers=signed_headers(body))
    assert accepted.status_code == 200
    assert accepted.json() == {"received": True}


# Walking the URL configuration -------------------------------------------------------------------


def example_urlpatterns() -> list[Any]:
    """A small site: declared and undeclared pages, an API with declared and undeclared
    operations, the admin and the language switch."""
    from django.contrib import admin

    api = NinjaAPI(urls_namespace="access-example")

    @api.get("/things", summary="Things")
    @api_access(requires(Resource.ORGANISATIONS, Action.READ))
    def things(request: HttpRequest) -> list[int]:
        return []

    @api_access(requires(Resource.ORGANISATIONS, Action.WRITE))
    @api.patch("/things/{thing_id}")
    def thing_update(request: HttpRequest, thing_id: int) -> dict[str, int]:
        return {}

    @api.get("/things/{thing_id}")
    def thing_detail(request: HttpRequest, thing_id: int) -> dict[str, int]:
        return {}

    pages = (
        [
            path("", access(AUTHENTICATED)(ok), name="home"),
            path("items/<int:pk>/", access(requires(Resource.INCIDENTS, Action.READ))(ok)),
            path("forgotten/<str:code>/", ok, name="forgotten"),
        ],
        "pages",
    )
    return [
        path("i18n/", include("django.conf.urls.i18n")),
        path("admin/", admin.site.urls),
        path("api/", api.urls),
        path("site/", include(pages)),
        path("hook", access(signed("KENESH_TEST_WEBHOOK_SECRET"))(ok), name="hook"),
    ]


def test_the_walk_finds_every_page_and_every_operation_with_its_declaration() -> None:
    found = {str(endpoint): endpoint for endpoint in endpoints(example_urlpatterns())}
    assert found["/i18n/ (django.conf.urls.i18n)"].access is PUBLIC
    assert found["/admin/ (admin)"].access is STAFF
    assert found["/api/openapi.json (access-example:openapi-json)"].access is PUBLIC
    assert found["/site/ (pages:home)"].access is AUTHENTICATED
    assert found["/hook (hook)"].access == signed("KENESH_TEST_WEBHOOK_SECRET")
    things = found["GET /api/things (access-example:things)"]
    assert things.access == requires(Resource.ORGANISATIONS, Action.READ)
    assert things.operation_id.endswith("_things")
    update = found["PATCH /api/things/<thing_id> (access-example:thing_update)"]
    assert update.access == requires(Resource.ORGANISATIONS, Action.WRITE)
    assert update.is_api
    assert update.parameters == ["thing_id"]
    assert update.url(thing_id=7) == "/api/things/7"
    item = found["/site/items/<int:pk>/"]
    assert item.url(pk=3) == "/site/items/3/"
    assert not item.is_api


def test_undeclared_pages_and_operations_are_reported_by_name() -> None:
    missing = {str(endpoint) for endpoint in undeclared(endpoints(example_urlpatterns()))}
    assert missing == {
        "GET /api/things/<thing_id> (access-example:thing_detail)",
        "/site/forgotten/<str:code>/ (pages:forgotten)",
    }


def test_a_regular_expression_route_fills_its_named_groups() -> None:
    from django.urls import re_path

    (endpoint,) = endpoints([re_path(r"^files/(?P<name>[a-z]+)\.csv$", ok)])
    assert endpoint.parameters == ["name"]
    assert endpoint.url(name="report") == "/files/report.csv"


def test_unsigned_json_is_refused_by_name_in_the_message(webhook_secret: str) -> None:
    """The 403 of an unsigned webhook says why (translatable), for whoever configures it."""
    from django.core.exceptions import PermissionDenied

    view = access(signed("KENESH_TEST_WEBHOOK_SECRET"))(lambda request: JsonResponse({}))
    with translation.override("en"), pytest.raises(PermissionDenied, match="not signed"):
        view(hook_request(b"{}", {}))
