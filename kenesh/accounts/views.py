"""Pages: log in and out, and the audit log for administrators."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from kenesh.accounts.selectors import audit_entries, audit_object_types
from kenesh.core.access import access, requires
from kenesh.core.models import AuditAction
from kenesh.core.pages import paginate_page, query_without_page, render_page_or_fragment
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import require_anywhere


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@access(requires(Resource.ACCOUNTS, Action.READ))
@require_safe
@login_required
def audit_log_page(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Action.READ, Resource.ACCOUNTS)
    filters: dict[str, Any] = {
        "username": request.GET.get("username", "").strip()[:150],
        "action": request.GET.get("action", "")
        if request.GET.get("action") in AuditAction.values
        else "",
        "model": request.GET.get("model", "").strip()[:100],
        "object_id": request.GET.get("object_id", "").strip()[:64],
        "date_from": _date(request.GET.get("date_from", "")),
        "date_to": _date(request.GET.get("date_to", "")),
    }
    context = {
        "page_obj": paginate_page(request, audit_entries(**filters)),
        "query": query_without_page(request),
        "filters": filters,
        "actions": AuditAction.choices,
        "object_types": audit_object_types(),
    }
    return render_page_or_fragment(
        request, "accounts/audit_log.html", "accounts/_audit_table.html", context
    )
