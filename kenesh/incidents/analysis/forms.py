"""Forms of the crime page and the evaluation page; unit choices limited to the user's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _

from kenesh.core.dates import validate_not_too_early
from kenesh.core.forms import BootstrapFormMixin
from kenesh.geo.models import AdministrativeUnit
from kenesh.incidents.analysis import trends
from kenesh.incidents.categories import Category
from kenesh.orgs.programmes import Area, AreaCatalogue, area_catalogue


def date_input() -> forms.DateInput:
    # ISO 8601 whatever the language, as the browser's date picker needs.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


not_too_early = validate_not_too_early  # nothing before 1991 is recorded, nor analysed


def _in_order(ids: list[int]) -> Case:
    """An ordering expression keeping ``ids`` in the given order."""
    return Case(
        *(When(pk=pk, then=Value(index)) for index, pk in enumerate(ids)),
        default=Value(len(ids)),
        output_field=IntegerField(),
    )


def category_choices(all_label: str) -> list[tuple[str, str]]:
    return [
        ("", all_label),
        *((value, str(label).capitalize()) for value, label in Category.choices),
    ]


class CrimeFilterForm(BootstrapFormMixin, forms.Form):
    """The crime page's choices: the area (a municipality, a programme, an oblast or everything
    the user may see, from :func:`kenesh.orgs.programmes.area_catalogue`), the period of the
    chart and table, the category, where the 12-month windows end and the charts' scale."""

    area = forms.ChoiceField(label=_("area"))
    date_from = forms.DateField(
        label=_("from"), required=False, widget=date_input(), validators=[not_too_early]
    )
    date_to = forms.DateField(
        label=_("to"), required=False, widget=date_input(), validators=[not_too_early]
    )
    category = forms.ChoiceField(label=_("category"), required=False)
    up_to = forms.ChoiceField(
        label=_("12-month comparison ends"),
        required=False,
        choices=[
            ("records", _("with each municipality's latest records")),
            ("today", _("with the last complete month before today")),
        ],
    )
    same_scale = forms.BooleanField(label=_("same scale in every chart"), required=False)

    def __init__(
        self,
        *args: Any,
        catalogue: AreaCatalogue,
        default_period: tuple[dt.date, dt.date],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.default_period = default_period
        self.catalogue = catalogue
        self.fields["area"].choices = catalogue.choices()  # type: ignore[attr-defined]
        self.fields["category"].choices = category_choices(  # type: ignore[attr-defined]
            str(_("All categories"))
        )

    def clean_area(self) -> Area:
        area = self.catalogue.resolve(self.cleaned_data["area"])
        if area is None:
            raise forms.ValidationError(_("Choose an area from the list."))
        return area

    def clean(self) -> dict[str, Any]:
        """Fill in the missing ends of the period (``period``), then check the period itself:
        a start alone, or an end alone, may still make it too long or reversed."""
        data = super().clean() or {}
        if "date_from" in self.errors or "date_to" in self.errors:
            return data
        start, end = trends.fill_period(
            data.get("date_from"), data.get("date_to"), self.default_period
        )
        if start > end:
            self.add_error("date_to", _("The end of the period must not be before its start."))
        elif end.year - start.year >= trends.MAX_YEARS:
            self.add_error(
                "date_from",
                _("Choose at most %(years)d years.") % {"years": trends.MAX_YEARS},
            )
        else:
            data["period"] = (start, end)
        return data


class UnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Municipalities as a list of checkboxes, named as the area catalogue names them (by
    rayon where two share a name), pilots first."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.labels: dict[int, str] = {}

    def label_from_instance(self, obj: Any) -> str:
        return self.labels.get(obj.pk, str(obj.name))


class EvaluationForm(BootstrapFormMixin, forms.Form):
    """An evaluation's choices. Treated municipalities come from the user's scope; comparison
    municipalities from their scope and, where the public column publishes incident aggregates,
    from every other municipality at the public level of detail (docs/privacy.md): a municipal
    user compares their municipality with others at that level."""

    category = forms.ChoiceField(label=_("category"), required=False)
    treated = UnitMultipleChoiceField(
        label=_("treated municipalities"),
        queryset=None,
        to_field_name="code",
        help_text=_("Where the intervention took place."),
    )
    comparison = UnitMultipleChoiceField(
        label=_("comparison municipalities"),
        queryset=None,
        to_field_name="code",
        help_text=_("Similar municipalities without the intervention."),
    )
    start = forms.DateField(
        label=_("start of the intervention"), widget=date_input(), validators=[not_too_early]
    )
    before_months = forms.IntegerField(
        label=_("months before"),
        min_value=1,
        max_value=trends.WINDOW_MONTHS_MAX,
        initial=12,
    )
    after_months = forms.IntegerField(
        label=_("months after"),
        min_value=1,
        max_value=trends.WINDOW_MONTHS_MAX,
        initial=12,
    )

    field_order = ["category", "start", "before_months", "after_months", "treated", "comparison"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = trends.municipalities_for(user)
        self.own_ids = {unit.pk for unit in own}
        self.catalogue = area_catalogue(own)
        treated_order = [unit.pk for unit in self.catalogue.ordered()]
        treated: UnitMultipleChoiceField = self.fields["treated"]  # type: ignore[assignment]
        treated.queryset = trends.municipalities_queryset(user).order_by(_in_order(treated_order))
        treated.labels = self.catalogue.labels
        # Comparison: the user's own municipalities, then (where the public column allows)
        # every other one, at the public level; pilots first in each group.
        public = trends.published_municipalities(None)
        others = [unit for unit in public if unit.pk not in self.own_ids]
        self.public_comparison = bool(others)
        everyone = area_catalogue([*own, *others])
        order = [unit.pk for unit in self.catalogue.ordered()] + [
            unit.pk for unit in everyone.ordered() if unit.pk not in self.own_ids
        ]
        comparison: UnitMultipleChoiceField = self.fields["comparison"]  # type: ignore[assignment]
        comparison.queryset = (
            AdministrativeUnit.objects.filter(pk__in=order)
            .defer("boundary")
            .order_by(_in_order(order))
        )
        comparison.labels = everyone.labels
        self.comparison_groups = [
            (_("Your municipalities"), [unit.code for unit in self.catalogue.ordered()]),
            (
                _("Other municipalities, at the public level of detail"),
                [unit.code for unit in everyone.ordered() if unit.pk not in self.own_ids],
            ),
        ]
        self.fields["category"].choices = category_choices(  # type: ignore[attr-defined]
            str(_("All incidents"))
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        treated, comparison = data.get("treated"), data.get("comparison")
        if treated and comparison:
            both = set(treated) & set(comparison)
            if both:
                names = ", ".join(sorted(unit.name for unit in both))
                self.add_error(
                    "comparison",
                    _("%(names)s cannot be both treated and comparison.") % {"names": names},
                )
        return data
