"""Forms of the crime page and the evaluation page; unit choices limited to the user's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kenesh.core.dates import validate_not_too_early
from kenesh.core.forms import BootstrapFormMixin
from kenesh.incidents.analysis import trends
from kenesh.incidents.categories import Category


def date_input() -> forms.DateInput:
    # ISO 8601 whatever the language, as the browser's date picker needs.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


not_too_early = validate_not_too_early  # nothing before 1991 is recorded, nor analysed


def category_choices(all_label: str) -> list[tuple[str, str]]:
    return [
        ("", all_label),
        *((value, str(label).capitalize()) for value, label in Category.choices),
    ]


class CrimeFilterForm(BootstrapFormMixin, forms.Form):
    unit = forms.ChoiceField(label=_("municipality"))
    date_from = forms.DateField(
        label=_("from"), required=False, widget=date_input(), validators=[not_too_early]
    )
    date_to = forms.DateField(
        label=_("to"), required=False, widget=date_input(), validators=[not_too_early]
    )
    category = forms.ChoiceField(label=_("category"), required=False)

    def __init__(
        self, *args: Any, user: Any, default_period: tuple[dt.date, dt.date], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.default_period = default_period
        self.fields["unit"].choices = [  # type: ignore[attr-defined]
            (unit.code, unit.name) for unit in trends.municipalities_for(user)
        ]
        self.fields["category"].choices = category_choices(  # type: ignore[attr-defined]
            str(_("All categories"))
        )

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
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class EvaluationForm(BootstrapFormMixin, forms.Form):
    category = forms.ChoiceField(label=_("category"), required=False)
    treated = UnitMultipleChoiceField(
        label=_("treated municipalities"),
        queryset=None,
        to_field_name="code",
        help_text=_("Where the intervention took place. Hold Ctrl (⌘ on a Mac) to choose several."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    comparison = UnitMultipleChoiceField(
        label=_("comparison municipalities"),
        queryset=None,
        to_field_name="code",
        help_text=_(
            "Similar municipalities without the intervention. Hold Ctrl (⌘ on a Mac) to choose "
            "several."
        ),
        widget=forms.SelectMultiple(attrs={"size": 6}),
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
        units = trends.municipalities_queryset(user)
        self.fields["treated"].queryset = units  # type: ignore[attr-defined]
        self.fields["comparison"].queryset = units  # type: ignore[attr-defined]
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
