"""Django admin for administrators, audited like every other write (see ``admin_site``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from kenesh.core.admin_site import AuditedAdmin
from kenesh.core.models import AuditEntry, ImportJob, ImportMapping


@admin.register(ImportMapping)
class ImportMappingAdmin(AuditedAdmin):
    """Saved header mappings (``kenesh import … --save-mapping``), kept by administrators."""

    list_display = ["name", "kind", "created_by", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["created_by"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Imports, read-only: what was imported, by whom, with what result. The file and its
    rejected rows (which may hold restricted fields) are not shown here."""

    list_display = ["created_at", "kind", "filename", "created_by", "status", "created_count",
                    "rejected_count"]  # fmt: skip
    list_filter = ["kind", "status"]
    search_fields = ["filename", "sha256"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportJob]:
        # The file, its rejects and report can be tens of megabytes each: never read them for
        # a page that does not show them.
        return super().get_queryset(request).defer("content", "rejects", "report")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ["at", "actor_username", "action", "model", "object_id", "object_repr"]
    list_filter = ["action", "app_label", "model"]
    search_fields = ["actor_username", "object_repr", "object_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
