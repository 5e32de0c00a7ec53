"""Pages of the incident register: list with filters, detail, register and edit."""

from __future__ import annotations

import datetime as dt
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
from kenesh.core.access import access, requires
from kenesh.core.exports import ExportFormat
from kenesh.core.pages import (
    form_changes,
    form_status,
    paginate_page,
    query_without_page,
    render_page_or_fragment,
)
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import allowed, allowed_anywhere, require_anywhere, require_at
from kenesh.incidents import selectors, services
from kenesh.incidents.categories import Category
from kenesh.incidents.models import AGE_BANDS, PEOPLE_ROLES, PERSON_SEXES, Incident
from kenesh.incidents.register.forms import (
    BAND_LABELS,
    ROLE_LABELS,
    SEX_LABELS,
    IncidentFilterForm,
    IncidentForm,
)


@access(requires(Resource.INCIDENTS, Action.READ))
@require_safe
@login_required
def incident_list_page(request: HttpRequest) -> HttpResponse:
    # Aggregate-only roles see statistics, not records.
    require_anywhere(request.user, Action.READ, Resource.INCIDENTS)
    form = IncidentFilterForm(request.GET or None, user=request.user)
    form.is_valid()
    incidents = selectors.incident_list(user=request.user, filters=form.incident_filter())
    page_obj = paginate_page(request, incidents)
    for incident in page_obj:
        incident.category_labels = _category_labels(incident)
    context = {
        "form": form,
        "page_obj": page_obj,
        "query": query_without_page(request),
        "may_create": allowed_anywhere(request.user, Action.WRITE, Resource.INCIDENTS),
        "export_links": _export_links(form),
    }
    return render_page_or_fragment(
        request, "incidents/incident_list.html", "incidents/_incident_table.html", context
    )


@access(requires(Resource.INCIDENTS, Action.READ))
@require_safe
@login_required
def incident_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, pk=pk)
    context = {
        "incident": incident,
        "categories": _category_labels(incident),
        "people": [_people_table(incident, role) for role in PEOPLE_ROLES],
        "bands": [BAND_LABELS[band] for band in AGE_BANDS],
        "may_edit": allowed(request.user, Action.WRITE, Resource.INCIDENTS, incident.unit.path),
    }
    return render(request, "incidents/incident_detail.html", context)


#: What "save and add another" carries to the next, empty form (as query parameters).
KEPT_FOR_NEXT = ("unit", "occurred_on", "reported_on")
ADD_ANOTHER = "another"


@access(requires(Resource.INCIDENTS, Action.WRITE))
@login_required
def incident_create_page(request: HttpRequest) -> HttpResponse:
    """Register an incident. "Save and add another" (``then=another``) returns to an empty form
    with the municipality and dates of the one just saved, for a page of the journal."""
    require_anywhere(request.user, Action.WRITE, Resource.INCIDENTS)
    form = IncidentForm(request.POST or None, user=request.user, initial=_kept_for_next(request))
    if request.method == "POST" and form.is_valid():
        require_at(request.user, Action.WRITE, Resource.INCIDENTS, form.cleaned_data["unit"].path)
        try:
            incident = services.incident_create(actor=acting_user(request), data=form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if request.POST.get("then") == ADD_ANOTHER:
                messages.success(
                    request,
                    _("The incident %(ref)s was registered. Enter the next one.")
                    % {"ref": incident.external_ref},
                )
                kept: dict[str, str | int] = {
                    "unit": incident.unit_id,
                    "occurred_on": incident.occurred_on.isoformat(),
                    "reported_on": incident.reported_on.isoformat(),
                }
                return redirect(f"{reverse('incidents:create')}?{urlencode(kept)}")
            messages.success(request, _("The incident was registered."))
            return redirect("incidents:detail", pk=incident.pk)
    context = {"form": form, "bands": BAND_LABELS.values()}
    return render(request, "incidents/incident_form.html", context, status=form_status(form))


def _kept_for_next(request: HttpRequest) -> dict[str, Any]:
    """The municipality and dates "save and add another" passed on, those that are well formed
    (the form's own choices and checks decide the rest)."""
    if request.method != "GET":
        return {}
    kept: dict[str, Any] = {}
    unit = request.GET.get("unit", "")
    if unit.isdigit():
        kept["unit"] = int(unit)
    for name in ("occurred_on", "reported_on"):
        try:
            kept[name] = dt.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            continue
    return kept


@access(requires(Resource.INCIDENTS, Action.WRITE))
@login_required
def incident_edit_page(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, pk=pk, action=Action.WRITE)
    form = IncidentForm(request.POST or None, instance=incident, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form_changes(form)
        try:
            services.incident_update(actor=acting_user(request), incident=form.instance, data=data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The incident was saved."))
            return redirect("incidents:detail", pk=incident.pk)
    context = {"form": form, "incident": incident, "bands": BAND_LABELS.values()}
    return render(request, "incidents/incident_form.html", context, status=form_status(form))


def _export_links(form: IncidentFilterForm) -> list[tuple[str, str]]:
    """(format label, address) of the export API for the list's filters: the valid ones only,
    as the list applies them (an invalid filter is shown and left out)."""
    kept = {
        name: value
        for name in form.fields
        if name not in form.errors and (value := str(form.data.get(name, "") or ""))
    }
    query = f"?{urlencode(kept)}" if kept else ""
    return [
        (fmt.label, reverse("api:incidents_export", kwargs={"fmt": fmt.value}) + query)
        for fmt in ExportFormat
    ]


def _category_labels(incident: Incident) -> list[str]:
    labels = dict(Category.choices)
    return [str(labels.get(value, value)) for value in incident.category_list]


def _people_table(incident: Incident, role: str) -> dict[str, Any]:
    """One role's counts as rows of sex by age band, without the rows that are all zero."""
    rows = []
    for sex in PERSON_SEXES:
        counts = [int(getattr(incident, f"{role}_{sex}_{band}")) for band in AGE_BANDS]
        if any(counts):
            rows.append({"sex": SEX_LABELS[sex], "counts": counts, "total": sum(counts)})
    return {"role": ROLE_LABELS[role], "rows": rows, "total": sum(row["total"] for row in rows)}
