"""Base pieces shared by every domain model, import jobs and the append-only audit log."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from kenesh.core.scope import ScopedQuerySet


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class TrilingualNameModel(models.Model):
    """A name in Kyrgyz, Russian and English; ``name`` picks the active language."""

    name_ky = models.CharField(_("name (Kyrgyz)"), max_length=200, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized_name(self)


def localized_name(obj: Any, language: str | None = None) -> str:
    """The object's name in ``language`` (default: the active one), falling back to ru, en, ky."""
    language = (language or translation.get_language() or "ky").split("-")[0]
    for code in (language, "ru", "en", "ky"):
        value = getattr(obj, f"name_{code}", "")
        if value:
            return str(value)
    return ""


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    REJECTED = "rejected", _("rejected: the file has errors")
    FAILED = "failed", _("failed")


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", _("write nothing if any row is bad")
    SKIP_INVALID = "skip_invalid", _("write the valid rows, return the rejected ones")


class ImportJobQuerySet(ScopedQuerySet["ImportJob"]):
    """Jobs scoped by the unit of their uploader at upload (``unit_path``). The resource that
    guards a job is its kind's, so lists ask :meth:`ScopedQuerySet.where_allowed` with it."""

    scope_path = "unit_path"


class ImportJob(TimeStampedModel):
    """One file imported through the shared import pipeline (any kind: incidents, animals, ...).

    The uploaded file is kept in the database, not on a web node's disk, so any worker can run
    the job; progress and the row report are written here for the page to poll.
    """

    kind = models.CharField(_("kind"), max_length=32)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="import_jobs",
    )
    filename = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("file"), editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    mode = models.CharField(
        _("mode"), max_length=16, choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING
    )
    dry_run = models.BooleanField(_("validate only"), default=False)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=8, default="ky")
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    # The first errors in full (IMPORT_REPORT_ERRORS), how many there are, and counts per
    # (column, reason): what the job's page and API read stays small whatever the file.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("errors found"), default=0)
    error_summary = models.JSONField(_("errors by column and reason"), default=list, blank=True)
    # Every error as CSV (line, column, reason), gzipped: the downloadable report.
    report = models.BinaryField(_("report"), null=True, editable=False)
    rejects = models.BinaryField(_("rejected rows"), null=True, editable=False)
    message = models.TextField(_("message"), blank=True)
    # The unit of the uploader's scope at upload: users with restricted access to the kind's
    # resource there see the job's report and rejects.
    unit_path = models.CharField(_("unit path"), max_length=255, blank=True, db_index=True)
    # For a kind whose rows all go into one record (a survey's responses): that record's id,
    # checked for the uploader at upload (ImportKind.resolve_target) and read by the kind's spec.
    target = models.PositiveBigIntegerField(_("imported into"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # Written with the progress while the job runs; the sweep fails a job that has none for
    # IMPORT_JOB_TIMEOUT seconds (its worker died).
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.filename}"


class ImportMapping(TimeStampedModel):
    """A saved header mapping: which header of an agency's own export fills which column.

    ``mapping`` holds {column key: header in the file} for the columns whose header differs
    from the documented default (``{"external_ref": "№ КУСП"}``); the others keep theirs.
    """

    kind = models.CharField(_("kind"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    mapping = models.JSONField(_("column mapping"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "name"], name="%(app_label)s_%(class)s_unique_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.name}"


class AuditAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("updated")
    DELETE = "delete", _("deleted")
    EXPORT = "export", _("exported")


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or remove an audit entry."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Audit entries cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit entries cannot be deleted.")


class AuditEntry(models.Model):
    """Who changed what and when, with the changed fields before and after. Append-only."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        # Deleting a user must not touch the log: the entry keeps the id and the username.
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=8, choices=AuditAction.choices)
    app_label = models.CharField(_("application"), max_length=100)
    model = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    unit_path = models.CharField(_("unit path"), max_length=255, blank=True, db_index=True)
    changes = models.JSONField(_("changes"), default=dict)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        # The table keeps the name it had when the log lived in accounts (docs/adr/0007).
        db_table = "accounts_auditentry"
        indexes = [models.Index(fields=["app_label", "model", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit entries cannot be deleted.")

    def _model_class(self) -> type[models.Model] | None:
        try:
            return apps.get_model(self.app_label, self.model)
        except LookupError:
            return None

    @property
    def model_label(self) -> str:
        """The object type in the reader's language ("organisation", "уюм", ...)."""
        model = self._model_class()
        return str(model._meta.verbose_name) if model is not None else self.model

    def labelled_changes(self) -> list[tuple[str, Any, Any]]:
        """(field label in the reader's language, before, after) for each changed field."""
        model = self._model_class()
        labels: dict[str, str] = {}
        if model is not None:
            for field in model._meta.concrete_fields:
                labels[field.attname] = str(getattr(field, "verbose_name", field.attname))
        return [
            (labels.get(name, name), change[0], change[1])
            for name, change in self.changes.items()
            if isinstance(change, list) and len(change) == 2
        ]
