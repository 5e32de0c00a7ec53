"""Forms of the incident register: the list filter and the incident itself, with the counts of
victims and offenders as a grid of small number inputs."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kenesh.core.forms import BootstrapFormMixin
from kenesh.core.masking import hidden_fields
from kenesh.core.permissions import Action, Resource
from kenesh.geo.models import AdministrativeUnit, Level
from kenesh.incidents.categories import Category
from kenesh.incidents.filters import IncidentFilter
from kenesh.incidents.models import (
    AGE_BANDS,
    PEOPLE_FIELDS,
    PEOPLE_ROLES,
    PERSON_SEXES,
    Incident,
    Status,
)
from kenesh.incidents.selectors import incident_units

ROLE_LABELS = {"victims": _("Victims"), "offenders": _("Offenders")}
SEX_LABELS = {"female": _("female"), "male": _("male"), "sex_unknown": _("sex unknown")}
BAND_LABELS = {
    "0_13": "0–13",
    "14_17": "14–17",
    "18_29": "18–29",
    "30_59": "30–59",
    "60_plus": "60+",
    "age_unknown": _("age unknown"),
}


def date_input() -> forms.DateInput:
    """A browser date picker with an ISO value whatever the language (see orgs.forms)."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class IncidentFilterForm(BootstrapFormMixin, forms.Form):
    """The list's filters, with the API's parameter names (``from``, ``to``, ...), so a
    filtered list can be shared as a link. An invalid filter is shown and left out."""

    unit = forms.ChoiceField(label=_("municipality"), required=False)
    iccs = forms.CharField(
        label=_("ICCS code starts with"),
        required=False,
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "05"}),
    )
    category = forms.ChoiceField(
        label=_("prevention category"),
        required=False,
        choices=[("", _("All categories")), *Category.choices],
    )
    status = forms.ChoiceField(
        label=_("status"), required=False, choices=[("", _("All statuses")), *Status.choices]
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = forms.DateField(label=_("from"), required=False, widget=date_input())
        self.fields["to"] = forms.DateField(label=_("to"), required=False, widget=date_input())
        self.order_fields(["unit", "from", "to", "iccs", "category", "status"])
        units = sorted(incident_units(user=user), key=lambda unit: unit.name)
        self.units = {unit.code: unit for unit in units}
        self.fields["unit"].choices = [  # type: ignore[attr-defined]
            ("", _("All municipalities")),
            *((unit.code, unit.name) for unit in units),
        ]
        # BootstrapFormMixin ran before "from" and "to" existed.
        for name in ("from", "to"):
            self.fields[name].widget.attrs["class"] = "form-control"

    def clean_iccs(self) -> str:
        code: str = self.cleaned_data.get("iccs", "").strip()
        if code and not re.fullmatch(r"[0-9]{1,6}", code):
            raise forms.ValidationError(_("An ICCS code has digits only."))
        return code

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and start > end:
            self.add_error("to", _("The start date lies after the end date."))
        return cleaned

    def incident_filter(self) -> IncidentFilter:
        """The valid filters (call after ``is_valid()``; invalid ones are left out)."""
        cleaned = getattr(self, "cleaned_data", {})
        return IncidentFilter(
            unit=self.units.get(cleaned.get("unit") or ""),
            date_from=cleaned.get("from"),
            date_to=cleaned.get("to"),
            iccs=cleaned.get("iccs") or "",
            category=cleaned.get("category") or "",
            status=cleaned.get("status") or "",
        )


def writable_units(user: Any) -> Any:
    return AdministrativeUnit.objects.where_allowed(user, Action.WRITE, Resource.INCIDENTS)


class IncidentForm(BootstrapFormMixin, forms.ModelForm):
    """Register or change an incident; counts left empty are 0."""

    unit = UnitChoiceField(queryset=AdministrativeUnit.objects.none(), label=_("municipality"))
    settlement = UnitChoiceField(
        queryset=AdministrativeUnit.objects.none(), label=_("settlement"), required=False
    )

    class Meta:
        model = Incident
        fields = [
            "unit",
            "settlement",
            "iccs",
            "occurred_on",
            "occurred_at",
            "reported_on",
            "latitude",
            "longitude",
            "status",
            "attempted",
            "context",
            "alcohol_or_drugs",
            "relationship",
            "external_ref",
            "narrative",
            "reporter_name",
            "reporter_contact",
            *PEOPLE_FIELDS,
        ]
        widgets = {
            "occurred_on": date_input(),
            "reported_on": date_input(),
            "occurred_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "latitude": forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            "longitude": forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            "narrative": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        writable = writable_units(user)
        units = writable.filter(level=Level.MUNICIPALITY)
        if self.instance.pk:
            # An incident stays in its municipality; its settlement may change within it.
            units = units.filter(pk=self.instance.unit_id)
            settlements = writable.filter(
                level=Level.SETTLEMENT, path__startswith=self.instance.unit.path
            )
        else:
            settlements = writable.filter(level=Level.SETTLEMENT)
        self.fields["unit"].queryset = units.order_by("code")  # type: ignore[attr-defined]
        if not self.instance.pk and len(units[:2]) == 1:
            self.fields["unit"].initial = units[0].pk  # an officer of one municipality
        self.fields["settlement"].queryset = settlements.order_by("code")  # type: ignore[attr-defined]
        if self.instance.pk:
            # Masking declared on the model: what this user may not see is not on the form.
            for name in hidden_fields(user, self.instance):
                self.fields.pop(name, None)
        for name in PEOPLE_FIELDS:
            field = self.fields[name]
            field.required = False
            role, rest = name.split("_", 1)
            sex, band = _sex_and_band(rest)
            field.widget.attrs.update(
                {
                    "class": "form-control form-control-sm",
                    "min": "0",
                    "inputmode": "numeric",
                    "aria-label": f"{ROLE_LABELS[role]}, {SEX_LABELS[sex]}, {BAND_LABELS[band]}",
                }
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in PEOPLE_FIELDS:
            if name in cleaned and cleaned[name] is None:
                cleaned[name] = 0
        return cleaned

    @property
    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in PEOPLE_FIELDS]

    @property
    def people_grid(self) -> list[dict[str, Any]]:
        """Victims and offenders: a row per sex, a number input per age band."""
        return [
            {
                "role": ROLE_LABELS[role],
                "rows": [
                    {
                        "sex": SEX_LABELS[sex],
                        "fields": [self[f"{role}_{sex}_{band}"] for band in AGE_BANDS],
                    }
                    for sex in PERSON_SEXES
                ],
            }
            for role in PEOPLE_ROLES
        ]


def _sex_and_band(rest: str) -> tuple[str, str]:
    """ "sex_unknown_0_13" → ("sex_unknown", "0_13")."""
    for sex in PERSON_SEXES:
        if rest.startswith(f"{sex}_"):
            return sex, rest[len(sex) + 1 :]
    raise ValueError(rest)
