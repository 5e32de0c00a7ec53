"""Forms of the XLSForm pages: a form file to make a survey from."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from kenesh.consultations.models import SurveyRound
from kenesh.core.forms import BootstrapFormMixin
from kenesh.core.imports.forms import check_upload_size
from kenesh.core.permissions import Action, Resource
from kenesh.geo.models import AdministrativeUnit, Level


def survey_units(user: Any) -> Any:
    """The units where ``user`` may make surveys: municipalities, and the rayons, oblasts and
    country of programme-wide templates."""
    return (
        AdministrativeUnit.objects.where_allowed(user, Action.WRITE, Resource.SURVEYS)
        .exclude(level=Level.SETTLEMENT)
        .order_by("path")
    )


class XLSFormUploadForm(BootstrapFormMixin, forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=AdministrativeUnit.objects.none(),
        help_text=_("A survey above a municipality is a programme-wide template."),
    )
    round = forms.ChoiceField(label=_("Round"), choices=SurveyRound.choices)
    file = forms.FileField(
        label=_("XLSForm file"),
        help_text=format_lazy(
            _("The form as KoboToolbox or ODK keep it: an .xlsx workbook; at most {size} MB."),
            size=settings.MAX_UPLOAD_MB,
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = survey_units(user)
        field = self.fields["unit"]
        field.queryset = units  # type: ignore[attr-defined]
        only = list(units[:2])
        if len(only) == 1:
            field.initial = only[0].pk

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        problem = check_upload_size(upload.size)
        if problem:
            raise forms.ValidationError(problem)
        return upload
