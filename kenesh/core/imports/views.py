"""The import pages of every kind: upload, the one job page (progress, then the report), the
rejects, the report and the template downloads.

A module mounts them for each of its kinds with :func:`kind_urlpatterns` under its own address
(the incident register: /incidents/import/), so every address declares the kind's resource
(``write``) and the pages reverse within the namespace they were reached by.
"""

from __future__ import annotations

import io
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kenesh.core.access import access, requires
from kenesh.core.imports import (
    EXAMPLE_MARK,
    ImportKind,
    import_job_for,
    import_kind,
    import_start,
    report_chunks,
    write_template,
)
from kenesh.core.imports.forms import ImportUploadForm
from kenesh.core.models import ImportJob, ImportStatus
from kenesh.core.pages import render_page_or_fragment
from kenesh.core.permissions import Action
from kenesh.core.scope import require_anywhere

RECENT_JOBS = 10
REPORT_ROWS = 500  # the page lists at most this many errors; the report file has every one
TEMPLATE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _url(request: HttpRequest, name: str, *args: Any) -> str:
    """A URL of the same kind's pages, in the namespace this request came through."""
    match = request.resolver_match
    namespace = match.namespace if match is not None else ""
    return reverse(f"{namespace}:{name}" if namespace else name, args=args)


def upload_page(request: HttpRequest, kind_key: str) -> HttpResponse:
    kind = import_kind(kind_key)
    require_anywhere(request.user, Action.WRITE, kind.resource)
    form = ImportUploadForm(kind.key, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        saved = form.cleaned_data["mapping"]
        job = import_start(
            kind=kind,
            actor=request.user,  # type: ignore[arg-type]  # behind the access declaration's login
            filename=upload.name or "import",
            content=upload.read(),
            skip_invalid=form.cleaned_data["mode"] == "skip_invalid",
            dry_run=form.cleaned_data["dry_run"],
            mapping=dict(saved.mapping) if saved is not None else None,
            language=get_language() or "ky",
        )
        return redirect(_url(request, "job", job.pk))
    status = 422 if form.is_bound and not form.is_valid() else 200
    recent = (
        ImportJob.objects.defer("content", "rejects", "report", "errors", "error_summary")
        .filter(kind=kind.key, created_by_id=request.user.pk)
        .order_by("-created_at")[:RECENT_JOBS]
    )
    context = {
        "kind": kind,
        "form": form,
        "recent": [(job, _url(request, "job", job.pk)) for job in recent],
        "template_urls": {fmt: _url(request, "template", fmt) for fmt in TEMPLATE_TYPES},
        "example_mark": _(EXAMPLE_MARK),
    }
    return render(request, "core/imports/upload.html", context, status=status)


@require_safe
def job_page(request: HttpRequest, job_id: int, kind_key: str) -> HttpResponse:
    """The job: a progress bar polled every second while it runs, then its counts, the first
    errors in full and how many there are per column and reason, and the downloads."""
    kind = import_kind(kind_key)
    job = import_job_for(request.user, job_id, kind=kind)
    finished = job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING)
    errors = (job.errors or [])[:REPORT_ROWS] if finished else []
    context = {
        "kind": kind,
        "job": job,
        "finished": finished,
        "errors": errors,
        "more_errors": max(job.error_count - len(errors), 0) if finished else 0,
        "summary": job.error_summary if finished and job.error_count > len(errors) else [],
        "has_rejects": finished and job.rejected_count > 0 and job.has_rejects_file,  # type: ignore[attr-defined]
        "has_report": finished and job.has_report_file,  # type: ignore[attr-defined]
        "poll_url": request.path,
        "upload_url": _url(request, "upload"),
        "rejects_url": _url(request, "rejects", job.pk),
        "report_url": _url(request, "report", job.pk),
    }
    return render_page_or_fragment(
        request, "core/imports/job.html", "core/imports/_job_status.html", context
    )


def _csv_download(content: Any, filename: str) -> HttpResponse:
    response = HttpResponse(bytes(content), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def rejects_download(request: HttpRequest, job_id: int, kind_key: str) -> HttpResponse:
    job = import_job_for(request.user, job_id, kind=import_kind(kind_key))
    rejects = ImportJob.objects.filter(pk=job.pk).values_list("rejects", flat=True).first()
    if not rejects:
        raise Http404
    return _csv_download(rejects, f"rejects-{job.pk}.csv")


def report_response(job: ImportJob) -> StreamingHttpResponse:
    """Every error of the job as CSV (line, column, reason), inflated as it is sent."""
    report = ImportJob.objects.filter(pk=job.pk).values_list("report", flat=True).first()
    if not report:
        raise Http404
    response = StreamingHttpResponse(
        report_chunks(bytes(report)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="report-{job.pk}.csv"'
    return response


@require_safe
def report_download(request: HttpRequest, job_id: int, kind_key: str) -> StreamingHttpResponse:
    return report_response(import_job_for(request.user, job_id, kind=import_kind(kind_key)))


@require_safe
def template_download(request: HttpRequest, fmt: str, kind_key: str) -> HttpResponse:
    kind = import_kind(kind_key)
    require_anywhere(request.user, Action.WRITE, kind.resource)
    if fmt not in TEMPLATE_TYPES:
        raise Http404
    buffer = io.BytesIO()
    write_template(kind.spec(), fmt, buffer)
    response = HttpResponse(buffer.getvalue(), content_type=TEMPLATE_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{kind.template_filename}.{fmt}"'
    return response


def kind_urlpatterns(kind: ImportKind) -> list[URLPattern]:
    """The import pages of ``kind``; a module includes them under its address with a namespace
    (``incidents:import:job``). Uploading declares write access to the kind's resource; a job's
    pages restricted access (anyone's job where it was uploaded; the uploader's own always)."""
    writes = access(requires(kind.resource, Action.WRITE))
    restricted = access(requires(kind.resource, Action.RESTRICTED))
    bound = {"kind_key": kind.key}
    return [
        path("", writes(upload_page), bound, name="upload"),
        path("template.<str:fmt>", writes(template_download), bound, name="template"),
        path("<int:job_id>/", restricted(job_page), bound, name="job"),
        path("<int:job_id>/rejects.csv", restricted(rejects_download), bound, name="rejects"),
        path("<int:job_id>/report.csv", restricted(report_download), bound, name="report"),
    ]
