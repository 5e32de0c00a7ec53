"""Pages of the XLSForm feature, under /consultations/surveys/xlsform/
(``consultations:xlsform:<name>``): a survey from an XLSForm file, a survey as one, and a
survey's responses imported from a sheet (KoboToolbox or ODK Central submissions) through the
platform's import jobs (``consultations:xlsform:responses:<name>``)."""

from __future__ import annotations

import io
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kenesh.consultations.models import Survey
from kenesh.consultations.xlsform.build import survey_export_xlsform
from kenesh.consultations.xlsform.forms import XLSFormUploadForm
from kenesh.consultations.xlsform.parse import XLSFormError
from kenesh.consultations.xlsform.services import survey_import_xlsform
from kenesh.consultations.xlsform.submissions import (
    IMPORT_KIND,
    SurveyResponsesImport,
    survey_for_import,
)
from kenesh.core.access import access, requires
from kenesh.core.imports import EXAMPLE_MARK, import_start, write_template
from kenesh.core.imports.forms import ImportUploadForm
from kenesh.core.imports.views import TEMPLATE_TYPES
from kenesh.core.models import ImportJob
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import get_for_user, require_anywhere

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RECENT_JOBS = 10


def survey_url(survey: Survey) -> str:
    """The survey's own page (the surveys feature), or its responses import page."""
    try:
        return reverse("consultations:surveys:detail", args=[survey.pk])
    except NoReverseMatch:
        return reverse("consultations:xlsform:responses_import", args=[survey.pk])


@access(requires(Resource.SURVEYS, Action.WRITE))
@login_required
def xlsform_import_page(request: HttpRequest) -> HttpResponse:
    """Upload an XLSForm: a draft survey with its questions, or every problem of the form."""
    require_anywhere(request.user, Action.WRITE, Resource.SURVEYS)
    form = XLSFormUploadForm(request.POST or None, request.FILES or None, user=request.user)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            survey = survey_import_xlsform(
                actor=request.user,  # type: ignore[arg-type]  # behind the login
                unit=form.cleaned_data["unit"],
                file=upload.read(),
                round=form.cleaned_data["round"],
                fallback_title=Path(upload.name or "").stem,
            )
        except XLSFormError as exc:
            problems = [str(problem) for problem in exc.problems]
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                _("The survey “%(title)s” was made from the form with %(count)d questions.")
                % {"title": survey.title, "count": survey.questions.count()},
            )
            for note in getattr(survey, "import_notes", []):
                messages.warning(request, note)
            return redirect(survey_url(survey))
    status = 422 if form.is_bound and (problems or form.errors) else 200
    context = {"form": form, "problems": problems}
    return render(request, "consultations/xlsform/import.html", context, status=status)


@access(requires(Resource.SURVEYS, Action.READ))
@require_safe
@login_required
def xlsform_export(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_for_user(Survey.objects.select_related("unit"), request.user, Action.READ, pk=pk)
    response = HttpResponse(survey_export_xlsform(survey), content_type=XLSX)
    name = survey.series or f"survey-{survey.pk}"
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def _survey_for_responses(request: HttpRequest, pk: int) -> Survey:
    try:
        return survey_for_import(request.user, pk)
    except ValidationError:
        # A programme-wide template: there is no such responses page.
        raise Http404 from None


@access(requires(Resource.SURVEYS, Action.WRITE))
@login_required
def responses_import_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a sheet of responses to this survey; the job's page follows its progress."""
    survey = _survey_for_responses(request, pk)
    form = ImportUploadForm(IMPORT_KIND.key, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        saved = form.cleaned_data["mapping"]
        job = import_start(
            kind=IMPORT_KIND,
            actor=request.user,  # type: ignore[arg-type]  # behind the login
            filename=upload.name or "responses",
            content=upload.read(),
            skip_invalid=form.cleaned_data["mode"] == "skip_invalid",
            dry_run=form.cleaned_data["dry_run"],
            mapping=dict(saved.mapping) if saved is not None else None,
            language=get_language() or "ky",
            target=survey.pk,
        )
        return redirect("consultations:xlsform:responses:job", job_id=job.pk)
    recent = (
        ImportJob.objects.defer("content", "rejects", "report", "errors", "error_summary")
        .filter(kind=IMPORT_KIND.key, target=survey.pk, created_by_id=request.user.pk)
        .order_by("-created_at")[:RECENT_JOBS]
    )
    context = {
        "kind": IMPORT_KIND,
        "survey": survey,
        "survey_url": survey_url(survey),
        "form": form,
        "recent": [
            (job, reverse("consultations:xlsform:responses:job", args=[job.pk])) for job in recent
        ],
        "template_urls": {
            fmt: reverse("consultations:xlsform:responses_template", args=[survey.pk, fmt])
            for fmt in TEMPLATE_TYPES
        },
        "example_mark": _(EXAMPLE_MARK),
    }
    status = 422 if form.is_bound and not form.is_valid() else 200
    return render(request, "consultations/xlsform/responses_import.html", context, status=status)


@access(requires(Resource.SURVEYS, Action.WRITE))
@require_safe
@login_required
def responses_template(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """An empty sheet for this survey's responses: a column per question, one example row."""
    survey = _survey_for_responses(request, pk)
    if fmt not in TEMPLATE_TYPES:
        raise Http404
    buffer = io.BytesIO()
    write_template(SurveyResponsesImport(survey=survey, for_template=True), fmt, buffer)
    response = HttpResponse(buffer.getvalue(), content_type=TEMPLATE_TYPES[fmt])
    name = survey.series or f"survey-{survey.pk}"
    response["Content-Disposition"] = f'attachment; filename="{name}-responses.{fmt}"'
    return response


@access(requires(Resource.SURVEYS, Action.WRITE))
@require_safe
@login_required
def responses_choose_page(request: HttpRequest, kind_key: str) -> HttpResponse:
    """The kind's upload page, where "Import another file" of a job leads: the surveys one may
    import responses to, each leading to its upload form (``kind_key`` is bound by the URL, as
    for every kind's upload page)."""
    require_anywhere(request.user, Action.WRITE, Resource.SURVEYS)
    surveys = (
        Survey.objects.where_allowed(request.user, Action.WRITE, Resource.SURVEYS)
        .filter(is_template=False)
        .select_related("unit")
        .order_by("-created_at")[:100]
    )
    return render(request, "consultations/xlsform/responses_choose.html", {"surveys": surveys})
