"""How API callers prove who they are: a Bearer token or the browser's session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from kenesh.accounts.services import token_authenticate


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>`` with a token from ``kenesh token create``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token, request)
        if user is not None:
            request.user = user
        return user


def authentication() -> list[Any]:
    """The API's authenticators, tried in order: a Bearer token, then the session cookie."""
    return [BearerToken(), SessionAuth()]
