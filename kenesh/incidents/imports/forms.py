"""The upload form of the incident import page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kenesh.core.forms import BootstrapFormMixin
from kenesh.core.models import ImportMapping
from kenesh.incidents.imports.spec import KIND

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MODES = [
    ("all_or_nothing", _("Write nothing if any row has an error")),
    ("skip_invalid", _("Write the valid rows and give me the rejected ones")),
]


class IncidentImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV or XLSX with the columns of the template; at most 50 MB."),
    )
    mode = forms.ChoiceField(
        label=_("If some rows have errors"),
        choices=MODES,
        initial="all_or_nothing",
        widget=forms.RadioSelect,
    )
    dry_run = forms.BooleanField(label=_("Only check the file, write nothing"), required=False)
    mapping = forms.ModelChoiceField(
        label=_("Column headers"),
        queryset=ImportMapping.objects.none(),
        required=False,
        empty_label=_("The template's headers"),
        help_text=_("A saved mapping for a sheet whose headers differ from the template."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mapping"].queryset = ImportMapping.objects.filter(kind=KIND)  # type: ignore[attr-defined]
        self.fields["mode"].widget.attrs["class"] = "form-check-input"

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        return upload
