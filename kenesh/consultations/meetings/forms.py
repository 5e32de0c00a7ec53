"""Forms of the meeting pages: the list's filters, the meeting with its attendance grid, a
concern raised at it, and an attachment."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from kenesh.consultations.meetings import selectors
from kenesh.consultations.meetings.files import ALLOWED_LABELS, KINDS
from kenesh.consultations.meetings.selectors import BAND_LABELS, SEX_LABELS, MeetingFilter
from kenesh.consultations.models import (
    ATTENDANCE_BANDS,
    ATTENDANCE_FIELDS,
    ATTENDANCE_SEXES,
    TEXT_LENGTH,
    ConcernCategory,
    Meeting,
    MeetingKind,
)
from kenesh.core.dates import validate_not_too_early
from kenesh.core.forms import BootstrapFormMixin
from kenesh.core.models import localized_name
from kenesh.geo.models import AdministrativeUnit
from kenesh.orgs.models import Organisation

MAX_ATTENDANCE = 100_000  # more than any meeting of a municipality; a typing error beyond


def date_input() -> forms.DateInput:
    """A browser date picker with an ISO value whatever the language."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class OrganiserField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.unit.name})"


class MeetingFilterForm(BootstrapFormMixin, forms.Form):
    """The list's filters, with the API's parameter names (``unit``, ``kind``, ``from``,
    ``to``), so a filtered list can be shared as a link. An invalid filter is shown and left
    out."""

    unit = forms.ChoiceField(label=_("municipality"), required=False)
    kind = forms.ChoiceField(
        label=_("kind"), required=False, choices=[("", _("All kinds")), *MeetingKind.choices]
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = forms.DateField(
            label=_("from"),
            required=False,
            widget=date_input(),
            validators=[validate_not_too_early],
        )
        self.fields["to"] = forms.DateField(
            label=_("to"), required=False, widget=date_input(), validators=[validate_not_too_early]
        )
        for name in ("from", "to"):
            self.fields[name].widget.attrs["class"] = "form-control"
        units = sorted(selectors.meeting_units(user=user), key=lambda unit: unit.name)
        self.units = {unit.code: unit for unit in units}
        self.fields["unit"].choices = [  # type: ignore[attr-defined]
            ("", _("All municipalities")),
            *((unit.code, unit.name) for unit in units),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and start > end:
            self.add_error("to", _("The start date lies after the end date."))
        return cleaned

    def meeting_filter(self) -> MeetingFilter:
        """The valid filters (call after ``is_valid()``; invalid ones are left out)."""
        cleaned = getattr(self, "cleaned_data", {})
        return MeetingFilter(
            unit=self.units.get(cleaned.get("unit") or ""),
            kind=cleaned.get("kind") or "",
            date_from=cleaned.get("from"),
            date_to=cleaned.get("to"),
        )


class MeetingForm(BootstrapFormMixin, forms.ModelForm):
    """Record or change a meeting. Attendance counts left empty are 0."""

    unit = UnitChoiceField(queryset=AdministrativeUnit.objects.none(), label=_("municipality"))
    settlement = UnitChoiceField(
        queryset=AdministrativeUnit.objects.none(), label=_("settlement"), required=False
    )
    organisers = OrganiserField(
        queryset=Organisation.objects.none(),
        label=_("organisers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Organisations of the municipality, of its settlements, or of the rayon, oblast or "
            "country above it."
        ),
    )

    class Meta:
        model = Meeting
        fields = [
            "unit",
            "held_on",
            "kind",
            "title",
            "settlement",
            "organisers",
            *ATTENDANCE_FIELDS,
            "decisions",
            "minutes",
        ]
        widgets = {
            "held_on": date_input(),
            "decisions": forms.Textarea(attrs={"rows": 4}),
            "minutes": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = selectors.writable_municipalities(user=user)
        if self.instance.pk:
            # A meeting stays in its municipality.
            units = units.filter(pk=self.instance.unit_id)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if not self.instance.pk and len(units[:2]) == 1:
            self.fields["unit"].initial = units[0].pk
        self.fields["settlement"].queryset = selectors.settlements_of(units)  # type: ignore[attr-defined]
        current = (
            list(self.instance.organisers.values_list("pk", flat=True)) if self.instance.pk else []
        )
        self.fields["organisers"].queryset = selectors.organiser_choices(  # type: ignore[attr-defined]
            user=user, current=current
        )
        self.fields["organisers"].widget.attrs["class"] = "list-unstyled mb-0"
        self.fields["held_on"].validators.append(validate_not_too_early)
        for name in ATTENDANCE_FIELDS:
            field = self.fields[name]
            field.required = False
            field.validators.append(MaxValueValidator(MAX_ATTENDANCE))
            sex, band = name.removeprefix("attended_").split("_", 1)
            field.widget.attrs.update(
                {
                    "class": "form-control attendance-count",
                    "min": "0",
                    "max": str(MAX_ATTENDANCE),
                    "inputmode": "numeric",
                    "placeholder": "0",
                    "aria-label": f"{SEX_LABELS[sex]}, {BAND_LABELS[band]}",
                }
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ATTENDANCE_FIELDS:
            if name in cleaned and cleaned[name] is None:
                cleaned[name] = 0
        return cleaned

    @property
    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("unit", "held_on", "kind", "title", "settlement")]

    @property
    def text_fields(self) -> list[forms.BoundField]:
        return [self["decisions"], self["minutes"]]

    @property
    def sex_labels(self) -> list[Any]:
        return [SEX_LABELS[sex] for sex in ATTENDANCE_SEXES]

    @property
    def attendance_rows(self) -> list[dict[str, Any]]:
        """One row per age band with a count per sex (fits a 360 px phone)."""
        return [
            {
                "band": BAND_LABELS[band],
                "fields": [self[f"attended_{sex}_{band}"] for sex in ATTENDANCE_SEXES],
            }
            for band in ATTENDANCE_BANDS
        ]

    @property
    def attendance_total(self) -> int:
        total = 0
        for name in ATTENDANCE_FIELDS:
            value = str(self[name].value() or "").strip()
            if value.isdigit():
                total += int(value)
        return total

    def meeting_data(self) -> dict[str, Any]:
        """The meeting's fields as the services take them (organisers apart)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "organisers"}


class CategoryField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return localized_name(obj)


class ConcernRaisedForm(BootstrapFormMixin, forms.Form):
    """A concern a participant raised at the meeting."""

    text = forms.CharField(
        label=_("concern"),
        max_length=TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the participant said, in their words."),
    )
    category = CategoryField(
        queryset=ConcernCategory.objects.filter(active=True).order_by("order", "code"),
        to_field_name="code",
        label=_("category"),
        required=False,
    )
    settlement = UnitChoiceField(
        queryset=AdministrativeUnit.objects.none(), label=_("settlement"), required=False
    )
    anonymous = forms.BooleanField(
        label=_("anonymous: the participant does not want to be named"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "concern")
        super().__init__(*args, **kwargs)
        settlements = selectors.settlements_of(
            AdministrativeUnit.objects.filter(pk=meeting.unit_id)
        )
        self.fields["settlement"].queryset = settlements  # type: ignore[attr-defined]
        if not self.is_bound and meeting.settlement_id:
            self.fields["settlement"].initial = meeting.settlement_id


ACCEPT = ",".join(extension for kind in KINDS for extension in kind.extensions)


class AttachmentForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("file"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args: Any, limit: str, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "attachment")
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("%(kinds)s; at most %(size)s.") % {
            "kinds": ALLOWED_LABELS,
            "size": limit,
        }
