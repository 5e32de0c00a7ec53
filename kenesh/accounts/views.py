"""Pages: log in and out, one's own API tokens, and the audit log for administrators."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from kenesh.accounts.forms import TokenCreateForm
from kenesh.accounts.models import ApiToken, TokenRevocation
from kenesh.accounts.selectors import (
    acting_user,
    audit_entries,
    audit_object_types,
    audit_rows,
    token_list,
)
from kenesh.accounts.services import token_create, token_revoke
from kenesh.core.access import AUTHENTICATED, access, requires
from kenesh.core.models import AuditAction
from kenesh.core.pages import (
    form_status,
    paginate_page,
    query_without_page,
    render_page_or_fragment,
)
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
    page_obj = paginate_page(request, audit_entries(**filters))
    context = {
        "page_obj": page_obj,
        "audit_rows": audit_rows(page_obj),
        "query": query_without_page(request),
        "filters": filters,
        "actions": AuditAction.choices,
        "object_types": audit_object_types(),
    }
    return render_page_or_fragment(
        request, "accounts/audit_log.html", "accounts/_audit_table.html", context
    )


@access(AUTHENTICATED)
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def token_list_page(request: HttpRequest) -> HttpResponse:
    """The user's own API tokens: make one (its secret shown on this answer only), see each
    one's state and last use, revoke one."""
    user = acting_user(request)
    new_token = None
    form = TokenCreateForm(request.POST if "create" in request.POST else None)
    if request.method == "POST" and "revoke" in request.POST:
        token = ApiToken.objects.filter(user=user, prefix=request.POST["revoke"]).first()
        if token is None:
            messages.error(request, _("You have no token with this prefix."))
        else:
            token_revoke(actor=user, token=token, reason=TokenRevocation.OWNER, request=request)
            messages.success(
                request, _("The token %(prefix)s was revoked.") % {"prefix": token.prefix}
            )
        return redirect("account-tokens")
    if request.method == "POST" and form.is_valid():
        token, raw = token_create(
            actor=user, user=user, name=form.cleaned_data["name"], request=request
        )
        new_token = {"token": token, "raw": raw}
        form = TokenCreateForm()
    context = {
        "form": form,
        "new_token": new_token,
        "tokens": token_list(user),
        "lifetime_days": settings.TOKEN_LIFETIME_DAYS,
    }
    return render(request, "accounts/tokens.html", context, status=form_status(form))
