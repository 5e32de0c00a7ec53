"""API of every import kind: ``POST /imports`` (multipart, with ``kind``), then
``GET /imports/{id}`` for the job, ``/rejects`` and ``/report`` for its files.

A module may keep an address of its own as an alias (``POST /incidents/import``) by calling
:func:`start_import` with its kind.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from kenesh.core.access import api_access, requires_of_kind
from kenesh.core.api import responses
from kenesh.core.imports import ImportKind, import_job_for, import_kind, import_start
from kenesh.core.imports.forms import check_upload_size
from kenesh.core.imports.views import REPORT_ROWS, report_response
from kenesh.core.models import ImportJob, ImportMapping
from kenesh.core.permissions import Action
from kenesh.core.scope import require_anywhere

router = Router(tags=["imports"])


class ImportRowError(Schema):
    line: int = Field(description="Line in the sheet; the header is line 1")
    column: str = Field(description="The column's header as in the file; empty for the row")
    reason: str = Field(description="In the language of the request")


class ImportErrorCount(Schema):
    column: str
    reason: str
    count: int = Field(description="Errors with this column and reason")


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
    updated: int = Field(description="Records changed (only kinds that allow updates)")
    unchanged: int = Field(description="Rows already registered with the same values")
    rejected: int
    message: str
    errors: list[ImportRowError] = Field(
        description="The first errors in full (500 unless configured); every one is in report_url"
    )
    error_count: int = Field(description="How many errors there are")
    error_summary: list[ImportErrorCount] = Field(
        description="Every error counted by column and reason, the most frequent first"
    )
    rejects_url: str | None = Field(description="The rejected rows with a reason column (CSV)")
    report_url: str | None = Field(description="Every error: line, column, reason (CSV)")
    created_at: dt.datetime
    finished_at: dt.datetime | None


def job_out(job: ImportJob) -> dict[str, Any]:
    """A job as the API shows it (``job`` as :func:`import_job_for` gives it)."""
    finished = job.finished_at is not None
    has_rejects = getattr(job, "has_rejects_file", False)
    has_report = getattr(job, "has_report_file", False)
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
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "rejected": job.rejected_count,
        "message": job.message,
        "errors": [
            {"line": line, "column": column, "reason": reason}
            # Jobs of earlier releases stored every error: the answer stays as small.
            for line, column, reason in (job.errors or [])[:REPORT_ROWS]
        ],
        "error_count": job.error_count,
        "error_summary": [
            {"column": column, "reason": reason, "count": count}
            for column, reason, count in job.error_summary or []
        ],
        "rejects_url": (
            reverse("api:import_rejects", kwargs={"job_id": job.pk})
            if finished and has_rejects
            else None
        ),
        "report_url": (
            reverse("api:import_report", kwargs={"job_id": job.pk})
            if finished and has_report
            else None
        ),
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


def start_import(
    request: HttpRequest,
    kind: ImportKind,
    file: UploadedFile,
    *,
    skip_invalid: bool,
    dry_run: bool,
    mapping: str,
    target: int | None = None,
) -> Status[Any]:
    """Check and store an uploaded sheet of ``kind`` as a job (202 with the job): 403 without
    write access to the kind's resource, 422 for an empty or too large file or an unknown
    mapping; for a kind that imports into one record, ``target`` names it (404 outside the
    user's area, 403 without write access there, 422 when missing)."""
    require_anywhere(request.user, Action.WRITE, kind.resource)
    problem = check_upload_size(file.size)
    if problem:
        raise ValidationError({"file": problem})
    saved = None
    if mapping:
        saved = ImportMapping.objects.filter(kind=kind.key, name=mapping).first()
        if saved is None:
            raise ValidationError({"mapping": _("No saved mapping has this name.")})
    job = import_start(
        kind=kind,
        actor=request.user,  # type: ignore[arg-type]  # the API authenticates every request
        filename=file.name or "import",
        content=file.read(),
        skip_invalid=skip_invalid,
        dry_run=dry_run,
        mapping=dict(saved.mapping) if saved is not None else None,
        language=get_language() or "ky",
        target=target,
    )
    # In-process (no broker) the job has run by now; with a worker it is still queued.
    return Status(202, job_out(import_job_for(request.user, job.pk, kind=kind)))


@router.post(
    "",
    response=responses(ImportJobOut, 202),
    summary="Import a CSV or XLSX sheet of a registered kind",
    description=(
        "Stores the file as a job and runs it in the background; follow it with "
        "GET /imports/{id}. `kind` names what the sheet holds (`incidents`, ...; see "
        "docs/import.md); `target` the record a kind imports into (`survey-responses`: the "
        "survey's id). All-or-nothing unless skip_invalid; dry_run only validates. "
        "Requires write access to the kind's records; every row must lie in the user's "
        "territory."
    ),
)
@api_access(requires_of_kind(Action.WRITE))  # checked by start_import
def import_upload(
    request: HttpRequest,
    kind: Form[str],
    file: File[UploadedFile],
    skip_invalid: Form[bool] = False,
    dry_run: Form[bool] = False,
    mapping: Form[str] = "",
    target: Form[int | None] = None,
) -> Status[Any]:
    try:
        chosen = import_kind(kind)
    except LookupError:
        message = _("No import kind is called %(kind)s.") % {"kind": kind}
        raise ValidationError({"kind": message}) from None
    return start_import(
        request,
        chosen,
        file,
        skip_invalid=skip_invalid,
        dry_run=dry_run,
        mapping=mapping,
        target=target,
    )


@router.get("/{int:job_id}", response=responses(ImportJobOut), summary="An import job's progress")
# The uploader's own job always; anyone else's: restricted access where it was uploaded.
@api_access(requires_of_kind(Action.RESTRICTED))
def import_job(request: HttpRequest, job_id: int) -> dict[str, Any]:
    return job_out(import_job_for(request.user, job_id))


CSV_RESPONSE = {
    "content": {"text/csv": {"schema": {"type": "string"}}},
}


@router.get(
    "/{int:job_id}/rejects",
    response=responses(str),
    url_name="import_rejects",
    openapi_extra={
        "responses": {
            200: {"description": "CSV: the file's columns and a reason column", **CSV_RESPONSE}
        }
    },
    summary="The rejected rows of an import (CSV with a reason column)",
)
@api_access(requires_of_kind(Action.RESTRICTED))
def import_rejects(request: HttpRequest, job_id: int) -> HttpResponse:
    job = import_job_for(request.user, job_id)
    content = ImportJob.objects.filter(pk=job.pk).values_list("rejects", flat=True).first()
    if not content:
        raise Http404
    response = HttpResponse(bytes(content), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rejects-{job.pk}.csv"'
    return response


@router.get(
    "/{int:job_id}/report",
    response=responses(str),
    url_name="import_report",
    openapi_extra={
        "responses": {200: {"description": "CSV: line, column, reason", **CSV_RESPONSE}}
    },
    summary="Every error of an import (CSV: line, column, reason)",
)
@api_access(requires_of_kind(Action.RESTRICTED))
def import_report(request: HttpRequest, job_id: int) -> StreamingHttpResponse:
    return report_response(import_job_for(request.user, job_id))
