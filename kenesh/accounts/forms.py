from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kenesh.core.forms import BootstrapFormMixin


class TokenCreateForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the script or programme that uses it."),
    )
