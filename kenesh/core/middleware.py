"""Request guards that run before Django's own middleware."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse

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
