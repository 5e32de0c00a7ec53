"""Writes on users: role assignments, API tokens and the security log."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from kenesh.accounts.client_address import client_address
from kenesh.accounts.models import (
    ApiToken,
    RoleAssignment,
    SecurityEvent,
    SecurityEventKind,
    TokenRevocation,
    TokenState,
    User,
    hash_token,
)
from kenesh.core.audit import audit_create, audit_update, snapshot
from kenesh.core.db import unless_database_busy
from kenesh.core.scope import forget_grants
from kenesh.geo.models import AdministrativeUnit


@transaction.atomic
def role_assign(
    *, actor: User | None, user: User, role: str, unit: AdministrativeUnit
) -> RoleAssignment:
    """Give ``user`` the ``role`` at ``unit`` (and so everything below it). Idempotent."""
    existing = RoleAssignment.objects.filter(user=user, role=role, unit=unit).first()
    if existing is not None:
        return existing
    assignment = RoleAssignment(user=user, role=role, unit=unit)
    assignment.full_clean()
    assignment.save()
    audit_create(actor, assignment)
    forget_grants(user)
    return assignment


# The security log ----------------------------------------------------------------------------

# A refused use of the same expired or revoked token is recorded once per this many seconds: a
# script retrying in a loop must not fill the log.
TOKEN_REFUSED_EVERY_S = 3600


def security_event_record(
    *,
    kind: SecurityEventKind,
    request: HttpRequest | None = None,
    user: User | None = None,
    username: str = "",
    status: int | None = None,
    detail: str = "",
) -> SecurityEvent:
    """Write one event to the security log, with the client's address, the method and the path
    of ``request`` when there is one (the address as the lockout counts it)."""
    if user is not None and not username:
        username = user.get_username()
    event = SecurityEvent(
        kind=kind,
        user=user,
        username=(username or "")[:150],
        status=status,
        detail=detail[:255],
    )
    if request is not None:
        event.ip_address = client_address(request)
        event.method = (request.method or "")[:10]
        event.path = request.path[:255]
    event.save()
    return event


def security_log_purge(*, now: dt.datetime | None = None) -> int:
    """Delete security events older than ``SECURITY_LOG_DAYS``; returns how many went."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.SECURITY_LOG_DAYS)
    deleted, _by_model = SecurityEvent.objects.filter(at__lt=cutoff).delete()
    return deleted


# API tokens ------------------------------------------------------------------------------------


@transaction.atomic
def token_create(
    *,
    actor: User | None,
    user: User,
    name: str = "",
    days: int | None = None,
    replace: bool = False,
    request: HttpRequest | None = None,
) -> tuple[ApiToken, str]:
    """A new API token for ``user``, valid ``days`` (default ``TOKEN_LIFETIME_DAYS``).

    With ``replace``, the user's working tokens of the same name are revoked (by their owner):
    a script that asks for its token again at every run keeps one, not one per run.
    Returns the stored token and the secret, which is shown only once: only its hash is kept.
    """
    lifetime = dt.timedelta(days=days if days is not None else settings.TOKEN_LIFETIME_DAYS)
    if lifetime <= dt.timedelta(0):
        raise ValueError("A token must be valid for at least one day.")
    while True:
        raw = ApiToken.generate()
        prefix = raw[: ApiToken.PREFIX_LENGTH]
        # Two of one user's tokens sharing a prefix (54 random bits) would make it ambiguous.
        if not ApiToken.objects.filter(user=user, prefix=prefix).exists():
            break
    if replace and name:
        for previous in ApiToken.objects.filter(user=user, name=name, revoked_at__isnull=True):
            token_revoke(actor=actor, token=previous, reason=TokenRevocation.OWNER, request=request)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        key_hash=hash_token(raw),
        expires_at=timezone.now() + lifetime,
    )
    audit_create(actor, token)
    security_event_record(
        kind=SecurityEventKind.TOKEN_CREATED,
        request=request,
        user=user,
        detail=f"{token.prefix} {name}".strip(),
    )
    return token, raw


@transaction.atomic
def token_revoke(
    *,
    actor: User | None,
    token: ApiToken,
    reason: TokenRevocation,
    request: HttpRequest | None = None,
) -> ApiToken:
    """Revoke a token: it stops working at once, stays listed for the record, and can never be
    made to work again (a database trigger keeps ``revoked_at``). Revoking it twice changes
    nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        before = snapshot(token)
        token.revoked_at = timezone.now()
        token.revoked_reason = reason
        token.save(update_fields=["revoked_at", "revoked_reason"])
        audit_update(actor, token, before)
        security_event_record(
            kind=SecurityEventKind.TOKEN_REVOKED,
            request=request,
            user=token.user,
            detail=f"{token.prefix} {reason}",
        )
    return token


@transaction.atomic
def tokens_revoke_all(
    *, actor: User | None, user: User, reason: TokenRevocation, request: HttpRequest | None = None
) -> int:
    """Revoke every token of ``user`` that is not revoked yet (a password change, a
    deactivation); returns how many. Expired tokens are revoked too, for a plain record."""
    tokens = list(ApiToken.objects.filter(user=user, revoked_at__isnull=True))
    for token in tokens:
        token_revoke(actor=actor, token=token, reason=reason, request=request)
    return len(tokens)


def token_authenticate(raw: str, request: HttpRequest | None = None) -> User | None:
    """The active user owning the unrevoked, unexpired token ``raw``, or ``None``.

    Records the use (at most once a minute per token, not a write per request). The use of an
    expired or revoked token is recorded in the security log (once an hour per token); a token
    of a user deactivated without going through ``User.save`` (a bulk update) is revoked now.
    """
    if not raw or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
    if token is None:
        return None
    now = timezone.now()
    if token.revoked_at is None and not token.user.is_active:
        token_revoke(actor=None, token=token, reason=TokenRevocation.DEACTIVATED, request=request)
        token.refresh_from_db()
    state = token.state_at(now)
    if state is not TokenState.ACTIVE:
        _token_refused(token, state, now, request)
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        # Not worth a wait: on SQLite an import may hold the writer for minutes.
        unless_database_busy(lambda: ApiToken.objects.filter(pk=token.pk).update(last_used_at=now))
    return token.user


def _token_refused(
    token: ApiToken, state: TokenState, now: dt.datetime, request: HttpRequest | None
) -> None:
    detail = f"{token.prefix} {state}"
    recent = SecurityEvent.objects.filter(
        kind=SecurityEventKind.TOKEN_REFUSED,
        user=token.user,
        detail=detail,
        at__gte=now - dt.timedelta(seconds=TOKEN_REFUSED_EVERY_S),
    )
    if not recent.exists():
        security_event_record(
            kind=SecurityEventKind.TOKEN_REFUSED,
            request=request,
            user=token.user,
            status=401,
            detail=detail,
        )
