"""Template context shared by every page: the navigation a user's roles open."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import allowed_anywhere, grants_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "units": allowed_anywhere(user, Action.READ, Resource.GEOGRAPHY),
            "organisations": allowed_anywhere(user, Action.READ, Resource.ORGANISATIONS),
            "working_groups": allowed_anywhere(user, Action.READ, Resource.ORGANISATIONS),
            "incidents": allowed_anywhere(user, Action.READ, Resource.INCIDENTS),
            "incident_import": allowed_anywhere(user, Action.WRITE, Resource.INCIDENTS),
            "analysis": allowed_anywhere(user, Action.AGGREGATE, Resource.INCIDENTS),
            "audit": allowed_anywhere(user, Action.READ, Resource.ACCOUNTS),
            "admin": user.is_staff and allowed_anywhere(user, Action.WRITE, Resource.ACCOUNTS),
        },
        "user_grants": grants_of(user),
    }
