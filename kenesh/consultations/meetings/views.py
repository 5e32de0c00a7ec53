"""Pages of community meetings: list with filters, detail (attendance, organisers, decisions,
minutes, attachments, the concerns raised), record and edit, a concern raised at the meeting,
and the meeting's attachments, uploaded, downloaded and removed only through these views."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kenesh.accounts.selectors import acting_user
from kenesh.consultations.meetings import files, selectors, services
from kenesh.consultations.meetings.files import max_bytes
from kenesh.consultations.meetings.forms import (
    AttachmentForm,
    ConcernRaisedForm,
    MeetingFilterForm,
    MeetingForm,
)
from kenesh.consultations.models import Meeting
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


@access(requires(Resource.SURVEYS, Action.READ))
@require_safe
@login_required
def meeting_list_page(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Action.READ, Resource.SURVEYS)
    form = MeetingFilterForm(request.GET or None, user=request.user)
    form.is_valid()
    meetings = selectors.meeting_list(user=request.user, filters=form.meeting_filter())
    context = {
        "form": form,
        "page_obj": paginate_page(request, meetings),
        "query": query_without_page(request),
        "may_create": allowed_anywhere(request.user, Action.WRITE, Resource.SURVEYS),
    }
    return render_page_or_fragment(
        request,
        "consultations/meetings/meeting_list.html",
        "consultations/meetings/_meeting_table.html",
        context,
    )


def _detail(
    request: HttpRequest,
    meeting: Meeting,
    *,
    concern_form: ConcernRaisedForm | None = None,
    attachment_form: AttachmentForm | None = None,
) -> HttpResponse:
    """The meeting's page, with a refused concern or attachment form shown as typed (400)."""
    user = request.user
    may_edit = allowed(user, Action.WRITE, Resource.SURVEYS, meeting.unit.path)
    may_add_concern = allowed(user, Action.WRITE, Resource.CONCERNS, meeting.unit.path)
    limit = filesizeformat(max_bytes())
    context = {
        "meeting": meeting,
        "attendance": selectors.attendance_table(meeting),
        "organisers": list(meeting.organisers.all()),
        "attachments": list(meeting.attachments.all()),
        "concerns": selectors.meeting_concerns(user=user, meeting=meeting),
        "may_edit": may_edit,
        "may_add_concern": may_add_concern,
        "concern_form": (concern_form or ConcernRaisedForm(meeting=meeting))
        if may_add_concern
        else None,
        "attachment_form": (attachment_form or AttachmentForm(limit=limit)) if may_edit else None,
    }
    refused = (concern_form is not None and concern_form.errors) or (
        attachment_form is not None and attachment_form.errors
    )
    return render(
        request,
        "consultations/meetings/meeting_detail.html",
        context,
        status=400 if refused else 200,
    )


@access(requires(Resource.SURVEYS, Action.READ))
@require_safe
@login_required
def meeting_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.meeting_get(user=request.user, pk=pk))


@access(requires(Resource.SURVEYS, Action.WRITE))
@login_required
def meeting_create_page(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Action.WRITE, Resource.SURVEYS)
    form = MeetingForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        require_at(request.user, Action.WRITE, Resource.SURVEYS, form.cleaned_data["unit"].path)
        try:
            meeting = services.meeting_create(
                actor=acting_user(request),
                data=form.meeting_data(),
                organisers=form.cleaned_data["organisers"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The meeting was recorded."))
            return redirect("consultations:meetings:detail", pk=meeting.pk)
    context = {"form": form}
    return render(
        request, "consultations/meetings/meeting_form.html", context, status=form_status(form)
    )


@access(requires(Resource.SURVEYS, Action.WRITE))
@login_required
def meeting_edit_page(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, pk=pk, action=Action.WRITE)
    form = MeetingForm(request.POST or None, instance=meeting, user=request.user)
    if request.method == "POST" and form.is_valid():
        organisers = list(form.cleaned_data["organisers"])
        data = {name: value for name, value in form_changes(form).items() if name != "organisers"}
        try:
            services.meeting_update(
                actor=acting_user(request), meeting=meeting, data=data, organisers=organisers
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The meeting was saved."))
            return redirect("consultations:meetings:detail", pk=meeting.pk)
    context = {"form": form, "meeting": meeting}
    return render(
        request, "consultations/meetings/meeting_form.html", context, status=form_status(form)
    )


@access(requires(Resource.CONCERNS, Action.WRITE))
@login_required
def meeting_concern_add_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a concern raised at the meeting (POST; a GET returns to the meeting)."""
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    require_at(request.user, Action.WRITE, Resource.CONCERNS, meeting.unit.path)
    if request.method != "POST":
        return redirect("consultations:meetings:detail", pk=meeting.pk)
    form = ConcernRaisedForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            concern = services.meeting_concern_add(
                actor=acting_user(request), meeting=meeting, data=form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("The concern was recorded with reference number %(reference)s.")
                % {"reference": concern.display_reference},
            )
            return redirect("consultations:meetings:detail", pk=meeting.pk)
    return _detail(request, meeting, concern_form=form)


@access(requires(Resource.SURVEYS, Action.WRITE))
@login_required
def meeting_attachment_add_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a file to the meeting (POST multipart; a GET returns to the meeting)."""
    meeting = selectors.meeting_get(user=request.user, pk=pk, action=Action.WRITE)
    if request.method != "POST":
        return redirect("consultations:meetings:detail", pk=meeting.pk)
    form = AttachmentForm(request.POST, request.FILES, limit=filesizeformat(max_bytes()))
    if form.is_valid():
        try:
            attachment = services.attachment_add(
                actor=acting_user(request), meeting=meeting, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("%(name)s was attached to the meeting.") % {"name": attachment.name}
            )
            return redirect("consultations:meetings:detail", pk=meeting.pk)
    return _detail(request, meeting, attachment_form=form)


@access(requires(Resource.SURVEYS, Action.READ))
@require_safe
@login_required
def meeting_attachment_page(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponseBase:
    """The file, as a download only (:func:`files.download_response`)."""
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    attachment = selectors.attachment_get(meeting=meeting, pk=attachment_pk)
    return files.download_response(attachment)


@access(requires(Resource.SURVEYS, Action.WRITE))
@login_required
def meeting_attachment_delete_page(
    request: HttpRequest, pk: int, attachment_pk: int
) -> HttpResponse:
    """Remove an attachment (POST; a GET returns to the meeting)."""
    meeting = selectors.meeting_get(user=request.user, pk=pk, action=Action.WRITE)
    attachment = selectors.attachment_get(meeting=meeting, pk=attachment_pk)
    if request.method != "POST":
        return redirect("consultations:meetings:detail", pk=meeting.pk)
    name = attachment.name
    services.attachment_delete(actor=acting_user(request), attachment=attachment)
    messages.success(request, _("%(name)s was removed from the meeting.") % {"name": name})
    return redirect("consultations:meetings:detail", pk=meeting.pk)
