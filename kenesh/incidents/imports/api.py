"""API: incident import jobs (upload a sheet, follow its progress, read its report)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from kenesh.accounts.selectors import acting_user
from kenesh.core.api import responses
from kenesh.core.models import ImportJob, ImportMapping
from kenesh.incidents.imports.forms import MAX_UPLOAD_BYTES
from kenesh.incidents.imports.spec import KIND, incident_import_start
from kenesh.incidents.imports.views import REPORT_ROWS, import_job_for, require_importer

# Mounted at /incidents (upload) and /imports (jobs): see ../module.py.
router = Router(tags=["incidents"])
jobs_router = Router(tags=["incidents"])


class ImportRowError(Schema):
    line: int = Field(description="Line in the sheet; the header is line 1")
    column: str = Field(description="The column's header as in the file; empty for the row")
    reason: str = Field(description="In the language of the request")


class ImportJobOut(Schema):
    id: int
    kind: str
    filename: str
    status: str = Field(description="queued, running, succeeded, rejected or failed")
    mode: str = Field(description="all_or_nothing or skip_invalid")
    dry_run: bool
    language: str
    total_rows: int
    processed_rows: int
    created: int
    unchanged: int = Field(description="Rows already registered with the same values")
    rejected: int
    message: str
    errors: list[ImportRowError] = Field(description=f"The first {REPORT_ROWS} row errors")
    error_count: int
    rejects_url: str | None = Field(description="The rejected rows with a reason column (CSV)")
    created_at: dt.datetime
    finished_at: dt.datetime | None


def job_out(job: ImportJob) -> dict[str, Any]:
    errors = job.errors or []
    return {
        "id": job.pk,
        "kind": job.kind,
        "filename": job.filename,
        "status": job.status,
        "mode": job.mode,
        "dry_run": job.dry_run,
        "language": job.language,
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "created": job.created_count,
        "unchanged": job.unchanged_count,
        "rejected": job.rejected_count,
        "message": job.message,
        "errors": [
            {"line": line, "column": column, "reason": reason}
            for line, column, reason in errors[:REPORT_ROWS]
        ],
        "error_count": len(errors),
        "rejects_url": (
            reverse("api:import_rejects", kwargs={"job_id": job.pk})
            if job.rejects and job.finished_at
            else None
        ),
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


@router.post(
    "/import",
    response=responses(ImportJobOut, 202),
    summary="Import incidents from a CSV or XLSX sheet",
    description=(
        "Stores the file as a job and runs it in the background; follow it with "
        "GET /imports/{id}. All-or-nothing unless skip_invalid; dry_run only validates. "
        "Requires write access to incidents; every row's municipality must be in the user's "
        "territory."
    ),
)
def incident_import(
    request: HttpRequest,
    file: File[UploadedFile],
    skip_invalid: Form[bool] = False,
    dry_run: Form[bool] = False,
    mapping: Form[str] = "",
) -> Status[Any]:
    require_importer(request)
    if not file.size:
        raise ValidationError({"file": _("The file is empty.")})
    if file.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": _("The file is larger than 50 MB.")})
    saved = None
    if mapping:
        saved = ImportMapping.objects.filter(kind=KIND, name=mapping).first()
        if saved is None:
            raise ValidationError({"mapping": _("No saved mapping has this name.")})
    job = incident_import_start(
        actor=acting_user(request),
        filename=file.name or "import",
        content=file.read(),
        skip_invalid=skip_invalid,
        dry_run=dry_run,
        mapping=saved,
        language=get_language() or "ky",
    )
    # In-process (no broker) the job has run by now; with a worker it is still queued.
    return Status(202, job_out(ImportJob.objects.defer("content", "rejects").get(pk=job.pk)))


@jobs_router.get(
    "/{int:job_id}", response=responses(ImportJobOut), summary="An import job's progress"
)
def import_job(request: HttpRequest, job_id: int) -> dict[str, Any]:
    return job_out(import_job_for(request, job_id))


@jobs_router.get(
    "/{int:job_id}/rejects",
    response=responses(str),
    url_name="import_rejects",
    openapi_extra={
        "responses": {
            200: {
                "description": "CSV: the file's columns and a reason column",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
    summary="The rejected rows of an import (CSV with a reason column)",
)
def import_rejects(request: HttpRequest, job_id: int) -> HttpResponse:
    job = import_job_for(request, job_id)
    content = ImportJob.objects.filter(pk=job.pk).values_list("rejects", flat=True).first()
    if not content:
        raise Http404
    response = HttpResponse(bytes(content), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rejects-{job.pk}.csv"'
    return response
