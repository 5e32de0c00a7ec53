"""Forms for organisations, working groups and members; choices limited to the user's scope."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
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
from kenesh.orgs.selectors import member_organisations


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


def date_input() -> forms.DateInput:
    """A browser date picker. Its value must be ISO 8601 whatever the language: Django would
    otherwise render the Russian and Kyrgyz "01.03.2017", which the picker shows as empty."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


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
        widgets = {"established_on": date_input()}

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
        widgets = {"valid_from": date_input(), "valid_to": date_input()}

    field_order = ["person", "full_name", "sex", "phone", "email", "position", "organisation"]

    def __init__(self, *args: Any, working_group: WorkingGroup, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.working_group = working_group
        self.fields["person"].queryset = (  # type: ignore[attr-defined]
            Person.objects.visible_to(user)
            .filter(unit=working_group.unit)
            .exclude(memberships__working_group=working_group)
        )
        self.fields["organisation"].queryset = member_organisations(  # type: ignore[attr-defined]
            user=user, working_group=working_group
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


class MembershipForm(BootstrapFormMixin, forms.ModelForm):
    """Change a membership: its type, the role in the group and its period. Setting the end
    date ends the membership; the person and the group stay as they are."""

    class Meta:
        model = Membership
        fields = ["member_type", "role_in_group", "valid_from", "valid_to"]
        widgets = {"valid_from": date_input(), "valid_to": date_input()}

    def add_error(self, field: str | None, error: Any) -> None:
        # The model's rules also speak of the person ("already a member for these dates"),
        # who is not a field of this form: such errors go above the form instead of failing.
        if field is None and hasattr(error, "error_dict"):
            placed: dict[str, list[Any]] = {}
            for name, errors in error.error_dict.items():
                placed.setdefault(name if name in self.fields else NON_FIELD_ERRORS, []).extend(
                    errors
                )
            error = forms.ValidationError(placed)
        super().add_error(field, error)
