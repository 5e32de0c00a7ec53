"""The security log's record of refused writes."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.functional import SimpleLazyObject, empty

from kenesh.accounts.models import SecurityEventKind, User
from kenesh.accounts.services import security_event_record
from kenesh.accounts.signals import RECORDED

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
LANGUAGE_CODES = frozenset(code for code, _ in settings.LANGUAGES)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REFUSED = frozenset({401, 403, 404})


class SecurityTrail:
    """Write a security event for every write refused with 401, 403 or 404: a missing or bad
    credential, a missing role or CSRF token, an object outside the user's area.

    The event is written after the view has answered, outside its transaction; a database that
    cannot take it (a connection left in a failed transaction) costs the event, never the
    answer. A login failure already in the log (the API's 401 for a wrong password) is not
    written twice.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.method in WRITE_METHODS
            and response.status_code in REFUSED
            and not getattr(request, RECORDED, False)
        ):
            self._record(request, response.status_code)
        return response

    def _record(self, request: HttpRequest, status: int) -> None:
        if connection.in_atomic_block and connection.needs_rollback:
            logger.warning("Security log: refused %s %s not recorded", request.method, request.path)
            return
        user = getattr(request, "user", None)
        try:
            with transaction.atomic():
                security_event_record(
                    kind=SecurityEventKind.WRITE_REFUSED,
                    request=request,
                    user=user if isinstance(user, User) and user.is_authenticated else None,
                    status=status,
                )
        except DatabaseError:
            logger.exception(
                "Security log: refused %s %s not recorded", request.method, request.path
            )


def _signed_in_user(request: HttpRequest) -> User | None:
    """The signed-in user, without reading the session of a request that has no session cookie
    (reading it would make every anonymous answer vary on the cookie)."""
    user = getattr(request, "user", None)
    if user is None:
        return None
    unread = isinstance(user, SimpleLazyObject) and user._wrapped is empty  # type: ignore[attr-defined]
    if unread and settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return None
    return user if user.is_authenticated else None


class AccountLanguage:
    """The language a signed-in user chose, kept on their account (``User.language``).

    A choice made with the language switch (the view that sets the language cookie) is saved
    on the account; on every page the user opens while signed in, on any browser, the account's
    language is the one spoken, and the browser's cookie is set to it (from the login answer
    on), so a second phone does not fall back to its own language. The API is left to
    Accept-Language and the cookie, as documented for programs. Placed after the authentication
    middleware, which it reads, and after LocaleMiddleware, whose choice it overrides.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = _signed_in_user(request)
        chosen = user.language if user is not None and user.language in LANGUAGE_CODES else ""
        if chosen and not request.path.startswith(API_PREFIX):
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        user = _signed_in_user(request)  # the login's answer has its user now
        if user is None:
            return response
        cookie = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
        if cookie is not None and cookie.value in LANGUAGE_CODES:
            # The language switch answered: remember the choice on the account.
            if cookie.value != user.language:
                User.objects.filter(pk=user.pk).update(language=cookie.value)
                user.language = cookie.value
        elif user.language and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != user.language:
            # Signed in (this answer may be the login's): this browser speaks the account's.
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
