"""Forms of the spatial analysis pages: which incidents (unit, period, category) and how."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kenesh.core.dates import validate_not_too_early
from kenesh.core.disclosure import MIN_AGGREGATE_CELL_M, Detail, detail_at
from kenesh.core.forms import BootstrapFormMixin
from kenesh.core.permissions import Action, Resource
from kenesh.geo.models import AdministrativeUnit, Level
from kenesh.incidents.categories import Category
from kenesh.incidents.spatial import selectors as spatial
from kenesh.incidents.spatial.schemas import DEFAULT_SPACE_EDGES, DEFAULT_TIME_EDGES
from kenesh.orgs.programmes import area_catalogue


def date_input() -> forms.DateInput:
    # ISO 8601 whatever the language, as the browser's date picker needs.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def analysable_units(user: Any) -> Any:
    """The municipalities in which the user may see incident statistics."""
    return AdministrativeUnit.objects.where_allowed(
        user, Action.AGGREGATE, Resource.INCIDENTS
    ).filter(level=Level.MUNICIPALITY)


class _IncidentSelectionForm(BootstrapFormMixin, forms.Form):
    unit = forms.ChoiceField(label=_("municipality"))
    date_from = forms.DateField(label=_("from"), required=False, widget=date_input())
    date_to = forms.DateField(label=_("to"), required=False, widget=date_input())
    category = forms.ChoiceField(label=_("category"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Pilots first, names told apart by rayon (one municipality at a time: no areas).
        self.catalogue = area_catalogue(analysable_units(user).defer("boundary"))
        self.fields["unit"].choices = self.catalogue.choices(areas=False)  # type: ignore[attr-defined]
        self.fields["category"].choices = [  # type: ignore[attr-defined]
            ("", _("All categories")),
            *((value, str(label).capitalize()) for value, label in Category.choices),
        ]

    def clean_date_from(self) -> dt.date | None:
        return self._not_too_early(self.cleaned_data.get("date_from"))

    def clean_date_to(self) -> dt.date | None:
        return self._not_too_early(self.cleaned_data.get("date_to"))

    @staticmethod
    def _not_too_early(value: dt.date | None) -> dt.date | None:
        if value is not None:
            validate_not_too_early(value)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period must not be before its start."))
        return data


class HotspotForm(_IncidentSelectionForm):
    # Not required, and no default here: left out, the map takes the default of the viewer's
    # level of detail (1 km for aggregate-only access, docs/privacy.md).
    cell_m = forms.IntegerField(
        label=_("cell size (metres)"),
        min_value=spatial.CELL_M_MIN,
        max_value=spatial.CELL_M_MAX,
        required=False,
        widget=forms.NumberInput(attrs={"step": 50}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        detail = detail_at(user, Resource.INCIDENTS) or Detail.PUBLIC
        self.fields["cell_m"].initial = spatial.default_cell_m(detail)
        if self.is_bound and not self.data.get("cell_m"):
            self.data = {**dict(self.data.items()), "cell_m": str(self.fields["cell_m"].initial)}
        if detail.aggregate_only:
            self.fields["cell_m"].help_text = _(
                "At your level of access, cells of %(metres)d m or more."
            ) % {"metres": int(MIN_AGGREGATE_CELL_M)}


class NearRepeatForm(_IncidentSelectionForm):
    space_edges = forms.CharField(
        label=_("distance bands (metres)"),
        initial=DEFAULT_SPACE_EDGES,
        max_length=200,
        help_text=_("Band edges separated by commas, e.g. 0,100,200,400,800,1600."),
    )
    time_edges = forms.CharField(
        label=_("time bands (days)"),
        initial=DEFAULT_TIME_EDGES,
        max_length=200,
        help_text=_("Band edges separated by commas, e.g. 0,7,14,21,28,35."),
    )
    permutations = forms.IntegerField(
        label=_("permutations"),
        min_value=1,
        max_value=spatial.PERMUTATIONS_MAX,
        initial=spatial.PERMUTATIONS_DEFAULT,
        help_text=_("More permutations give finer p-values and take longer."),
    )

    def clean_space_edges(self) -> tuple[float, ...]:
        return self._edges("space_edges", spatial.MAX_SPACE_EDGE_M)

    def clean_time_edges(self) -> tuple[float, ...]:
        return self._edges("time_edges", spatial.MAX_TIME_EDGE_DAYS, whole=True)

    def _edges(self, name: str, maximum: float, *, whole: bool = False) -> tuple[float, ...]:
        try:
            return spatial.parse_edges(
                self.cleaned_data[name], field=name, maximum=maximum, whole=whole
            )
        except spatial.AnalysisRefused as exc:
            raise forms.ValidationError(exc.message) from exc
