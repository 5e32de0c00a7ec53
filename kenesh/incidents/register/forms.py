"""Forms of the incident register: the list filter and the incident itself, built for quick entry
on a phone: the counts of victims and offenders as one row per age band (female, male, sex
unknown), report date today, the user's municipality chosen, coordinates with a decimal comma or
point, and the external reference the imports key on."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from kenesh.core.forms import BootstrapFormMixin
from kenesh.core.masking import hidden_fields
from kenesh.core.permissions import Action, Resource
from kenesh.geo.geometry import KYRGYZSTAN_BOUNDS
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
    local_today,
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


class CoordinateField(forms.FloatField):
    """Decimal degrees typed with a decimal point or a decimal comma, in every language: "42,3"
    is 42.3 (Django's localised parsing would read the comma as a thousands separator in English
    and make it 423). Rendered with a point, which every language reads back."""

    widget = forms.TextInput

    def __init__(self, *, axis: str, **kwargs: Any) -> None:
        self.axis = axis
        kwargs.setdefault("localize", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value: Any) -> float | None:  # type: ignore[override]  # FloatField's own
        if isinstance(value, str):
            value = value.strip().replace(" ", "").replace("\u00a0", "")
            if value.count(",") == 1 and "." not in value:
                value = value.replace(",", ".")
        return super().to_python(value)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is None:
            return
        bounds = KYRGYZSTAN_BOUNDS
        low, high = (
            (bounds["south"], bounds["north"])
            if self.axis == "latitude"
            else (bounds["west"], bounds["east"])
        )
        if not low <= value <= high:
            message = (
                _(
                    "A latitude in Kyrgyzstan lies between %(low)s and %(high)s degrees north, "
                    "not %(value)s. Type decimal degrees, such as 42.337."
                )
                if self.axis == "latitude"
                else _(
                    "A longitude in Kyrgyzstan lies between %(low)s and %(high)s degrees east, "
                    "not %(value)s. Type decimal degrees, such as 78.224."
                )
            )
            raise forms.ValidationError(
                message,
                code="outside_kyrgyzstan",
                params={
                    "low": formats.number_format(low),
                    "high": formats.number_format(high),
                    "value": formats.number_format(int(value) if value.is_integer() else value),
                },
            )


EXTERNAL_REF_HELP = _(
    "The number of this report in the police registration journal, as written there (for "
    "example 2024-001). Required and unique in the municipality: imports recognise incidents by "
    "it, so a sheet that lists the same number later reports the incident as already "
    "registered instead of adding it twice."
)


class IncidentForm(BootstrapFormMixin, forms.ModelForm):
    """Register or change an incident; counts left empty are 0.

    A new incident needs its external reference (the police registration journal number), the
    key imports use: see :data:`EXTERNAL_REF_HELP` and docs/user-guide.md.
    """

    unit = UnitChoiceField(queryset=AdministrativeUnit.objects.none(), label=_("municipality"))
    settlement = UnitChoiceField(
        queryset=AdministrativeUnit.objects.none(), label=_("settlement"), required=False
    )
    latitude = CoordinateField(axis="latitude", label=_("latitude"), required=False)
    longitude = CoordinateField(axis="longitude", label=_("longitude"), required=False)

    class Meta:
        model = Incident
        # In the order an officer reads them off the journal entry.
        fields = [
            "unit",
            "external_ref",
            "iccs",
            "occurred_on",
            "occurred_at",
            "reported_on",
            "settlement",
            "latitude",
            "longitude",
            "status",
            "attempted",
            "context",
            "alcohol_or_drugs",
            "relationship",
            "narrative",
            "reporter_name",
            "reporter_contact",
            *PEOPLE_FIELDS,
        ]
        widgets = {
            "occurred_on": date_input(),
            "reported_on": date_input(),
            "occurred_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "narrative": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {"external_ref": EXTERNAL_REF_HELP}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reference = self.fields["external_ref"]
        # Required for every new incident; an old one registered without it may stay so, but
        # one that has it keeps it.
        reference.required = not self.instance.pk or bool(self.instance.external_ref)
        reference.widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        if not self.instance.pk and not self.is_bound:
            self.fields["reported_on"].initial = local_today()
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
                    "class": "form-control people-count",
                    "min": "0",
                    "inputmode": "numeric",
                    "placeholder": "0",
                    "aria-label": f"{ROLE_LABELS[role]}, {SEX_LABELS[sex]}, {BAND_LABELS[band]}",
                }
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in PEOPLE_FIELDS:
            if name in cleaned and cleaned[name] is None:
                cleaned[name] = 0
        if {"latitude", "longitude"} & set(self.errors):
            # One coordinate was refused with its reason: the model's "give both" would only
            # repeat it, so the point is left out of the model's checks altogether.
            for name in ("latitude", "longitude"):
                cleaned.pop(name, None)
        return cleaned

    @property
    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in PEOPLE_FIELDS]

    @property
    def entry_layout(self) -> list[tuple[str, Any]]:
        """The fields in order as ("field", bound field), with latitude and longitude as one
        ("location", [latitude, longitude]) item where the latitude is (they are side by side,
        with the "use my location" button)."""
        layout: list[tuple[str, Any]] = []
        for field in self.main_fields:
            if field.name == "latitude" and "longitude" in self.fields:
                layout.append(("location", [field, self["longitude"]]))
            elif field.name != "longitude" or "latitude" not in self.fields:
                layout.append(("field", field))
        return layout

    @property
    def sex_labels(self) -> list[Any]:
        return [SEX_LABELS[sex] for sex in PERSON_SEXES]

    @property
    def people_sections(self) -> list[dict[str, Any]]:
        """Victims and offenders, each a section of one row per age band with a count per sex
        (three number inputs side by side fit a 360 px phone). A section opens by itself when
        it holds counts or errors."""
        sections = []
        for role in PEOPLE_ROLES:
            names = [f"{role}_{sex}_{band}" for band in AGE_BANDS for sex in PERSON_SEXES]
            total = 0
            for name in names:
                value = str(self[name].value() or "").strip()
                if value.isdigit():  # a count as typed; anything else is the field's error
                    total += int(value)
            errors = any(self[name].errors for name in names)
            sections.append(
                {
                    "role": role,
                    "label": ROLE_LABELS[role],
                    "total": total,
                    "open": bool(total) or errors,
                    "rows": [
                        {
                            "band": BAND_LABELS[band],
                            "fields": [self[f"{role}_{sex}_{band}"] for sex in PERSON_SEXES],
                        }
                        for band in AGE_BANDS
                    ],
                }
            )
        return sections


def _sex_and_band(rest: str) -> tuple[str, str]:
    """ "sex_unknown_0_13" → ("sex_unknown", "0_13")."""
    for sex in PERSON_SEXES:
        if rest.startswith(f"{sex}_"):
            return sex, rest[len(sex) + 1 :]
    raise ValueError(rest)
