"""Forms of the concern pages: the list's filters, a concern entered for a citizen, and the
steps of the loop (status, category, publication, merge)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kenesh.consultations.concerns.selectors import ConcernFilter, categories
from kenesh.consultations.models import (
    CONCERN_TRANSITIONS,
    TEXT_LENGTH,
    Concern,
    ConcernCategory,
    ConcernChannel,
    ConcernStatus,
    normalise_reference,
)
from kenesh.core.forms import BootstrapFormMixin
from kenesh.core.models import localized_name
from kenesh.core.permissions import Action, Resource
from kenesh.geo.models import AdministrativeUnit, Level

#: Channels staff enter a concern through on someone's behalf (the web form, SMS and Telegram
#: record their own).
STAFF_CHANNELS = (
    ConcernChannel.PHONE,
    ConcernChannel.STAFF,
    ConcernChannel.MEETING,
    ConcernChannel.SURVEY,
)


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ConcernCategory) -> str:
        return localized_name(obj)


def category_field(**kwargs: Any) -> CategoryChoiceField:
    return CategoryChoiceField(
        queryset=categories(),
        to_field_name="code",
        required=False,
        empty_label=str(_("Not chosen")),
        label=_("category"),
        **kwargs,
    )


def concern_units(user: Any, action: Action = Action.READ) -> list[AdministrativeUnit]:
    """The municipalities where the user may ``action`` concerns (for the list filter)."""
    return sorted(
        AdministrativeUnit.objects.where_allowed(user, action, Resource.CONCERNS).filter(
            level=Level.MUNICIPALITY
        ),
        key=lambda unit: unit.name,
    )


class ConcernFilterForm(BootstrapFormMixin, forms.Form):
    """The list's filters, with the API's parameter names, so a filtered list can be shared as
    a link. An invalid filter is shown and left out."""

    unit = forms.ChoiceField(label=_("municipality"), required=False)
    category = forms.ChoiceField(label=_("category"), required=False)
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[("", _("All statuses")), *ConcernStatus.choices],
    )
    channel = forms.ChoiceField(
        label=_("channel"),
        required=False,
        choices=[("", _("All channels")), *ConcernChannel.choices],
    )

    def __init__(self, *args: Any, user: Any, action: Action = Action.READ, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = forms.DateField(label=_("from"), required=False, widget=date_input())
        self.fields["to"] = forms.DateField(label=_("to"), required=False, widget=date_input())
        for name in ("from", "to"):
            self.fields[name].widget.attrs["class"] = "form-control"
        units = concern_units(user, action)
        self.units = {unit.code: unit for unit in units}
        self.fields["unit"].choices = [  # type: ignore[attr-defined]
            ("", _("All municipalities")),
            *((unit.code, unit.name) for unit in units),
        ]
        self.fields["category"].choices = [  # type: ignore[attr-defined]
            ("", _("All categories")),
            *((category.code, localized_name(category)) for category in categories()),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and start > end:
            self.add_error("to", _("The start date lies after the end date."))
        return cleaned

    def concern_filter(self) -> ConcernFilter:
        """The valid filters (call after ``is_valid()``; invalid ones are left out)."""
        cleaned = getattr(self, "cleaned_data", {})
        return ConcernFilter(
            unit=self.units.get(cleaned.get("unit") or ""),
            category=cleaned.get("category") or "",
            status=cleaned.get("status") or "",
            channel=cleaned.get("channel") or "",
            date_from=cleaned.get("from"),
            date_to=cleaned.get("to"),
        )


class SettlementChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: AdministrativeUnit) -> str:
        return obj.name


class ConcernCreateForm(BootstrapFormMixin, forms.Form):
    """A concern a staff member enters for a citizen (by phone, at a meeting, in the office)."""

    unit = forms.ModelChoiceField(
        queryset=AdministrativeUnit.objects.none(), label=_("municipality")
    )
    text = forms.CharField(
        label=_("what the person raised"),
        max_length=TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    channel = forms.ChoiceField(
        label=_("received by"),
        choices=[(channel.value, channel.label) for channel in STAFF_CHANNELS],
        initial=ConcernChannel.PHONE,
    )
    received_on = forms.DateField(
        label=_("received on"), required=False, widget=date_input(), initial=timezone.localdate
    )
    settlement = SettlementChoiceField(
        queryset=AdministrativeUnit.objects.none(),
        required=False,
        label=_("settlement"),
        empty_label=str(_("Not said")),
    )
    anonymous = forms.BooleanField(
        label=_("anonymous (no contact is kept)"),
        required=False,
    )
    contact = forms.CharField(
        label=_("contact (phone or address), if the person wants an answer"),
        required=False,
        max_length=200,
    )
    public_requested = forms.BooleanField(
        label=_("the person agrees that the text may be shown publicly"), required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"] = category_field()
        self.fields["category"].widget.attrs["class"] = "form-select"
        self.order_fields(
            [
                "unit",
                "text",
                "category",
                "settlement",
                "channel",
                "received_on",
                "anonymous",
                "contact",
                "public_requested",
            ]
        )
        units = AdministrativeUnit.objects.where_allowed(
            user, Action.WRITE, Resource.CONCERNS
        ).filter(level=Level.MUNICIPALITY)
        self.fields["unit"].queryset = units.order_by("name_ru")  # type: ignore[attr-defined]
        self.fields["unit"].label_from_instance = lambda unit: unit.name  # type: ignore[attr-defined]
        if len(units) == 1 and not self.is_bound:
            self.initial.setdefault("unit", units[0].pk)
        self.fields["settlement"].queryset = (  # type: ignore[attr-defined]
            AdministrativeUnit.objects.where_allowed(user, Action.WRITE, Resource.CONCERNS)
            .filter(level=Level.SETTLEMENT)
            .order_by("name_ru")
        )

    def clean_received_on(self) -> dt.date | None:
        day: dt.date | None = self.cleaned_data.get("received_on")
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError(_("The date lies in the future."))
        return day

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        unit, settlement = cleaned.get("unit"), cleaned.get("settlement")
        if unit is not None and settlement is not None and settlement.parent_id != unit.pk:
            self.add_error("settlement", _("The settlement must lie in the municipality."))
        if cleaned.get("anonymous"):
            cleaned["contact"] = ""
        return cleaned

    def concern_data(self) -> dict[str, Any]:
        cleaned = self.cleaned_data
        data = {
            name: cleaned[name]
            for name in (
                "unit",
                "text",
                "category",
                "settlement",
                "channel",
                "anonymous",
                "contact",
                "public_requested",
            )
        }
        day = cleaned.get("received_on")
        if day is not None and day != timezone.localdate():
            data["received_at"] = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
            data["status_changed_at"] = data["received_at"]
        return data


class StatusForm(BootstrapFormMixin, forms.Form):
    """The next step of the loop; "not actionable" needs a reason."""

    status = forms.ChoiceField(label=_("new status"))
    reason = forms.CharField(
        label=_("reason or note (shown to staff; needed for “not actionable”)"),
        required=False,
        max_length=TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, concern: Concern, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = CONCERN_TRANSITIONS.get(concern.status, frozenset())
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in ConcernStatus.choices if value in allowed
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("status") == ConcernStatus.NOT_ACTIONABLE
            and not (cleaned.get("reason") or "").strip()
        ):
            self.add_error("reason", _("Say why the concern is not actionable."))
        return cleaned


class CategoriseForm(BootstrapFormMixin, forms.Form):
    def __init__(self, *args: Any, concern: Concern, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"] = category_field()
        self.fields["category"].widget.attrs["class"] = "form-select"
        if not self.is_bound:
            self.initial["category"] = concern.category_id or concern.suggested_category_id


class ModerateForm(BootstrapFormMixin, forms.Form):
    public = forms.BooleanField(label=_("show the text publicly"), required=False)
    checked = forms.BooleanField(
        label=_("I have read the text: it names no one and holds no personal data"),
        required=False,
    )


class MergeForm(BootstrapFormMixin, forms.Form):
    keep = forms.CharField(
        label=_("reference number of the concern to keep"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "ABCDE-12345"}),
    )

    def clean_keep(self) -> str:
        return normalise_reference(self.cleaned_data["keep"])
