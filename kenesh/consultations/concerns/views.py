"""Staff pages of concerns: the list (counts only for aggregate-only roles), a concern's page
with the steps of the loop, and a concern entered on a citizen's behalf."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kenesh.accounts.selectors import acting_user
from kenesh.consultations.concerns import selectors, services
from kenesh.consultations.concerns.forms import (
    CategoriseForm,
    ConcernCreateForm,
    ConcernFilterForm,
    MergeForm,
    ModerateForm,
    StatusForm,
)
from kenesh.consultations.models import Concern, ConcernStatus
from kenesh.consultations.services import concern_set_status
from kenesh.core.access import access, requires
from kenesh.core.exports import ExportFormat
from kenesh.core.pages import form_status, paginate_page, query_without_page
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import allowed, allowed_anywhere, require_anywhere, require_at


@access(requires(Resource.CONCERNS, Action.READ, aggregate_variant=True))
@require_safe
@login_required
def concern_list_page(request: HttpRequest) -> HttpResponse:
    """Concerns as rows for whoever may read them; for an aggregate-only role (the programme
    coordinator) counts by category and status instead, small counts suppressed."""
    if not allowed_anywhere(request.user, Action.READ, Resource.CONCERNS):
        require_anywhere(request.user, Action.AGGREGATE, Resource.CONCERNS)
        form = ConcernFilterForm(request.GET or None, user=request.user, action=Action.AGGREGATE)
        form.is_valid()
        counts = selectors.concern_counts(user=request.user, filters=form.concern_filter())
        context: dict[str, Any] = {"form": form, "counts": counts}
        return render(request, "consultations/concerns/concern_counts.html", context)
    form = ConcernFilterForm(request.GET or None, user=request.user)
    form.is_valid()
    page_obj = paginate_page(
        request, selectors.concern_list(user=request.user, filters=form.concern_filter())
    )
    context = {
        "form": form,
        "page_obj": page_obj,
        "query": query_without_page(request),
        "may_create": allowed_anywhere(request.user, Action.WRITE, Resource.CONCERNS),
        "export_links": _export_links(form),
    }
    return render(request, "consultations/concerns/concern_list.html", context)


def _export_links(form: ConcernFilterForm) -> list[tuple[str, str]]:
    kept = {
        name: value
        for name in form.fields
        if name not in form.errors and (value := str(form.data.get(name, "") or ""))
    }
    query = f"?{urlencode(kept)}" if kept else ""
    return [
        (fmt.label, reverse("api:concerns_export", kwargs={"fmt": fmt.value}) + query)
        for fmt in ExportFormat
        if fmt is not ExportFormat.GEOJSON
    ]


def _detail(
    request: HttpRequest, concern: Concern, *, status: int = 200, **forms: Any
) -> HttpResponse:
    """The concern's page, with the forms of the steps the user may take (a refused one bound,
    with its errors and what was typed)."""
    may_write = allowed(request.user, Action.WRITE, Resource.CONCERNS, concern.unit.path)
    context: dict[str, Any] = {
        "concern": concern,
        "events": selectors.concern_events(concern),
        "may_write": may_write,
        "duplicates": concern.duplicates.order_by("received_at"),
    }
    if may_write:
        context |= {
            "status_form": forms.get("status_form") or StatusForm(concern=concern),
            "categorise_form": forms.get("categorise_form") or CategoriseForm(concern=concern),
            "moderate_form": forms.get("moderate_form")
            or ModerateForm(initial={"public": concern.public}),
            "merge_form": forms.get("merge_form") or MergeForm(),
            "candidates": (
                selectors.possible_duplicates(concern) if concern.merged_into_id is None else []
            ),
        }
    return render(request, "consultations/concerns/concern_detail.html", context, status=status)


@access(requires(Resource.CONCERNS, Action.READ))
@require_safe
@login_required
def concern_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    concern = selectors.concern_get(user=request.user, pk=pk)
    return _detail(request, concern)


@access(requires(Resource.CONCERNS, Action.WRITE))
@login_required
def concern_create_page(request: HttpRequest) -> HttpResponse:
    """A concern received by phone, at a meeting or in the office, entered for the citizen."""
    require_anywhere(request.user, Action.WRITE, Resource.CONCERNS)
    form = ConcernCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        require_at(request.user, Action.WRITE, Resource.CONCERNS, form.cleaned_data["unit"].path)
        try:
            concern = services.concern_enter(actor=acting_user(request), data=form.concern_data())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("The concern was recorded with the reference number %(reference)s.")
                % {"reference": concern.display_reference},
            )
            return redirect("consultations:concerns:detail", pk=concern.pk)
    return render(
        request,
        "consultations/concerns/concern_form.html",
        {"form": form},
        status=form_status(form),
    )


def _for_step(request: HttpRequest, pk: int) -> Concern | HttpResponse:
    """The concern a step (a POST) changes: scope and role first (404, 403), then the method;
    a GET of a step's address goes to the concern's page."""
    concern = selectors.concern_get(user=request.user, pk=pk, action=Action.WRITE)
    if request.method != "POST":
        return redirect("consultations:concerns:detail", pk=concern.pk)
    return concern


def _refused(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@access(requires(Resource.CONCERNS, Action.WRITE))
@login_required
def concern_status_page(request: HttpRequest, pk: int) -> HttpResponse:
    concern = _for_step(request, pk)
    if isinstance(concern, HttpResponse):
        return concern
    form = StatusForm(request.POST, concern=concern)
    if form.is_valid():
        try:
            concern_set_status(
                actor=acting_user(request),
                concern=concern,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            concern.refresh_from_db()
            _refused(form, exc)
        else:
            messages.success(
                request,
                _("The concern is now “%(status)s”.")
                % {"status": ConcernStatus(concern.status).label},
            )
            return redirect("consultations:concerns:detail", pk=concern.pk)
    return _detail(request, concern, status=400, status_form=form)


@access(requires(Resource.CONCERNS, Action.WRITE))
@login_required
def concern_categorise_page(request: HttpRequest, pk: int) -> HttpResponse:
    concern = _for_step(request, pk)
    if isinstance(concern, HttpResponse):
        return concern
    form = CategoriseForm(request.POST, concern=concern)
    if form.is_valid():
        services.concern_categorise(
            actor=acting_user(request), concern=concern, category=form.cleaned_data["category"]
        )
        messages.success(request, _("The category was saved."))
        return redirect("consultations:concerns:detail", pk=concern.pk)
    return _detail(request, concern, status=400, categorise_form=form)


@access(requires(Resource.CONCERNS, Action.WRITE))
@login_required
def concern_moderate_page(request: HttpRequest, pk: int) -> HttpResponse:
    concern = _for_step(request, pk)
    if isinstance(concern, HttpResponse):
        return concern
    form = ModerateForm(request.POST)
    if form.is_valid():
        try:
            services.concern_moderate(
                actor=acting_user(request),
                concern=concern,
                public=form.cleaned_data["public"],
                checked=form.cleaned_data["checked"],
            )
        except ValidationError as exc:
            concern.refresh_from_db()
            _refused(form, exc)
        else:
            messages.success(
                request,
                _("The text is shown publicly.")
                if concern.public
                else _("The text is not shown publicly."),
            )
            return redirect("consultations:concerns:detail", pk=concern.pk)
    return _detail(request, concern, status=400, moderate_form=form)


@access(requires(Resource.CONCERNS, Action.WRITE))
@login_required
def concern_merge_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge this concern, a duplicate, into the one whose reference number is given."""
    concern = _for_step(request, pk)
    if isinstance(concern, HttpResponse):
        return concern
    form = MergeForm(request.POST)
    if form.is_valid():
        keep = selectors.merge_target(
            user=request.user, duplicate=concern, reference=form.cleaned_data["keep"]
        )
        if keep is None:
            form.add_error("keep", _("No concern of this municipality has this reference number."))
        else:
            try:
                services.concern_merge(actor=acting_user(request), duplicate=concern, keep=keep)
            except ValidationError as exc:
                concern.refresh_from_db()
                _refused(form, exc)
            else:
                messages.success(
                    request,
                    _("Merged into %(reference)s.") % {"reference": keep.display_reference},
                )
                return redirect("consultations:concerns:detail", pk=keep.pk)
    return _detail(request, concern, status=400, merge_form=form)
