from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kenesh.core.admin_site import AuditedAdmin
from kenesh.core.masking import declared_restricted, hidden_fields, restricted_fields
from kenesh.incidents.models import IccsCategory, Incident


@admin.register(IccsCategory)
class IccsCategoryAdmin(AuditedAdmin):
    list_display = ["code", "name_en", "name_ru", "level"]
    search_fields = ["code", "name_en", "name_ru", "name_ky"]
    raw_id_fields = ["parent"]


@admin.register(Incident)
class IncidentAdmin(AuditedAdmin):
    list_display = ["occurred_on", "iccs", "unit", "status", "external_ref"]
    list_filter = ["status", "context"]
    search_fields = ["external_ref"]
    raw_id_fields = ["unit", "settlement", "iccs"]
    date_hierarchy = "occurred_on"
    # Administrators read incidents (the role table); the police write them through the pages
    # and the API, where scope and masking apply. Restricted fields are not shown here at all:
    # those of every row, and those a row rule restricts in this one (the exact location of an
    # incident in a sensitive category), as kenesh.core.masking derives them from the model.
    exclude = sorted(restricted_fields(Incident))

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> list[str]:
        hidden = set(restricted_fields(Incident))
        if obj is not None:
            hidden |= hidden_fields(request.user, obj)
        return sorted(hidden)

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # A filter on a field restricted in any row would tell, row by row, what it contains.
        if lookup.split("__")[0] in declared_restricted(Incident):
            return False
        return super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
