from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from kenesh.accounts.models import ApiToken, RoleAssignment, User
from kenesh.core.admin_site import AuditedAdmin


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    raw_id_fields = ["unit"]
    extra = 0


@admin.register(User)
class KeneshUserAdmin(AuditedAdmin, UserAdmin):
    inlines = [RoleAssignmentInline]
    list_display = ["username", "first_name", "last_name", "is_active", "is_staff", "is_demo"]


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "prefix", "key_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are created with `kenesh token create` so the secret is shown once
