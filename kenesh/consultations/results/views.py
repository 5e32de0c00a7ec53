"""Pages of survey results: a survey's results (broken down, compared with another round), the
coordinator's choice of the questions published, and the results as a file."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from kenesh.accounts.selectors import acting_user
from kenesh.consultations.models import Survey
from kenesh.consultations.results import exports, selectors, services
from kenesh.core.access import access, requires
from kenesh.core.disclosure import SMALL_COUNT
from kenesh.core.exports import ExportChannel, ExportFormat, export_download, export_format_or_404
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import allowed, get_for_user

#: A table has no geometry: GeoJSON is not offered.
TABLE_FORMATS = (ExportFormat.CSV, ExportFormat.XLSX, ExportFormat.HXL)
TEMPLATE = "consultations/results/results.html"


def _survey_link(survey: Survey) -> str:
    try:
        return reverse("consultations:surveys:detail", kwargs={"pk": survey.pk})
    except NoReverseMatch:
        return ""


def _parse(request: HttpRequest) -> tuple[str | None, int | None, dict[str, str]]:
    """``by`` and ``compare`` from the address, with a message per bad one (left out)."""
    errors: dict[str, str] = {}
    by = str(request.GET.get("by") or "") or None
    try:
        by = selectors.parse_by(by)
    except selectors.ResultsRefused as exc:
        errors["by"] = exc.message
        by = None
    compare_text = str(request.GET.get("compare") or "").strip()
    compare = None
    if compare_text:
        if compare_text.isdigit() and len(compare_text) < 12:
            compare = int(compare_text)
        else:
            errors["compare"] = _("Choose a survey to compare with from the list.")
    return by, compare, errors


def _export_links(survey: Survey, by: str | None) -> list[tuple[str, str]]:
    query = f"?{urlencode({'by': by})}" if by else ""
    return [
        (
            fmt.label,
            reverse(
                "consultations:results:results_export", kwargs={"pk": survey.pk, "fmt": fmt.value}
            )
            + query,
        )
        for fmt in TABLE_FORMATS
    ]


@access(requires(Resource.SURVEYS, Action.READ, aggregate_variant=True))
@require_safe
@login_required
def results_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A survey's results per question, ``?by=`` sex, age band or settlement, and with
    ``?compare=<survey>`` the change from the earlier round to the later. A bad choice is
    shown and left out (400)."""
    by, compare, errors = _parse(request)
    try:
        results = selectors.survey_results(survey=pk, user=request.user, by=by)
    except selectors.ResultsRefused as exc:
        errors[exc.field] = exc.message
        by = None
        results = selectors.survey_results(survey=pk, user=request.user)
    survey = results.survey
    comparison = None
    if compare is not None:
        try:
            comparison = selectors.compare_rounds(
                survey=survey, other=compare, user=request.user, by=by
            )
        except selectors.ResultsRefused as exc:
            errors[exc.field] = exc.message
        except Http404:
            errors["compare"] = _("There is no such survey in your area.")
    changes = {}
    if comparison is not None:
        changes = {question.code: question for question in comparison.questions}
    may_read_settlements = not results.detail.aggregate_only
    context: dict[str, Any] = {
        "survey": survey,
        "results": results,
        "comparison": comparison,
        "items": [(question, changes.get(question.code)) for question in results.questions],
        "by": by or "",
        "compare": compare,
        "groupings": [
            (key, label)
            for key, label in selectors.GROUPINGS.items()
            if key != "settlement" or may_read_settlements
        ],
        "comparable": selectors.comparable_surveys(survey=survey, user=request.user),
        "errors": errors,
        "may_publish": allowed(request.user, Action.WRITE, Resource.SURVEYS, survey.unit.path),
        "export_links": _export_links(survey, by),
        "survey_link": _survey_link(survey),
        "small_count": SMALL_COUNT,
    }
    return render(request, TEMPLATE, context, status=400 if errors else 200)


@access(requires(Resource.SURVEYS, Action.WRITE))
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def publish_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The coordinator's choice of the questions whose results the municipality's public page
    shows (POST, the checkboxes ``published`` of the results page); a GET goes back there."""
    survey = get_for_user(Survey.objects.select_related("unit"), request.user, Action.WRITE, pk=pk)
    target = reverse("consultations:results:results", kwargs={"pk": survey.pk})
    if request.method != "POST":
        return redirect(target)
    chosen = [
        int(value)
        for value in request.POST.getlist("published")
        if value.isascii() and value.isdigit()  # "²" is a digit to isdigit(), not to int()
    ]
    changed = services.survey_publish_questions(
        actor=acting_user(request), survey=survey, question_ids=chosen
    )
    if changed:
        messages.success(request, _("The choice of published results was saved."))
    else:
        messages.info(request, _("Nothing changed."))
    return redirect(target)


@access(requires(Resource.SURVEYS, Action.READ, aggregate_variant=True))
@require_safe
@login_required
def results_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    """The results as CSV, XLSX or HXL (``?by=``), what the page shows, audited."""
    chosen = export_format_or_404(fmt)
    if chosen not in TABLE_FORMATS:
        raise Http404
    params = {"survey": str(pk)}
    if request.GET.get("by"):
        params["by"] = str(request.GET["by"])
    try:
        selection = exports.EXPORT.selection(user=request.user, params=params)
    except ValidationError as exc:
        if "survey" in getattr(exc, "error_dict", {}):
            raise Http404 from None
        return HttpResponseBadRequest("\n".join(exc.messages), content_type="text/plain")
    return export_download(
        actor=acting_user(request),
        kind=exports.EXPORT,
        fmt=chosen,
        selection=selection,
        channel=ExportChannel.API,
    )
