"""Users, their role assignments, API tokens and the security log (the audit log of changes
lives in kenesh.core)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kenesh.core.permissions import Role
from kenesh.core.scope import ScopedQuerySet


class User(AbstractUser):
    """A person who logs in. What they may do comes from their role assignments."""

    # Set by set_unusable_password until the user is saved.
    password_disabled: bool = False

    is_demo = models.BooleanField(
        _("demo account"),
        default=False,
        help_text=_("Created by the demo loader; production data never has these."),
    )

    # The language the user last chose with the language switch, on any browser: applied to
    # every page they open while signed in (kenesh.accounts.middleware.AccountLanguage), so a
    # second phone speaks it from the login on. Empty: the browser's language.
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        default="",
        help_text=_("The language of the pages; empty for the browser's language."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(language__in=["", *(code for code, _ in settings.LANGUAGES)]),
                name="%(app_label)s_%(class)s_language_valid",
            ),
        ]

    def set_unusable_password(self) -> None:
        """Turning password login off counts as a password change: the user's API tokens are
        revoked when the user is saved (kenesh.accounts.signals.user_saved)."""
        super().set_unusable_password()
        self.password_disabled = True


class RoleAssignmentQuerySet(ScopedQuerySet["RoleAssignment"]):
    scope_lookup = "unit"


class RoleAssignment(models.Model):
    """A role held at a unit; it covers the unit and everything below it."""

    scope_resource = "accounts"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    unit = models.ForeignKey(
        "geo.AdministrativeUnit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user__username", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "unit"], name="%(app_label)s_%(class)s_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="%(app_label)s_%(class)s_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"

    def clean(self) -> None:
        # Administrators see users, roles and the whole audit log: a national role only.
        if self.role == Role.ADMINISTRATOR and self.unit_id and self.unit.parent_id is not None:
            raise ValidationError({"unit": _("Administrators are assigned at the country.")})


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class TokenState(models.TextChoices):
    ACTIVE = "active", _("active")
    EXPIRED = "expired", _("expired")
    REVOKED = "revoked", _("revoked")


class TokenRevocation(models.TextChoices):
    """Why a token stopped working before it expired."""

    OWNER = "owner", _("revoked by its owner")
    ADMINISTRATOR = "administrator", _("revoked by an administrator")
    PASSWORD_CHANGED = "password_changed", _("the password changed")
    DEACTIVATED = "deactivated", _("the user was deactivated")


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self, now: dt.datetime) -> ApiTokenQuerySet:
        """Tokens that authenticate at ``now``: not revoked, not expired, their user active."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 hash is stored; the token is shown once.

    A token expires ``TOKEN_LIFETIME_DAYS`` after it is made and can be revoked before that;
    a revoked token stays revoked: a database trigger refuses to clear or change ``revoked_at``
    (migration ``accounts.0004``), whatever writes the row.
    """

    # "kn_" and nine characters of the secret: enough to tell a user's tokens apart (54 bits),
    # far too little to guess the rest from.
    PREFIX_LENGTH: ClassVar[int] = 12

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, db_index=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(
        _("why revoked"), max_length=20, choices=TokenRevocation.choices, blank=True
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "prefix"], name="%(app_label)s_%(class)s_unique_prefix"
            ),
            # Revoked with a reason, or not revoked at all.
            models.CheckConstraint(
                condition=(
                    models.Q(revoked_at__isnull=True, revoked_reason="")
                    | (
                        models.Q(revoked_at__isnull=False)
                        & models.Q(revoked_reason__in=TokenRevocation.values)
                    )
                ),
                name="%(app_label)s_%(class)s_revocation_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def generate() -> str:
        # A fixed prefix makes tokens recognisable (secret scanners, logs) and keeps the shown
        # prefix from starting with "-", which command lines would take for an option.
        return "kn_" + secrets.token_urlsafe(32)

    def state_at(self, now: dt.datetime) -> TokenState:
        if self.revoked_at is not None:
            return TokenState.REVOKED
        if self.expires_at <= now:
            return TokenState.EXPIRED
        return TokenState.ACTIVE

    @property
    def state(self) -> TokenState:
        return self.state_at(timezone.now())

    @property
    def is_active(self) -> bool:
        return self.state is TokenState.ACTIVE


class SecurityEventKind(models.TextChoices):
    LOGIN_FAILED = "login_failed", _("failed login")
    LOCKOUT = "lockout", _("locked out")
    WRITE_REFUSED = "write_refused", _("write refused")
    TOKEN_CREATED = "token_created", _("token created")
    TOKEN_REVOKED = "token_revoked", _("token revoked")
    TOKEN_REFUSED = "token_refused", _("expired or revoked token used")
    PASSWORD_CHANGED = "password_changed", _("password changed")


class SecurityEvent(models.Model):
    """Something an administrator investigating an attack or a leak needs to see: failed logins,
    lockouts, writes refused (401, 403 or 404), token events, password changes.

    Not the audit log, which records changes to the data: these rows are attempts and account
    events, kept ``SECURITY_LOG_DAYS`` and then purged (``kenesh security-log-purge``).
    """

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    kind = models.CharField(_("event"), max_length=20, choices=SecurityEventKind.choices)
    username = models.CharField(_("username"), max_length=150, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=10, blank=True)
    path = models.CharField(_("path"), max_length=255, blank=True)
    status = models.PositiveSmallIntegerField(_("status"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["kind", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=SecurityEventKind.values),
                name="%(app_label)s_%(class)s_kind_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.username}"
