"""Pages of the incident import: upload, the job with its progress and report, downloads."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from kenesh.accounts.selectors import acting_user
from kenesh.core.imports import write_template
from kenesh.core.models import ImportJob, ImportStatus
from kenesh.core.pages import render_page_or_fragment
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import require_anywhere
from kenesh.incidents.imports.forms import IncidentImportForm
from kenesh.incidents.imports.spec import KIND, IncidentImport, incident_import_start

RECENT_JOBS = 10
REPORT_ROWS = 500  # the page lists this many errors; the rejects file has every one
TEMPLATE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def require_importer(request: HttpRequest) -> None:
    require_anywhere(request.user, Action.WRITE, Resource.INCIDENTS)


def import_job_for(request: HttpRequest, job_id: int) -> ImportJob:
    """The user's own incident import job (the file's content left unread): 404 otherwise."""
    require_importer(request)
    job = (
        ImportJob.objects.defer("content", "rejects")
        .filter(pk=job_id, kind=KIND, created_by_id=request.user.pk)
        .first()
    )
    if job is None:
        raise Http404
    return job


@login_required
def upload_page(request: HttpRequest) -> HttpResponse:
    require_importer(request)
    form = IncidentImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = incident_import_start(
            actor=acting_user(request),
            filename=upload.name or "import",
            content=upload.read(),
            skip_invalid=form.cleaned_data["mode"] == "skip_invalid",
            dry_run=form.cleaned_data["dry_run"],
            mapping=form.cleaned_data["mapping"],
            language=get_language() or "ky",
        )
        return redirect("incidents:import:job", job_id=job.pk)
    status = 422 if form.is_bound and not form.is_valid() else 200
    recent = (
        ImportJob.objects.defer("content", "rejects", "errors")
        .filter(kind=KIND, created_by_id=request.user.pk)
        .order_by("-created_at")[:RECENT_JOBS]
    )
    context = {"form": form, "recent": recent}
    return render(request, "incidents/import/upload.html", context, status=status)


@require_safe
@login_required
def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    job = import_job_for(request, job_id)
    finished = job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING)
    context = {
        "job": job,
        "finished": finished,
        "errors": job.errors[:REPORT_ROWS] if finished else [],
        "more_errors": max(len(job.errors) - REPORT_ROWS, 0) if finished else 0,
        "has_rejects": finished
        and job.rejected_count > 0
        and ImportJob.objects.filter(pk=job.pk, rejects__isnull=False).exists(),
    }
    return render_page_or_fragment(
        request, "incidents/import/job.html", "incidents/import/_job_status.html", context
    )


@require_safe
@login_required
def rejects_download(request: HttpRequest, job_id: int) -> HttpResponse:
    job = import_job_for(request, job_id)
    rejects = ImportJob.objects.filter(pk=job.pk).values_list("rejects", flat=True).first()
    if not rejects:
        raise Http404
    response = HttpResponse(bytes(rejects), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rejects-{job.pk}.csv"'
    return response


@require_safe
@login_required
def template_download(request: HttpRequest, fmt: str) -> HttpResponse:
    require_importer(request)
    if fmt not in TEMPLATE_TYPES:
        raise Http404
    buffer = io.BytesIO()
    write_template(IncidentImport(), fmt, buffer)
    response = HttpResponse(buffer.getvalue(), content_type=TEMPLATE_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="incidents-template.{fmt}"'
    return response
