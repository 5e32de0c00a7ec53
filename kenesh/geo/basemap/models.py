"""Basemap layers and their features, stored as GeoJSON with a bounding box for extent queries."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kenesh.core.models import TimeStampedModel, localized_name


class FeatureKind(models.TextChoices):
    SETTLEMENT = "settlement", _("settlement")
    ROAD = "road", _("road")
    BOUNDARY = "boundary", _("boundary")
    WATER = "water", _("water")
    LANDMARK = "landmark", _("landmark")


class BasemapLayer(TimeStampedModel):
    """One loaded file, named by the operator: reloading a name replaces its features."""

    name = models.SlugField(_("name"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    source = models.CharField(
        _("source"), max_length=300, blank=True, help_text=_("Where the data come from (credit).")
    )
    synthetic = models.BooleanField(
        _("synthetic"), default=False, help_text=_("Invented places (the demo): not real.")
    )

    class Meta:
        verbose_name = _("basemap layer")
        verbose_name_plural = _("basemap layers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.title or self.name


class BasemapFeature(models.Model):
    """A settlement, road, outline, river or landmark: its GeoJSON geometry (longitude, latitude),
    its bounding box and a representative point (the point itself, or the mean of the vertices)
    for the nearest-settlement look-up."""

    layer = models.ForeignKey(BasemapLayer, on_delete=models.CASCADE, related_name="features")
    index = models.PositiveIntegerField(_("position in the file"))
    kind = models.CharField(_("kind"), max_length=16, choices=FeatureKind.choices)
    name = models.CharField(_("name"), max_length=200)
    name_ky = models.CharField(_("name (Kyrgyz)"), max_length=200, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    geometry = models.JSONField(_("geometry (GeoJSON)"))
    west = models.FloatField()
    south = models.FloatField()
    east = models.FloatField()
    north = models.FloatField()
    latitude = models.FloatField()
    longitude = models.FloatField()

    class Meta:
        verbose_name = _("basemap feature")
        verbose_name_plural = _("basemap features")
        ordering = ["layer", "index"]
        indexes = [models.Index(fields=["south", "west"], name="geo_basemap_extent")]
        constraints = [
            models.UniqueConstraint(
                fields=["layer", "index"], name="%(app_label)s_%(class)s_unique_index"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=FeatureKind.values),
                name="%(app_label)s_%(class)s_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(west__lte=models.F("east"), south__lte=models.F("north")),
                name="%(app_label)s_%(class)s_extent_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the active language where the file gives one, else its ``name``."""
        return localized_name(self) or self.name
