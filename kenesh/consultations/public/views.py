"""Public pages of concerns, no login: a municipality's concern form (works without
JavaScript, on a 360 px phone), the thank-you page with the reference number, the status page
a reference number opens, and the printable poster with the form's QR code."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kenesh.consultations.concerns.services import concern_enter
from kenesh.consultations.models import ConcernChannel
from kenesh.consultations.public import poster
from kenesh.consultations.public.forms import PublicConcernForm, ReferenceForm
from kenesh.consultations.public.limits import concern_limit_count, concern_limit_reached
from kenesh.consultations.public.selectors import concern_public, municipality_public
from kenesh.core.access import PUBLIC, access
from kenesh.core.pages import form_status
from kenesh.geo.models import AdministrativeUnit


def _municipality(code: str) -> AdministrativeUnit:
    unit = municipality_public(code)
    if unit is None:
        raise Http404
    return unit


@access(PUBLIC)
def concern_form_page(request: HttpRequest, code: str) -> HttpResponse:
    """A municipality's concern form. A robot that fills in the hidden field is refused and
    nothing stored; an address that sent too many concerns in a short time waits (429)."""
    unit = _municipality(code)
    form = PublicConcernForm(request.POST or None, unit=unit)
    context = {"form": form, "unit": unit}
    if request.method == "POST":
        if concern_limit_reached(request):
            context["limited"] = True
            return render(request, "consultations/public/concern_form.html", context, status=429)
        if form.is_valid():
            if form.caught:
                concern_limit_count(request)
                context["caught"] = True
                return render(
                    request, "consultations/public/concern_form.html", context, status=400
                )
            data = form.concern_data() | {
                "channel": ConcernChannel.WEB,
                "language": (translation.get_language() or "")[:8],
            }
            try:
                concern = concern_enter(actor=None, data=data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                concern_limit_count(request)
                return redirect("consultations:public:concern_thanks", reference=concern.reference)
    return render(
        request, "consultations/public/concern_form.html", context, status=form_status(form)
    )


@access(PUBLIC)
@require_safe
def concern_thanks_page(request: HttpRequest, reference: str) -> HttpResponse:
    concern = concern_public(reference)
    if concern is None:
        raise Http404
    return render(request, "consultations/public/concern_thanks.html", {"concern": concern})


@access(PUBLIC)
@require_safe
def concern_status_page(request: HttpRequest) -> HttpResponse:
    """Type a reference number, see where the concern stands."""
    form = ReferenceForm(request.GET or None)
    status = 200
    if form.is_bound:
        if form.is_valid():
            reference = form.cleaned_data["reference"]
            if concern_public(reference) is not None:
                return redirect("consultations:public:concern_status_detail", reference=reference)
            form.add_error("reference", _not_found())
            status = 404
        else:
            status = 400
    return render(
        request, "consultations/public/concern_status.html", {"form": form}, status=status
    )


def _not_found() -> str:
    return _("No concern has this reference number. Check it and try again.")


@access(PUBLIC)
@require_safe
def concern_status_detail_page(request: HttpRequest, reference: str) -> HttpResponse:
    concern = concern_public(reference)
    if concern is None:
        form = ReferenceForm({"reference": reference})
        form.is_valid()
        form.add_error("reference", _not_found())
        return render(
            request, "consultations/public/concern_status.html", {"form": form}, status=404
        )
    return render(request, "consultations/public/concern_status_detail.html", {"concern": concern})


@access(PUBLIC)
@require_safe
def poster_page(request: HttpRequest, code: str) -> HttpResponse:
    """An A4 poster of the municipality's concern form: its QR code, its address and the SMS
    number, in Kyrgyz or Russian (``?language=ky`` or ``ru``; the page's language otherwise)."""
    unit = _municipality(code)
    language = request.GET.get("language") or (translation.get_language() or "ky")[:2]
    if language not in poster.LANGUAGES:
        language = "ky"
    address = request.build_absolute_uri(
        reverse("consultations:public:concern_form", kwargs={"code": unit.code})
    )
    status_address = request.build_absolute_uri(reverse("consultations:public:concern_status"))
    content = poster.concern_poster(
        unit=unit, language=language, form_address=address, status_address=status_address
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="concerns-{unit.code}-{language}.pdf"'
    return response
