from django.contrib import admin

from kenesh.core.admin_site import AuditedAdmin
from kenesh.geo.models import AdministrativeUnit, LivestockCount, PopulationCount


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(AuditedAdmin):
    list_display = ["code", "name_ru", "name_ky", "name_en", "level", "kind"]
    list_filter = ["level", "kind"]
    search_fields = ["code", "name_ru", "name_ky", "name_en"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path"]


@admin.register(PopulationCount)
class PopulationCountAdmin(AuditedAdmin):
    list_display = ["unit", "year", "population"]
    raw_id_fields = ["unit"]


@admin.register(LivestockCount)
class LivestockCountAdmin(AuditedAdmin):
    list_display = ["unit", "year", "species", "heads"]
    list_filter = ["species"]
    raw_id_fields = ["unit"]
