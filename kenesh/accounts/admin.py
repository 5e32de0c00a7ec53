from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kenesh.accounts.models import ApiToken, RoleAssignment, SecurityEvent, TokenRevocation, User
from kenesh.accounts.services import token_revoke
from kenesh.core.admin_site import AuditedAdmin


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    raw_id_fields = ["unit"]
    extra = 0


@admin.register(User)
class KeneshUserAdmin(AuditedAdmin, UserAdmin):
    inlines = [RoleAssignmentInline]
    list_display = ["username", "first_name", "last_name", "is_active", "is_staff", "is_demo"]
    fieldsets = (*(UserAdmin.fieldsets or ()), (_("Preferences"), {"fields": ["language"]}))


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    """Tokens are seen and revoked here, never made (``kenesh token create`` and the user's own
    token page show the secret once) and never restored: everything but the name is read-only,
    and the database refuses to clear ``revoked_at`` whatever sends the change."""

    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "expires_at",
                    "revoked_at", "revoked_reason"]  # fmt: skip
    list_filter = ["revoked_reason"]
    search_fields = ["prefix", "user__username", "name"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "expires_at",
              "revoked_at", "revoked_reason"]  # fmt: skip
    readonly_fields = ["user", "prefix", "created_at", "last_used_at", "expires_at",
                       "revoked_at", "revoked_reason"]  # fmt: skip
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a revoked token stays listed for the record

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            token_revoke(
                actor=request.user,  # type: ignore[arg-type]
                token=token,
                reason=TokenRevocation.ADMINISTRATOR,
                request=request,
            )
        count = len(tokens)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """The security log, read-only: written by Kenesh itself, purged after SECURITY_LOG_DAYS."""

    list_display = ["at", "kind", "username", "ip_address", "method", "path", "status", "detail"]
    list_filter = ["kind"]
    search_fields = ["username", "ip_address", "path", "detail"]
    date_hierarchy = "at"
    list_select_related = ["user"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
