"""The public concern form (no login, no JavaScript) and the reference number lookup."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kenesh.consultations.concerns.forms import SettlementChoiceField, category_field
from kenesh.consultations.models import REFERENCE_LENGTH, TEXT_LENGTH, normalise_reference
from kenesh.core.forms import BootstrapFormMixin
from kenesh.geo.models import AdministrativeUnit, Level

#: The honeypot: a field people do not see (hidden by the page, named like one a robot fills
#: in). A form that comes back with it filled is refused and nothing is stored.
HONEYPOT = "website"


class PublicConcernForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(
        label=_("What worries you about safety here?"),
        max_length=TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Say what happens, where and when. Do not write other people's names."),
    )
    settlement = SettlementChoiceField(
        queryset=AdministrativeUnit.objects.none(),
        required=False,
        label=_("village or town"),
        empty_label=str(_("Not said")),
    )
    anonymous = forms.BooleanField(
        label=_("I want to stay anonymous (my contact is not kept)"), required=False
    )
    contact = forms.CharField(
        label=_("Your phone or e-mail, if you want an answer"),
        required=False,
        max_length=200,
        help_text=_("Only the local crime prevention centre and the police see it."),
    )
    public_requested = forms.BooleanField(
        label=_("My text may be shown publicly (without my contact)"), required=False
    )
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, unit: AdministrativeUnit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.fields["category"] = category_field(
            help_text=_("If you are not sure, leave it: the centre chooses.")
        )
        self.fields["category"].label = _("what it is about")
        self.fields["category"].widget.attrs["class"] = "form-select"
        self.order_fields(
            ["text", "category", "settlement", "anonymous", "contact", "public_requested"]
        )
        self.fields["settlement"].queryset = unit.children.filter(  # type: ignore[attr-defined]
            level=Level.SETTLEMENT
        ).order_by("name_ru")
        if not self.fields["settlement"].queryset.exists():  # type: ignore[attr-defined]
            del self.fields["settlement"]

    @property
    def caught(self) -> bool:
        """Whether the honeypot was filled in (call after ``is_valid()``)."""
        return bool(self.data.get(HONEYPOT, "").strip())

    def visible_fields(self) -> list[Any]:
        return [field for field in super().visible_fields() if field.name != HONEYPOT]

    def concern_data(self) -> dict[str, Any]:
        cleaned = self.cleaned_data
        anonymous = bool(cleaned["anonymous"])
        return {
            "unit": self.unit,
            "text": cleaned["text"],
            "category": cleaned.get("category"),
            "settlement": cleaned.get("settlement"),
            "anonymous": anonymous,
            "contact": "" if anonymous else cleaned["contact"].strip(),
            "public_requested": bool(cleaned["public_requested"]),
        }


class ReferenceForm(BootstrapFormMixin, forms.Form):
    reference = forms.CharField(
        label=_("reference number"),
        max_length=24,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "placeholder": "ABCDE-12345",
                "autocapitalize": "characters",
            }
        ),
    )

    def clean_reference(self) -> str:
        reference = normalise_reference(self.cleaned_data["reference"])
        if len(reference) != REFERENCE_LENGTH:
            raise forms.ValidationError(
                _("A reference number has %(n)d letters and digits, like ABCDE-12345.")
                % {"n": REFERENCE_LENGTH}
            )
        return reference
