"""Forms for organisations, working groups and members; choices limited to the user's scope."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kenesh.core.forms import BootstrapFormMixin
from kenesh.core.permissions import Action, Resource
from kenesh.geo.models import AdministrativeUnit, Level
from kenesh.orgs.models import (
    Membership,
    Organisation,
    OrganisationKind,
    Person,
    Sex,
    WorkingGroup,
)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


def writable_units(user: Any) -> Any:
    return AdministrativeUnit.objects.where_allowed(
        user, Action.WRITE, Resource.ORGANISATIONS
    ).exclude(level=Level.SETTLEMENT)


class OrganisationForm(BootstrapFormMixin, forms.ModelForm):
    unit = UnitChoiceField(
        queryset=AdministrativeUnit.objects.none(), label=_("administrative unit")
    )
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = [
            "kind",
            "unit",
            "name_ky",
            "name_ru",
            "name_en",
            "address",
            "phone",
            "email",
            "website",
        ]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = writable_units(user)
        if self.instance.pk:
            # An organisation does not move between municipalities through this form; its own
            # unit stays the one choice even where new ones are not offered (a settlement).
            units = AdministrativeUnit.objects.where_allowed(
                user, Action.WRITE, Resource.ORGANISATIONS
            ).filter(pk=self.instance.unit_id)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class WorkingGroupForm(BootstrapFormMixin, forms.ModelForm):
    unit = UnitChoiceField(queryset=AdministrativeUnit.objects.none(), label=_("municipality"))

    class Meta:
        model = WorkingGroup
        fields = ["unit", "name_ky", "name_ru", "name_en", "lcpc", "established_on"]
        widgets = {"established_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = writable_units(user).filter(level=Level.MUNICIPALITY)
        if self.instance.pk:
            units = units.filter(pk=self.instance.unit_id)
        else:
            units = units.filter(working_group__isnull=True)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["lcpc"].queryset = Organisation.objects.where_allowed(  # type: ignore[attr-defined]
            user, Action.WRITE, Resource.ORGANISATIONS
        ).filter(kind=OrganisationKind.LCPC)


class MemberForm(BootstrapFormMixin, forms.ModelForm):
    """Add a member: pick a person of the municipality, or type a new one."""

    person = forms.ModelChoiceField(
        queryset=Person.objects.none(), required=False, label=_("existing person")
    )
    full_name = forms.CharField(
        label=_("or a new person: full name"), required=False, max_length=200
    )
    sex = forms.ChoiceField(label=_("sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    phone = forms.CharField(label=_("phone"), required=False, max_length=40)
    email = forms.EmailField(label=_("email"), required=False)
    position = forms.CharField(label=_("position"), required=False, max_length=200)
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), required=False, label=_("organisation")
    )

    class Meta:
        model = Membership
        fields = ["member_type", "role_in_group", "valid_from", "valid_to"]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_to": forms.DateInput(attrs={"type": "date"}),
        }

    field_order = ["person", "full_name", "sex", "phone", "email", "position", "organisation"]

    def __init__(self, *args: Any, working_group: WorkingGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.working_group = working_group
        self.fields["person"].queryset = Person.objects.filter(  # type: ignore[attr-defined]
            unit=working_group.unit
        ).exclude(memberships__working_group=working_group)
        self.fields["organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            unit__path__startswith=working_group.unit.path
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if bool(cleaned.get("person")) == bool(cleaned.get("full_name")):
            raise forms.ValidationError(
                _("Choose an existing person or type the name of a new one (not both).")
            )
        return cleaned

    def new_person_data(self) -> dict[str, Any] | None:
        if self.cleaned_data.get("person"):
            return None
        return {
            key: self.cleaned_data[key]
            for key in ("full_name", "sex", "phone", "email", "position", "organisation")
        }

    def membership_data(self) -> dict[str, Any]:
        return {key: self.cleaned_data[key] for key in self.Meta.fields}
