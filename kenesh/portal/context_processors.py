"""Template context shared by every page: the navigation the user's roles open.

The entries come from the module registry (each app's ``module.py``), so a new module's pages
appear in the menu without an edit here or in ``base.html``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kenesh.core.modules import navigation_for
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import allowed_anywhere, grants_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_groups": navigation_for(user),
        "nav_admin": user.is_staff and allowed_anywhere(user, Action.WRITE, Resource.ACCOUNTS),
        "user_grants": grants_of(user),
    }
