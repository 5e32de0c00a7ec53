"""API: who am I, a token for a username and password, and the caller's own tokens."""

from __future__ import annotations

import re
from typing import Any, NoReturn

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Router
from ninja.errors import HttpError

from kenesh.accounts.models import ApiToken, TokenRevocation
from kenesh.accounts.schemas import MeOut, TokenIn, TokenInfoOut, TokenOut
from kenesh.accounts.selectors import acting_user, token_list, user_roles
from kenesh.accounts.services import token_create, token_revoke
from kenesh.core.access import AUTHENTICATED, PUBLIC, api_access
from kenesh.core.api import ERRORS, ErrorOut, responses

router = Router(tags=["accounts"])

# What a token's prefix can be: "kn_" and URL-safe base64 (8 characters for tokens made before
# prefixes grew to 12).
PREFIX = re.compile(rf"[A-Za-z0-9_-]{{1,{ApiToken.PREFIX_LENGTH}}}")


@router.get("/me", response=responses(MeOut), summary="The user making the request")
@api_access(AUTHENTICATED)
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "username": user.get_username(),
        "full_name": user.get_full_name(),  # type: ignore[union-attr]
        "roles": user_roles(user),
    }


def _refuse_unreadable_form(request: HttpRequest) -> None:
    """Refuse, before any password is checked, a body Django cannot read as form data.

    django-axes records a failed attempt from ``request.POST``. django-ninja reads the JSON
    whatever the declared content type, so a body declared as multipart without a boundary, or
    as a form with too many fields, would pass here and then break that record after a wrong
    password: the attempt would escape the lockout count, and passwords could be guessed
    without end.
    """
    try:
        request.POST  # noqa: B018 - parsed for its side effect: fail now, not after the check
    except (MultiPartParserError, SuspiciousOperation, UnreadablePostError) as exc:
        raise HttpError(400, _("The request body cannot be read.")) from exc


def _locked_out(request: HttpRequest) -> NoReturn:
    """Answer a lockout in the API's error shape (429).

    django-axes marks the request as locked out and its middleware would then replace any
    answer with the HTML lockout page of the login form; the API has answered already.
    """
    request.axes_locked_out = False  # type: ignore[attr-defined]
    raise HttpError(429, _("Too many failed attempts. Try again later."))


@router.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Exchange a username and password for an API token",
)
@api_access(PUBLIC)
def auth_token(request: HttpRequest, payload: TokenIn) -> dict[str, Any]:
    _refuse_unreadable_form(request)
    try:
        user = authenticate(request, username=payload.username, password=payload.password)
    except AxesBackendPermissionDenied:
        _locked_out(request)
    if getattr(request, "axes_locked_out", False):
        _locked_out(request)
    if user is None or not user.is_active:
        raise HttpError(401, _("Wrong username or password."))
    name = payload.name.strip()
    # A named token asked for again replaces the previous one of that name.
    token, raw = token_create(
        actor=user, user=user, name=name or "api", replace=bool(name), request=request
    )
    return {
        "token": raw,
        "prefix": token.prefix,
        "name": token.name,
        "expires_at": token.expires_at,
    }


@router.get("/me/tokens", response=responses(list[TokenInfoOut]), summary="My API tokens")
@api_access(AUTHENTICATED)
def my_tokens(request: HttpRequest) -> list[ApiToken]:
    """Every token of the caller, newest first: active, expired and revoked."""
    return token_list(acting_user(request))


@router.delete(
    "/me/tokens/{prefix}",
    response={204: None, **ERRORS},
    summary="Revoke one of my API tokens",
)
@api_access(AUTHENTICATED)
def my_token_revoke(request: HttpRequest, prefix: str) -> HttpResponse:
    """Revoke the caller's token with this prefix (204, also when it was already revoked).
    A prefix that is not one of the caller's tokens is 404, whoever it belongs to."""
    user = acting_user(request)
    token = (
        ApiToken.objects.filter(user=user, prefix=prefix).first()
        if PREFIX.fullmatch(prefix)
        else None
    )
    if token is None:
        raise HttpError(404, _("You have no token with this prefix."))
    token_revoke(actor=user, token=token, reason=TokenRevocation.OWNER, request=request)
    return HttpResponse(status=204)
