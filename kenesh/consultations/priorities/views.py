"""Pages of priorities: the matrix (why each category ranks where it does), adopting priorities
and the list of those adopted; and the public "You said, we did" page of a municipality."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from kenesh.accounts.selectors import acting_user
from kenesh.analytics.priorities import COMPONENTS
from kenesh.consultations.priorities import outcomes, selectors, services
from kenesh.consultations.priorities.forms import AdoptForm, MatrixForm
from kenesh.core.access import PUBLIC, access, requires
from kenesh.core.pages import form_status
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import allowed, require_anywhere, require_at
from kenesh.geo.models import AdministrativeUnit, Level
from kenesh.orgs.programmes import area_catalogue

MATRIX_TEMPLATE = "consultations/priorities/matrix.html"


def _weights_from_query(request: HttpRequest) -> dict[str, float | None]:
    """Weights carried in the address (``w_<component>``), those that read as numbers; the
    selector checks their range."""
    found: dict[str, float | None] = {}
    for name in COMPONENTS:
        raw = str(request.GET.get(f"w_{name}") or "").strip().replace(",", ".")
        if not raw:
            continue
        try:
            found[name] = float(raw)
        except ValueError:
            raise ValidationError({f"w_{name}": _("Enter a number.")}) from None
    return found


def _period_from_query(request: HttpRequest) -> tuple[dt.date, dt.date]:
    start, end = selectors.default_period()
    try:
        if request.GET.get("date_from"):
            start = dt.date.fromisoformat(str(request.GET["date_from"]))
        if request.GET.get("date_to"):
            end = dt.date.fromisoformat(str(request.GET["date_to"]))
    except ValueError:
        raise ValidationError({"date_from": _("Enter a valid date.")}) from None
    selectors.check_period(start, end)
    return start, end


@access(requires(Resource.PRIORITIES, Action.READ))
@require_safe
@login_required
def matrix_page(request: HttpRequest) -> HttpResponse:
    """The priority matrix of a municipality: every category with each component beside its
    score and rank, missing and withheld components marked."""
    require_anywhere(request.user, Action.READ, Resource.PRIORITIES)
    asked = str(request.GET.get("unit") or "")[:14]
    if asked:
        # 404 outside the area, 403 without the role; a rayon or a village is for the form
        # to refuse ("select a valid choice").
        with contextlib.suppress(ValidationError):
            selectors.matrix_unit(user=request.user, code=asked)
    municipalities = selectors.matrix_municipalities(request.user)
    if not municipalities:
        return render(request, MATRIX_TEMPLATE, {"form": None})
    catalogue = area_catalogue(municipalities)
    data = request.GET.copy()
    start, end = selectors.default_period()
    if not asked:
        first = catalogue.default_municipality()
        assert first is not None
        data["unit"] = first.code
    data.setdefault("date_from", start.isoformat())
    data.setdefault("date_to", end.isoformat())
    form = MatrixForm(data, catalogue=catalogue)
    context: dict[str, Any] = {"form": form, "matrix": None}
    if not form.is_valid():
        return render(request, MATRIX_TEMPLATE, context, status=400)
    unit = selectors.matrix_unit(user=request.user, code=form.cleaned_data["unit"])
    try:
        matrix = selectors.priority_matrix(
            user=request.user,
            unit=unit,
            start=form.cleaned_data["date_from"],
            end=form.cleaned_data["date_to"],
            weights=form.weights,
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return render(request, MATRIX_TEMPLATE, context, status=400)
    query: dict[str, str] = {
        "date_from": matrix.start.isoformat(),
        "date_to": matrix.end.isoformat(),
        **{f"w_{name}": str(value) for name, value in form.weights.items() if value is not None},
    }
    context.update(
        matrix=matrix,
        unit=unit,
        unit_name=catalogue.municipality_label(unit),
        components=[
            (name, selectors.COMPONENT_LABELS[name], matrix.weights[name]) for name in COMPONENTS
        ],
        can_adopt=allowed(request.user, Action.APPROVE, Resource.PRIORITIES, unit.path),
        adopt_url=f"{reverse('consultations:priorities:adopt', args=[unit.code])}?"
        + urlencode(query),
        adopted_url=reverse("consultations:priorities:adopted", args=[unit.code]),
        statuses=_statuses(matrix),
    )
    return render(request, MATRIX_TEMPLATE, context)


def _statuses(matrix: selectors.PriorityMatrix) -> set[str]:
    """The statuses the table shows, for a legend of those only (``small``: a ``<5``)."""
    found: set[str] = set()
    for row in matrix.rows:
        for one in row.components.values():
            if one.status == selectors.Status.SUPPRESSED:
                found.add("small" if one.small else "complementary")
            elif one.status != selectors.Status.OK:
                found.add(one.status)
    return found


@access(requires(Resource.PRIORITIES, Action.APPROVE))
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def adopt_page(request: HttpRequest, code: str) -> HttpResponse:
    """The working group adopts priorities: a rank for each category chosen, the date, the
    meeting and the decision, on the matrix of the period (and weights) in the address."""
    unit = selectors.matrix_unit(user=request.user, code=code)
    require_at(request.user, Action.APPROVE, Resource.PRIORITIES, unit.path)
    try:
        weights = _weights_from_query(request)
        start, end = _period_from_query(request)
        matrix = selectors.priority_matrix(
            user=request.user, unit=unit, start=start, end=end, weights=weights
        )
    except ValidationError as exc:
        return render(
            request,
            "consultations/priorities/adopt.html",
            {"unit": unit, "errors": exc.messages},
            status=400,
        )
    categories = [row.category for row in matrix.rows]
    form = AdoptForm(
        request.POST if request.method == "POST" else None,
        categories=categories,
        meetings=selectors.unit_meetings(unit=unit),
        initial={
            "period_start": matrix.start,
            "period_end": matrix.end,
            "adopted_on": dt.date.today(),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            adopted = services.priorities_adopt(
                actor=acting_user(request),
                unit=unit,
                categories=form.cleaned_data["categories"],
                adopted_on=form.cleaned_data["adopted_on"],
                meeting=form.cleaned_data["meeting"],
                decision=form.cleaned_data["decision"],
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
                weights=weights,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "%(n)d priority was adopted.", "%(n)d priorities were adopted.", len(adopted)
                )
                % {"n": len(adopted)},
            )
            return redirect("consultations:priorities:adopted", code=unit.code)
    rows = list(zip(matrix.rows, form.rank_fields(), strict=True))
    context = {"unit": unit, "matrix": matrix, "form": form, "rows": rows}
    return render(request, "consultations/priorities/adopt.html", context, status=form_status(form))


@access(requires(Resource.PRIORITIES, Action.READ))
@require_safe
@login_required
def adopted_page(request: HttpRequest, code: str) -> HttpResponse:
    """The priorities the working group adopted in a municipality, decision by decision."""
    unit = selectors.matrix_unit(user=request.user, code=code)
    adopted = list(selectors.adopted_priorities(user=request.user, unit=unit))
    decisions: dict[tuple[dt.date, str], list[Any]] = {}
    for one in adopted:
        decisions.setdefault((one.adopted_on, one.decision), []).append(one)
    context = {
        "unit": unit,
        "decisions": [(day, text, rows) for (day, text), rows in decisions.items()],
        "can_adopt": allowed(request.user, Action.APPROVE, Resource.PRIORITIES, unit.path),
    }
    return render(request, "consultations/priorities/adopted.html", context)


# The public page -------------------------------------------------------------------------------


def _concern_form_url(unit: AdministrativeUnit) -> str | None:
    """The public concern form's address, if the concerns feature provides one."""
    for args in ([unit.code], []):
        try:
            return reverse("consultations:public:concern_form", args=args)
        except NoReverseMatch:
            continue
    return None


@access(PUBLIC)
@require_safe
def outcomes_page(request: HttpRequest, code: str) -> HttpResponse:
    """ "You said, we did": what people of a municipality raised (counts per category, from 1 to
    4 withheld), the concerns moderation made public, the priorities the working group adopted
    and the survey results published. Aggregates only: no one's contact or name."""
    unit = get_object_or_404(
        AdministrativeUnit.objects.defer("boundary"), code=code, level=Level.MUNICIPALITY
    )
    context = {
        "unit": unit,
        "page": outcomes.public_outcomes(unit=unit),
        "concern_form_url": _concern_form_url(unit),
    }
    return render(request, "consultations/outcomes/page.html", context)
