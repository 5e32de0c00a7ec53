"""API: who am I, and a token for a username and password."""

from __future__ import annotations

from typing import Any, NoReturn

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Router
from ninja.errors import HttpError

from kenesh.accounts.schemas import MeOut, TokenIn, TokenOut
from kenesh.accounts.selectors import user_roles
from kenesh.accounts.services import token_create
from kenesh.core.access import AUTHENTICATED, PUBLIC, api_access
from kenesh.core.api import ErrorOut, responses

router = Router(tags=["accounts"])


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
def auth_token(request: HttpRequest, payload: TokenIn) -> dict[str, str]:
    _refuse_unreadable_form(request)
    try:
        user = authenticate(request, username=payload.username, password=payload.password)
    except AxesBackendPermissionDenied:
        _locked_out(request)
    if getattr(request, "axes_locked_out", False):
        _locked_out(request)
    if user is None or not user.is_active:
        raise HttpError(401, _("Wrong username or password."))
    _token, raw = token_create(actor=user, user=user, name="api")
    return {"token": raw}
