"""Base pieces shared by every domain model."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class TrilingualNameModel(models.Model):
    """A name in Kyrgyz, Russian and English; ``name`` picks the active language."""

    name_ky = models.CharField(_("name (Kyrgyz)"), max_length=200, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized_name(self)


def localized_name(obj: Any, language: str | None = None) -> str:
    """The object's name in ``language`` (default: the active one), falling back to ru, en, ky."""
    language = (language or translation.get_language() or "ky").split("-")[0]
    for code in (language, "ru", "en", "ky"):
        value = getattr(obj, f"name_{code}", "")
        if value:
            return str(value)
    return ""
