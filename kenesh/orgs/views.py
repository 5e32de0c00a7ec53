"""Pages: organisations and working groups (list, detail, create, edit, add and edit members)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kenesh.accounts.selectors import acting_user
from kenesh.core.access import access, requires
from kenesh.core.pages import (
    form_changes,
    form_status,
    paginate_page,
    query_without_page,
    render_page_or_fragment,
)
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import allowed, allowed_anywhere, require_anywhere, require_at
from kenesh.orgs import selectors, services
from kenesh.orgs.forms import MemberForm, MembershipForm, OrganisationForm, WorkingGroupForm
from kenesh.orgs.models import OrganisationKind


def _may_write(request: HttpRequest, path: str) -> bool:
    return allowed(request.user, Action.WRITE, Resource.ORGANISATIONS, path)


def _form_errors_from(form: object, exc: ValidationError) -> None:
    """Show a model validation error on the form that was filled, keeping what was typed."""
    form.add_error(None, exc)  # type: ignore[attr-defined]


@access(requires(Resource.ORGANISATIONS, Action.READ))
@require_safe
@login_required
def organisation_list_page(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Action.READ, Resource.ORGANISATIONS)
    kind = request.GET.get("kind", "")
    if kind not in OrganisationKind.values:
        kind = ""
    search = request.GET.get("q", "").strip()[:100]
    organisations = selectors.organisation_list(user=request.user, kind=kind, search=search)
    context = {
        "page_obj": paginate_page(request, organisations),
        "query": query_without_page(request),
        "kinds": OrganisationKind.choices,
        "kind": kind,
        "q": search,
        "may_create": allowed_anywhere(request.user, Action.WRITE, Resource.ORGANISATIONS),
    }
    return render_page_or_fragment(
        request, "orgs/organisation_list.html", "orgs/_organisation_table.html", context
    )


@access(requires(Resource.ORGANISATIONS, Action.READ))
@require_safe
@login_required
def organisation_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get(user=request.user, pk=pk)
    context = {
        "organisation": organisation,
        # Its people through the user's scope: an oblast official of a municipal police
        # station is not shown to that municipality's users.
        "people": selectors.person_list(user=request.user).filter(organisation=organisation),
        "may_edit": _may_write(request, organisation.unit.path),
    }
    return render(request, "orgs/organisation_detail.html", context)


@access(requires(Resource.ORGANISATIONS, Action.WRITE))
@login_required
def organisation_create_page(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Action.WRITE, Resource.ORGANISATIONS)
    form = OrganisationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        require_at(
            request.user, Action.WRITE, Resource.ORGANISATIONS, form.cleaned_data["unit"].path
        )
        try:
            organisation = services.organisation_create(
                actor=acting_user(request), data=form.cleaned_data
            )
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(request, _("The organisation was saved."))
            return redirect("organisation-detail", pk=organisation.pk)
    return render(request, "orgs/organisation_form.html", {"form": form}, status=form_status(form))


@access(requires(Resource.ORGANISATIONS, Action.WRITE))
@login_required
def organisation_edit_page(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get(user=request.user, pk=pk, action=Action.WRITE)
    form = OrganisationForm(request.POST or None, instance=organisation, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form_changes(form)
        try:
            services.organisation_update(
                actor=acting_user(request), organisation=form.instance, data=data
            )
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(request, _("The organisation was saved."))
            return redirect("organisation-detail", pk=organisation.pk)
    context = {"form": form, "organisation": organisation}
    return render(request, "orgs/organisation_form.html", context, status=form_status(form))


@access(requires(Resource.ORGANISATIONS, Action.READ))
@require_safe
@login_required
def working_group_list_page(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Action.READ, Resource.ORGANISATIONS)
    context = {
        "page_obj": paginate_page(request, selectors.working_group_list(user=request.user)),
        "query": query_without_page(request),
        "may_create": allowed_anywhere(request.user, Action.WRITE, Resource.ORGANISATIONS),
    }
    return render_page_or_fragment(
        request, "orgs/working_group_list.html", "orgs/_working_group_table.html", context
    )


@access(requires(Resource.ORGANISATIONS, Action.READ))
@require_safe
@login_required
def working_group_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.working_group_get(user=request.user, pk=pk)
    context = {
        "group": group,
        "memberships": selectors.membership_list(working_group=group),
        "may_edit": _may_write(request, group.unit.path),
    }
    return render(request, "orgs/working_group_detail.html", context)


@access(requires(Resource.ORGANISATIONS, Action.WRITE))
@login_required
def working_group_create_page(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Action.WRITE, Resource.ORGANISATIONS)
    form = WorkingGroupForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.working_group_create(
                actor=acting_user(request), data=form.cleaned_data
            )
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(request, _("The working group was saved."))
            return redirect("working-group-detail", pk=group.pk)
    return render(request, "orgs/working_group_form.html", {"form": form}, status=form_status(form))


@access(requires(Resource.ORGANISATIONS, Action.WRITE))
@login_required
def working_group_edit_page(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.working_group_get(user=request.user, pk=pk, action=Action.WRITE)
    form = WorkingGroupForm(request.POST or None, instance=group, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form_changes(form)
        try:
            services.working_group_update(
                actor=acting_user(request),
                working_group=form.instance,
                data=data,
            )
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(request, _("The working group was saved."))
            return redirect("working-group-detail", pk=group.pk)
    context = {"form": form, "group": group}
    return render(request, "orgs/working_group_form.html", context, status=form_status(form))


@access(requires(Resource.ORGANISATIONS, Action.WRITE))
@login_required
def member_add_page(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.working_group_get(user=request.user, pk=pk, action=Action.WRITE)
    form = MemberForm(request.POST or None, working_group=group, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_create(
                actor=acting_user(request),
                working_group=group,
                person=form.cleaned_data.get("person"),
                new_person=form.new_person_data(),
                data=form.membership_data(),
            )
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(request, _("The member was added."))
            return redirect("working-group-detail", pk=group.pk)
    context = {"form": form, "group": group}
    return render(request, "orgs/member_form.html", context, status=form_status(form))


@access(requires(Resource.ORGANISATIONS, Action.WRITE))
@login_required
def member_edit_page(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    group = selectors.working_group_get(user=request.user, pk=pk, action=Action.WRITE)
    membership = selectors.membership_get(working_group=group, pk=membership_pk)
    form = MembershipForm(request.POST or None, instance=membership)
    if request.method == "POST" and form.is_valid():
        data = form_changes(form)
        try:
            services.membership_update(
                actor=acting_user(request),
                membership=form.instance,
                data=data,
            )
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(request, _("The membership was saved."))
            return redirect("working-group-detail", pk=group.pk)
    context = {"form": form, "group": group, "membership": membership}
    return render(request, "orgs/membership_form.html", context, status=form_status(form))
