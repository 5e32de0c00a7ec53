"""Access declarations: what every page and API operation requires, said once beside it.

Each Django view carries ``@access(...)`` and each django-ninja operation ``@api_access(...)``
with one of:

* :func:`requires` — a role permission (an action on a resource of the role table in
  :mod:`kenesh.core.permissions`); the view's own scope check (404 outside the user's area, 403
  in it without the role) still runs inside the view;
* :func:`requires_of_kind` — a role permission on the resource of the kind the request names
  (an import job's kind, the upload's ``kind``): one address serves every module's kind;
* :data:`AUTHENTICATED` — any signed-in user (the dashboard, who am I);
* :data:`PUBLIC` — no login (logging in and out, the health check, the API's documents);
* :func:`signed` — a webhook whose body carries an HMAC signature with a shared secret;
  :func:`signed_by_token` — a webhook of a provider that sends the shared secret itself in a
  header (Telegram's ``X-Telegram-Bot-Api-Secret-Token``);
* :data:`STAFF` — the Django admin, which has its own staff login and model permissions.

:func:`endpoints` walks the project's URL configuration, ninja's API included (one entry per
operation), and pairs each with its declaration; the permission sweep
(``kenesh/portal/tests/test_permission_sweep.py``) fails on any entry without one and checks the
declared behaviour with small per-test users. docs/adr/0008-access-declarations.md says why.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import inspect
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext as _
from ninja.errors import HttpError

from kenesh.core.permissions import Action, Resource

F = TypeVar("F", bound=Callable[..., Any])

# The attribute a declared view or operation function carries.
ACCESS_ATTRIBUTE = "kenesh_access"


class AccessKind(StrEnum):
    PERMISSION = "permission"
    AUTHENTICATED = "authenticated"
    PUBLIC = "public"
    SIGNED = "signed"
    STAFF = "staff"


@dataclass(frozen=True)
class Access:
    """What a request needs to reach one page or operation.

    ``aggregate_variant``: users whose role only has ``Action.AGGREGATE`` on the resource get an
    aggregate-only version of the page (200), not 403. ``secret_setting`` names the setting that
    holds a signed webhook's shared secret; ``token_header``, for a provider that sends the
    secret itself rather than a signature, the header it comes in.
    """

    kind: AccessKind
    resource: Resource | None = None
    action: Action | None = None
    aggregate_variant: bool = False
    secret_setting: str | None = None
    token_header: str | None = None

    @property
    def entry_action(self) -> Action | None:
        """The action a user needs somewhere to open the page at all."""
        if self.kind is not AccessKind.PERMISSION:
            return None
        return Action.AGGREGATE if self.aggregate_variant else self.action

    def __str__(self) -> str:
        if self.kind is AccessKind.PERMISSION:
            variant = " (aggregate-only variant)" if self.aggregate_variant else ""
            resource = self.resource or "the kind's resource"
            return f"{self.action} {resource}{variant}"
        if self.kind is AccessKind.SIGNED:
            if self.token_header:
                return f"{self.token_header} matching {self.secret_setting}"
            return f"signed with {self.secret_setting}"
        return str(self.kind)


def requires(resource: Resource, action: Action, *, aggregate_variant: bool = False) -> Access:
    """A role permission: ``action`` on ``resource`` in the object's (or the user's) area."""
    if aggregate_variant and action is Action.AGGREGATE:
        raise ValueError("An aggregate page has no aggregate-only variant of itself.")
    return Access(
        AccessKind.PERMISSION, resource=resource, action=action, aggregate_variant=aggregate_variant
    )


def requires_of_kind(action: Action) -> Access:
    """A role permission whose resource is that of the kind the request names (an import job
    of any module: its kind's resource), known only once the request is read. The permission
    sweep takes the resource from the address's sample."""
    return Access(AccessKind.PERMISSION, action=action)


def signed(secret_setting: str) -> Access:
    """A webhook signed with the shared secret held in ``settings.<secret_setting>``."""
    return Access(AccessKind.SIGNED, secret_setting=secret_setting)


def signed_by_token(secret_setting: str, header: str) -> Access:
    """A webhook whose provider sends the shared secret in ``settings.<secret_setting>`` itself
    in a header (Telegram's secret token), compared in constant time. Declared as signed: the
    sweep holds it to refusing an unsigned request like any signed webhook."""
    return Access(AccessKind.SIGNED, secret_setting=secret_setting, token_header=header)


PUBLIC = Access(AccessKind.PUBLIC)
AUTHENTICATED = Access(AccessKind.AUTHENTICATED)
STAFF = Access(AccessKind.STAFF)


# Signed webhooks -------------------------------------------------------------------------------

SIGNATURE_HEADER = "X-Kenesh-Signature"
TIMESTAMP_HEADER = "X-Kenesh-Timestamp"
# A signature older (or newer) than this is refused, so a captured request cannot be replayed
# later; five minutes allows for clocks that disagree a little.
SIGNATURE_TOLERANCE_SECONDS = 300


def signature_for(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of ``"<timestamp>." + body`` (the scheme of Stripe's
    webhooks: the timestamp is signed with the body, so it cannot be changed to replay it)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def signature_valid(request: HttpRequest, secret_setting: str, *, now: float | None = None) -> bool:
    """Whether the request carries a fresh, correct signature made with the named secret.

    A missing or empty secret refuses every request: an unconfigured webhook is closed.
    """
    secret = str(getattr(settings, secret_setting, "") or "")
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not secret or not given or not timestamp.isascii() or not timestamp.isdigit():
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > SIGNATURE_TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(given, signature_for(secret, timestamp, request.body))


def token_valid(request: HttpRequest, secret_setting: str, header: str) -> bool:
    """Whether ``header`` carries exactly the secret in ``settings.<secret_setting>`` (compared
    in constant time). A missing or empty secret refuses every request."""
    secret = str(getattr(settings, secret_setting, "") or "")
    given = request.headers.get(header, "")
    if not secret or not given:
        return False
    return hmac.compare_digest(given.encode(), secret.encode())


class SignedRequest:
    """django-ninja authentication for a signed webhook operation: ``auth=SignedRequest(NAME)``.

    A request without a signature gets the API's 401 (no credentials); one whose signature is
    wrong or too old, or that comes while the secret is not configured, gets 403 (credentials
    given and refused), so a gateway's operator can tell a missing header from a wrong secret.
    """

    def __init__(self, secret_setting: str) -> None:
        self.secret_setting = secret_setting

    def __call__(self, request: HttpRequest) -> bool | None:
        if signature_valid(request, self.secret_setting):
            return True
        if request.headers.get(SIGNATURE_HEADER) or request.headers.get(TIMESTAMP_HEADER):
            raise HttpError(403, _("The request's signature is not valid or has expired."))
        return None


class SecretTokenRequest:
    """django-ninja authentication for a webhook whose provider sends the shared secret in a
    header (:func:`signed_by_token`): ``auth=SecretTokenRequest(NAME, HEADER)``. Without the
    header 401; with a wrong one (or none configured) 403, as :class:`SignedRequest`."""

    def __init__(self, secret_setting: str, header: str) -> None:
        self.secret_setting = secret_setting
        self.header = header

    def __call__(self, request: HttpRequest) -> bool | None:
        if token_valid(request, self.secret_setting, self.header):
            return True
        if request.headers.get(self.header):
            raise HttpError(403, _("The request's secret token is not valid."))
        return None


# Declaring -------------------------------------------------------------------------------------


def access(declaration: Access) -> Callable[[F], F]:
    """Declare a Django view's access, and check what can be checked before the view runs.

    Permission and authenticated pages send anonymous visitors to the login page; signed
    webhooks refuse a request without a valid signature (403); public pages and the admin pass
    through. The permission itself stays with the view: scope comes first (an object outside the
    user's area is 404 whatever their role, ADR 0001), so only the view, knowing the object, can
    tell 404 from 403. The permission sweep holds every view to its declaration.
    """

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            kind = declaration.kind
            if kind in (AccessKind.PERMISSION, AccessKind.AUTHENTICATED):
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
            elif kind is AccessKind.SIGNED:
                assert declaration.secret_setting is not None
                if declaration.token_header:
                    if not token_valid(
                        request, declaration.secret_setting, declaration.token_header
                    ):
                        raise PermissionDenied(_("The request is not signed."))
                elif not signature_valid(request, declaration.secret_setting):
                    raise PermissionDenied(_("The request is not signed."))
            response: HttpResponse = view(request, *args, **kwargs)
            return response

        setattr(guarded, ACCESS_ATTRIBUTE, declaration)
        return guarded  # type: ignore[return-value]

    return decorate


def api_access(declaration: Access) -> Callable[[F], F]:
    """Declare a django-ninja operation's access (above or below ``@router.<method>``).

    It only records: ninja authenticates before the operation runs (401), and the operation
    checks scope and permission itself. It does not wrap the function, whose signature ninja
    reads.
    """

    def decorate(function: F) -> F:
        setattr(function, ACCESS_ATTRIBUTE, declaration)
        return function

    return decorate


def declaration_of(function: Callable[..., Any]) -> Access | None:
    """The declaration on a view or operation function, looking through wrapping decorators."""
    seen: set[int] = set()
    current: Any = function
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found = getattr(current, ACCESS_ATTRIBUTE, None)
        if isinstance(found, Access):
            return found
        current = getattr(current, "__wrapped__", None)
    return None


# Included URL configurations declared as a whole: their views are not ours to decorate.
INCLUDED: dict[str, Access] = {
    "admin": STAFF,  # the Django admin: staff login and model permissions of its own
    "django.conf.urls.i18n": PUBLIC,  # the language switch
}
# django-ninja's own pages of the API: the OpenAPI document, the docs page and the API root.
API_DOCUMENTS = PUBLIC


# Enumerating -----------------------------------------------------------------------------------


# A path parameter: ``<int:pk>`` in a route, ``(?P<pk>...)`` in a regular expression.
_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


@dataclass(frozen=True)
class Endpoint:
    """One URL pattern (a page, or an included URL configuration declared as a whole) or one
    API operation, with its declaration (``None``: undeclared)."""

    route: str  # Django route from the site root, e.g. "incidents/<int:pk>/"
    name: str  # the namespaced URL name ("incidents:detail"), or "" when unnamed
    access: Access | None
    callback: Callable[..., Any]
    methods: tuple[str, ...] = ()  # an API operation's methods; () for pages
    operation: Any = None  # the django-ninja Operation
    operation_id: str = ""
    included: bool = False

    @property
    def is_api(self) -> bool:
        return self.operation is not None

    @property
    def parameters(self) -> list[str]:
        """The names of the path's parameters, in order."""
        return [first or second for first, second in _PARAMETER.findall(self.route)]

    def url(self, **values: Any) -> str:
        """The address with each parameter replaced by ``values[name]``."""

        def fill(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(2)
            return str(values[name])

        route = _PARAMETER.sub(fill, self.route)
        return "/" + route.replace("^", "").replace("$", "").replace("\\", "")

    def __str__(self) -> str:
        methods = ",".join(self.methods) + " " if self.methods else ""
        return f"{methods}/{self.route}" + (f" ({self.name})" if self.name else "")


def _path_view_of(callback: Callable[..., Any]) -> Any:
    """The ninja PathView behind one of the API's URL callbacks (ninja builds each callback as a
    closure over its PathView), or ``None`` for anything else."""
    if not getattr(callback, "__closure__", None):
        return None
    owner = inspect.getclosurevars(callback).nonlocals.get("self")
    return owner if hasattr(owner, "operations") and hasattr(owner, "get_view") else None


def _is_ninja_document(callback: Callable[..., Any]) -> bool:
    return isinstance(callback, functools.partial) and "api" in callback.keywords


def _walk(
    patterns: Sequence[URLPattern | URLResolver], prefix: str, namespace: str
) -> Iterator[Endpoint]:
    seen_path_views: set[int] = set()
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            key = pattern.app_name or getattr(pattern.urlconf_name, "__name__", "")
            if not key and isinstance(pattern.urlconf_name, str):
                key = pattern.urlconf_name
            if key in INCLUDED:
                yield Endpoint(
                    route=route,
                    name=pattern.namespace or key,
                    access=INCLUDED[key],
                    callback=pattern.resolve,
                    included=True,
                )
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, route, inner)
            continue
        name = f"{namespace}{pattern.name}" if pattern.name else ""
        callback = pattern.callback
        path_view = _path_view_of(callback)
        if path_view is not None:
            if id(path_view) in seen_path_views:
                continue  # ninja repeats a path's pattern once per operation
            seen_path_views.add(id(path_view))
            for operation in path_view.operations:
                yield Endpoint(
                    route=route,
                    name=f"{namespace}{operation.view_func.__name__}",
                    access=declaration_of(operation.view_func),
                    callback=operation.view_func,
                    methods=tuple(sorted(operation.methods)),
                    operation=operation,
                    operation_id=operation.operation_id
                    or operation.api.get_openapi_operation_id(operation),
                )
            continue
        declared = API_DOCUMENTS if _is_ninja_document(callback) else declaration_of(callback)
        yield Endpoint(route=route, name=name, access=declared, callback=callback)


def endpoints(urlpatterns: Sequence[URLPattern | URLResolver] | None = None) -> list[Endpoint]:
    """Every URL pattern of the project (default: ``settings.ROOT_URLCONF``) and every API
    operation, each with its declaration."""
    if urlpatterns is None:
        from django.urls import get_resolver

        urlpatterns = get_resolver().url_patterns
    return list(_walk(urlpatterns, "", ""))


def undeclared(found: Sequence[Endpoint] | None = None) -> list[Endpoint]:
    """The endpoints without an access declaration: each is a defect the sweep reports."""
    return [
        endpoint for endpoint in (endpoints() if found is None else found) if not endpoint.access
    ]
