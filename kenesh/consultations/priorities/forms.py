"""Forms of the priority matrix (the municipality, the period, the weights) and of adopting
priorities (each category's rank, the date, the meeting, the decision)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kenesh.analytics.priorities import COMPONENTS
from kenesh.consultations.models import TEXT_LENGTH, ConcernCategory, Meeting
from kenesh.consultations.priorities import selectors
from kenesh.consultations.priorities.selectors import COMPONENT_LABELS
from kenesh.consultations.priorities.services import MAX_PRIORITIES
from kenesh.core.dates import validate_not_too_early
from kenesh.core.forms import BootstrapFormMixin
from kenesh.orgs.programmes import AreaCatalogue


def date_input() -> forms.DateInput:
    # ISO 8601 whatever the language, as the browser's date picker needs.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def weight_field(name: str) -> forms.FloatField:
    return forms.FloatField(
        label=COMPONENT_LABELS[name],
        required=False,
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"step": "0.05", "inputmode": "decimal"}),
    )


class MatrixForm(BootstrapFormMixin, forms.Form):
    """The matrix page's choices: a municipality (from the user's area catalogue), the period
    (whole months) and, optionally, other weights than the defaults."""

    unit = forms.ChoiceField(label=_("municipality"))
    date_from = forms.DateField(
        label=_("from"), widget=date_input(), validators=[validate_not_too_early]
    )
    date_to = forms.DateField(
        label=_("to"), widget=date_input(), validators=[validate_not_too_early]
    )
    w_concerns_share = weight_field("concerns_share")
    w_survey_share = weight_field("survey_share")
    w_incident_rate = weight_field("incident_rate")
    w_rate_change = weight_field("rate_change")
    w_severity = weight_field("severity")

    def __init__(self, *args: Any, catalogue: AreaCatalogue, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.catalogue = catalogue
        self.fields["unit"].choices = catalogue.choices(areas=False)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            try:
                selectors.check_period(start, end)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    for message in messages:
                        self.add_error(field, message)
        return data

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[f"w_{name}"] for name in COMPONENTS]

    def period_fields(self) -> list[forms.BoundField]:
        return [self["unit"], self["date_from"], self["date_to"]]

    @property
    def weights(self) -> dict[str, float | None]:
        return {name: self.cleaned_data.get(f"w_{name}") for name in COMPONENTS}


class AdoptForm(BootstrapFormMixin, forms.Form):
    """The working group's decision: a rank for each category adopted (blank: not adopted),
    the date, the meeting it was taken at (optional) and the decision's text; the matrix's
    period rides along hidden, as shown on the page."""

    adopted_on = forms.DateField(
        label=_("adopted on"), widget=date_input(), validators=[validate_not_too_early]
    )
    meeting = forms.ModelChoiceField(
        label=_("meeting"),
        queryset=Meeting.objects.none(),
        required=False,
        empty_label=_("— none —"),
    )
    decision = forms.CharField(
        label=_("decision"),
        max_length=TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the working group decided, as in the minutes."),
    )
    period_start = forms.DateField(widget=forms.HiddenInput)
    period_end = forms.DateField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        categories: list[ConcernCategory],
        meetings: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.categories = categories
        self.fields["meeting"].queryset = meetings  # type: ignore[attr-defined]
        for category in categories:
            self.fields[f"rank_{category.code}"] = forms.IntegerField(
                label=category.name,
                required=False,
                min_value=1,
                max_value=MAX_PRIORITIES,
                widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
            )

    def decision_fields(self) -> list[forms.BoundField]:
        return [self["adopted_on"], self["meeting"], self["decision"]]

    def rank_fields(self) -> list[forms.BoundField]:
        return [self[f"rank_{category.code}"] for category in self.categories]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        ranked = [
            (data[f"rank_{one.code}"], one.code)
            for one in self.categories
            if data.get(f"rank_{one.code}") is not None
        ]
        ranks = [rank for rank, _code in ranked]
        if not ranked:
            raise ValidationError(_("Give a rank to at least one category."))
        if len(set(ranks)) != len(ranks):
            raise ValidationError(_("Give each category a different rank."))
        data["categories"] = [code for _rank, code in sorted(ranked)]
        start, end = data.get("period_start"), data.get("period_end")
        if isinstance(start, dt.date) and isinstance(end, dt.date):
            # The period rides along hidden: a refused one is said above the form.
            try:
                selectors.check_period(start, end)
            except ValidationError as exc:
                raise ValidationError(exc.messages) from None
        return data
