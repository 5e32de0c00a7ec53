"""The Django admin site for administrators and the audited ModelAdmin every app uses.

Kept apart from ``admin.py``: the site class is imported while Django builds the default site,
so registering models in the same module would register them on a site that is then dropped.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import NestedObjects
from django.db import models, router, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kenesh.core.audit import audit_create, audit_delete, audit_update, snapshot
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import allowed_anywhere


class KeneshAdminSite(admin.AdminSite):
    """The Django admin, open to administrators (the role, held nationally) only."""

    site_header = _("Kenesh administration")
    site_title = _("Kenesh administration")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active
            and user.is_staff
            and allowed_anywhere(user, Action.WRITE, Resource.ACCOUNTS)
        )


class AuditedAdmin(admin.ModelAdmin):
    """Records every create, change and delete made in the admin in the audit log."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = (
                snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change and obj.pk else None
            )
            super().save_model(request, obj, form, change)
            if before is None:
                audit_create(request.user, obj)  # type: ignore[arg-type]
            else:
                audit_update(request.user, obj, before)  # type: ignore[arg-type]

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        with transaction.atomic():
            self._audit_deletion(request, [obj])
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        with transaction.atomic():
            self._audit_deletion(request, list(queryset))
            super().delete_queryset(request, queryset)

    def _audit_deletion(self, request: HttpRequest, objs: list[models.Model]) -> None:
        """One entry per deleted row, including the rows the deletion cascades to."""
        collector = NestedObjects(using=router.db_for_write(self.model))
        collector.collect(objs)
        for instances in collector.data.values():
            for instance in instances:
                audit_delete(request.user, instance)  # type: ignore[arg-type]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Inline rows (a user's role assignments, a group's members) are audited too."""
        with transaction.atomic():
            model = formset.model
            before = {
                obj.pk: snapshot(obj)
                for obj in model._default_manager.filter(
                    pk__in=[f.instance.pk for f in formset.initial_forms if f.instance.pk]
                )
            }
            super().save_formset(request, form, formset, change)
            actor = request.user
            for obj in formset.new_objects:
                audit_create(actor, obj)  # type: ignore[arg-type]
            for obj, _fields in formset.changed_objects:
                audit_update(actor, obj, before.get(obj.pk, {}))  # type: ignore[arg-type]
            for obj in formset.deleted_objects:
                audit_delete(actor, obj)  # type: ignore[arg-type]
