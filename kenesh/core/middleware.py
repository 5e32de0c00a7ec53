"""Request guards around Django's own middleware, and the answers every request shares: the
API's error shape, the body size limit, no caching of what a signed-in user sees."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import gettext as _

from kenesh.core.db import BUSY_RETRY_AFTER_S, busy_message, is_database_busy

_SESSION_KEY = re.compile(r"^[a-z0-9]{1,64}$")


class DropMalformedSessionCookie:
    """Forget a session cookie that cannot be a session key.

    Django's session keys are lowercase letters and digits. Anything else (a NUL byte, say)
    would reach the session table's query and PostgreSQL refuses NUL in text with a server
    error; without the cookie the request is simply anonymous.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = settings.SESSION_COOKIE_NAME
        value = request.COOKIES.get(name)
        if value is not None and not _SESSION_KEY.match(value):
            del request.COOKIES[name]
        return self.get_response(request)


class RejectNulCharacters:
    """Answer 400 to a NUL character in a page's address or query string.

    No legitimate form or link carries one, and PostgreSQL refuses NUL in text, so letting it
    reach a query would be a server error. The API guards its own input (kenesh.core.api) and
    answers in its own error shape, so it is left alone here.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            query = request.META.get("QUERY_STRING", "")
            if "\x00" in request.path or "%00" in query or "\x00" in query:
                raise BadRequest("NUL character in the request")
        return self.get_response(request)


class SecureCookiesOverHttps:
    """Mark the session, CSRF and language cookies secure on a request that came over HTTPS.

    With ``KENESH_HTTPS`` the settings already do; without it the site also answers plain HTTP
    on the office network, and a reverse proxy terminating TLS says so per request with
    ``X-Forwarded-Proto: https``: the cookies given over that connection never travel in clear.
    Placed before the session and CSRF middleware, so it sees the cookies they set.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.is_secure():
            for name in (
                settings.SESSION_COOKIE_NAME,
                settings.CSRF_COOKIE_NAME,
                settings.LANGUAGE_COOKIE_NAME,
            ):
                if name in response.cookies:
                    response.cookies[name]["secure"] = True
        return response


API_PREFIX = "/api/"


def api_error(
    status: int, detail: str, errors: Sequence[Mapping[str, object]] = ()
) -> JsonResponse:
    """An answer in the API's error shape, ``{"detail": ..., "errors": [...]}``."""
    return JsonResponse(
        {"detail": detail, "errors": list(errors)},
        status=status,
        # As the API's own answers (kenesh.core.api.UnicodeJSONRenderer): UTF-8, unescaped.
        content_type="application/json; charset=utf-8",
        json_dumps_params={"ensure_ascii": False},
    )


def _is_json(response: HttpResponseBase) -> bool:
    return str(response.get("Content-Type", "")).startswith("application/json")


def _detail(status: int) -> str:
    details = {
        400: _("The request is not valid."),
        401: _("Authentication required."),
        403: _("You do not have permission to do this."),
        404: _("Not found."),
        405: _("This method is not allowed at this address."),
        413: _("The request body is too large."),
    }
    if status >= 500:
        return _("Something went wrong on the server. It was logged.")
    return details.get(status, _("The request cannot be answered."))


class ApiErrorShape:
    """Give every error under ``/api/`` the API's JSON shape, whoever answered it.

    The operations answer in that shape themselves (:func:`kenesh.core.api.install_error_handlers`);
    this covers the rest: django-ninja's 405 (plain text, made outside any operation), and the
    HTML pages Django makes for an exception outside the API's handlers (a middleware's, the
    CSRF check's 403). The status and headers such as ``Allow`` are kept; the 500 was already
    logged by Django.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith(API_PREFIX)
            or _is_json(response)
        ):
            return response
        shaped = api_error(response.status_code, _detail(response.status_code))
        for header, value in response.headers.items():
            if header.lower() not in {"content-type", "content-length"}:
                shaped.headers[header] = value
        shaped.cookies = response.cookies
        return shaped


class RequestBodyLimit:
    """Refuse a request whose body is declared larger than the limit, before it is read.

    The limit is ``KENESH_MAX_UPLOAD_MB`` (the largest import file) plus room for the form's
    other fields and the multipart framing, so a file just under the limit still reaches the
    import form, which says exactly how large it may be. The answer is 413: JSON under
    ``/api/``, a page otherwise. The proxy in front should allow a little more than this
    (docs/deployment.md), so that the client hears it from Kenesh in the API's shape.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # Django reads an unreadable length as no body at all
        if declared > max_request_bytes():
            return self.refuse(request)
        return self.get_response(request)

    @staticmethod
    def refuse(request: HttpRequest) -> HttpResponse:
        message = _("The request is larger than %(size)d MB.") % {"size": settings.MAX_UPLOAD_MB}
        if request.path.startswith(API_PREFIX):
            errors = [{"loc": ["body"], "msg": message, "type": "body_too_large"}]
            return api_error(413, _("The request body is too large."), errors)
        return render(request, "413.html", {"message": message}, status=413)


#: Room above the file size limit for the other fields of an upload form and the multipart
#: boundaries and headers (a few hundred bytes in practice).
UPLOAD_FORM_OVERHEAD = 1024 * 1024


def max_upload_bytes() -> int:
    """The largest file an upload may carry (``KENESH_MAX_UPLOAD_MB``)."""
    return int(settings.MAX_UPLOAD_MB) * 1024 * 1024


def max_request_bytes() -> int:
    """The largest request body Kenesh reads: an upload at the limit with its form."""
    return max_upload_bytes() + UPLOAD_FORM_OVERHEAD


def _signed_in(request: HttpRequest) -> bool:
    if request.META.get("HTTP_AUTHORIZATION"):
        return True  # a Bearer token, valid or not: the answer is for that caller only
    user = getattr(request, "user", None)
    if user is None:
        return False
    # Without a session cookie the lazy user is anonymous: not evaluated, so that an anonymous
    # answer does not start varying on the cookie because this check read the session.
    unread = isinstance(user, SimpleLazyObject) and user._wrapped is empty  # type: ignore[attr-defined]
    if unread and settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    return bool(user.is_authenticated)


class NoStoreWhenSignedIn:
    """``Cache-Control: no-store, private`` on every answer to a signed-in user or a token.

    Pages and API answers carry restricted fields (a reporter's contact, a victim's location)
    for that user's eyes only: no browser cache, shared computer or proxy may keep them, and
    the back button after logging out must not show them. Anonymous answers keep whatever
    caching their view chose; static files never get here (WhiteNoise answers them first).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if _signed_in(request):
            patch_cache_control(response, no_store=True, private=True)
        return response


class DatabaseBusyPage:
    """A page whose write found SQLite's writer held past the busy timeout (a large import is
    writing) answers 503 with a page saying to try again, not a server error. The API answers
    the same in its JSON shape (:func:`kenesh.core.api.install_error_handlers`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_busy(exception):
            return None
        response = render(request, "503.html", {"message": busy_message()}, status=503)
        response["Retry-After"] = str(BUSY_RETRY_AFTER_S)
        return response
