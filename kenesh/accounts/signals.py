"""What the security log hears from Django and django-axes, and what a password change or a
deactivation does to a user's API tokens. Connected in ``AccountsConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kenesh.accounts.models import SecurityEventKind, TokenRevocation, User
from kenesh.accounts.services import security_event_record, tokens_revoke_all

# Set on a request once its login failure is in the log, so that the lockout it causes (or the
# refused write it answers) is not written a second time.
RECORDED = "kenesh_security_recorded"


def _user_named(username: str) -> User | None:
    return User.objects.filter(username=username).first() if username else None


def login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """A wrong password (or an unknown username). An attempt refused because the client is
    locked out is recorded as a lockout by :func:`locked_out` instead."""
    if request is not None and (
        getattr(request, "axes_locked_out", False) or getattr(request, RECORDED, False)
    ):
        return
    username = str(credentials.get("username") or "")
    security_event_record(
        kind=SecurityEventKind.LOGIN_FAILED,
        request=request,
        user=_user_named(username),
        username=username,
    )
    if request is not None:
        setattr(request, RECORDED, True)


def locked_out(
    sender: Any, request: HttpRequest | None, username: str | None, **kwargs: Any
) -> None:
    """django-axes locked the username out for this client, or refused an attempt while it is."""
    failures = getattr(request, "axes_failures_since_start", None)
    security_event_record(
        kind=SecurityEventKind.LOCKOUT,
        request=request,
        user=_user_named(username or ""),
        username=username or "",
        detail=f"{failures} failed attempts" if failures else "",
    )
    if request is not None:
        setattr(request, RECORDED, True)


def user_saved(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    """A new password, or a deactivation, revokes every API token of the user.

    Django's ``set_password`` keeps the new password in ``_password`` until the save is done
    (for ``password_validation.password_changed``): every path that sets a password goes
    through it (the user's own form, the admin, ``changepassword``, ``set_password`` in code).
    Upgrading a stored hash at login resets it first, so a rehash revokes nothing.
    """
    if created:
        return
    update_fields = kwargs.get("update_fields")
    password_changed = (
        getattr(instance, "_password", None) is not None or instance.password_disabled
    )
    instance.password_disabled = False
    if password_changed:
        tokens_revoke_all(actor=None, user=instance, reason=TokenRevocation.PASSWORD_CHANGED)
        security_event_record(kind=SecurityEventKind.PASSWORD_CHANGED, user=instance)
    if not instance.is_active and (update_fields is None or "is_active" in update_fields):
        tokens_revoke_all(actor=None, user=instance, reason=TokenRevocation.DEACTIVATED)
