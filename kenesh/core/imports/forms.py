"""The upload form of an import page (any kind)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from kenesh.core.forms import BootstrapFormMixin
from kenesh.core.middleware import max_upload_bytes
from kenesh.core.models import ImportMapping

MODES = [
    ("all_or_nothing", _("Write nothing if any row has an error")),
    ("skip_invalid", _("Write the valid rows and give me the rejected ones")),
]


def check_upload_size(size: int | None) -> str | None:
    """Why an uploaded file cannot be taken by its size, or ``None`` (pages and API alike)."""
    if not size:
        return str(_("The file is empty."))
    if size > max_upload_bytes():
        return str(_("The file is larger than %(size)d MB.") % {"size": settings.MAX_UPLOAD_MB})
    return None


class ImportUploadForm(BootstrapFormMixin, forms.Form):
    """A sheet to import as ``kind``: the file, what to do with bad rows, a dry run, and one of
    the kind's saved header mappings."""

    file = forms.FileField(
        label=_("File"),
        help_text=format_lazy(
            _("CSV or XLSX with the columns of the template; at most {size} MB."),
            size=settings.MAX_UPLOAD_MB,
        ),
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

    def __init__(self, kind: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mapping"].queryset = ImportMapping.objects.filter(kind=kind)  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        problem = check_upload_size(upload.size)
        if problem:
            raise forms.ValidationError(problem)
        return upload
