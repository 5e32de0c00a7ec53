"""The Django admin for consultations reference data: concern categories and their severity
weights (the priority matrix reads them). Everything else is edited on Kenesh's own pages, which
apply scope and audit every change."""

from django.contrib import admin

from kenesh.consultations.models import ConcernCategory
from kenesh.core.admin_site import AuditedAdmin


@admin.register(ConcernCategory)
class ConcernCategoryAdmin(AuditedAdmin):
    list_display = ("code", "name_ky", "name_ru", "name_en", "incident_category", "severity")
    list_editable = ("severity",)
    search_fields = ("code", "name_ky", "name_ru", "name_en")
    readonly_fields = ("code",)
