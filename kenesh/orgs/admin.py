from django.contrib import admin

from kenesh.core.admin_site import AuditedAdmin
from kenesh.orgs.models import Membership, Organisation, Person, Programme, WorkingGroup


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name_ru", "kind", "unit"]
    list_filter = ["kind"]
    search_fields = ["name_ru", "name_ky", "name_en"]
    raw_id_fields = ["unit"]


@admin.register(Person)
class PersonAdmin(AuditedAdmin):
    list_display = ["full_name", "organisation", "unit"]
    search_fields = ["full_name"]
    raw_id_fields = ["unit", "organisation"]


class MembershipInline(admin.TabularInline):
    model = Membership
    raw_id_fields = ["person"]
    extra = 0


@admin.register(WorkingGroup)
class WorkingGroupAdmin(AuditedAdmin):
    list_display = ["name", "unit"]
    raw_id_fields = ["unit", "lcpc"]
    inlines = [MembershipInline]


@admin.register(Programme)
class ProgrammeAdmin(AuditedAdmin):
    list_display = ["name", "donor", "partner", "start", "end"]
    search_fields = ["name_ru", "name_ky", "name_en"]
    raw_id_fields = ["donor", "partner"]
    filter_horizontal = ["municipalities"]
