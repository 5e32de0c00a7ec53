"""Writes on users: role assignments and API tokens."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from kenesh.accounts.models import ApiToken, RoleAssignment, User, hash_token
from kenesh.core.audit import audit_create, audit_update, snapshot
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


@transaction.atomic
def token_create(*, actor: User | None, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new API token for ``user``. Returns the stored token and the secret, shown only once."""
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[: ApiToken.PREFIX_LENGTH], key_hash=hash_token(raw)
    )
    audit_create(actor, token)
    return token, raw


@transaction.atomic
def token_revoke(*, actor: User | None, token: ApiToken) -> ApiToken:
    """Revoke a token: it stops working at once and stays listed for the record."""
    if token.revoked_at is None:
        before = snapshot(token)
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_update(actor, token, before)
    return token


def token_authenticate(raw: str) -> User | None:
    """The active user owning the unrevoked token ``raw``, or ``None``."""
    if not raw or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
