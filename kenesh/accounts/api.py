"""API: who am I, and a token for a username and password."""

from __future__ import annotations

from typing import Any, NoReturn

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.errors import HttpError

from kenesh.accounts.schemas import MeOut, TokenIn, TokenOut
from kenesh.accounts.selectors import user_roles
from kenesh.accounts.services import token_create
from kenesh.core.api import ErrorOut, responses

router = Router(tags=["accounts"])


@router.get("/me", response=responses(MeOut), summary="The user making the request")
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "username": user.get_username(),
        "full_name": user.get_full_name(),  # type: ignore[union-attr]
        "roles": user_roles(user),
    }


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
def auth_token(request: HttpRequest, payload: TokenIn) -> dict[str, str]:
    try:
        user = authenticate(request, username=payload.username, password=payload.password)
    except AxesBackendPermissionDenied:
        _locked_out(request)
    if getattr(request, "axes_locked_out", False):
        _locked_out(request)
    if user is None or not user.is_active:
        raise HttpError(401, _("Wrong username or password."))
    _token, raw = token_create(actor=user, user=user, name="api")  # type: ignore[arg-type]
    return {"token": raw}
