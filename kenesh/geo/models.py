"""Administrative units of Kyrgyzstan and the denominators of every rate (population, livestock)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from kenesh.core.models import TimeStampedModel, TrilingualNameModel
from kenesh.core.scope import ScopedQuerySet

soate_code_validator = RegexValidator(
    r"^417\d{11}$", _("A SOATE code has 14 digits and starts with 417 (Kyrgyzstan).")
)


class Level(models.TextChoices):
    COUNTRY = "country", _("Country")
    OBLAST = "oblast", _("Oblast")
    RAYON = "rayon", _("Rayon")
    MUNICIPALITY = "municipality", _("Municipality")
    SETTLEMENT = "settlement", _("Settlement")


LEVEL_DEPTH = {Level.COUNTRY: 0, Level.OBLAST: 1, Level.RAYON: 2, Level.MUNICIPALITY: 3}


class UnitKind(models.TextChoices):
    COUNTRY = "country", _("country")
    OBLAST = "oblast", _("oblast")
    REPUBLICAN_CITY = "republican_city", _("city of republican significance")
    RAYON = "rayon", _("rayon")
    OBLAST_CITY = "oblast_city", _("city of oblast significance")
    AIYL_AIMAK = "aiyl_aimak", _("aiyl aimak")
    CITY = "city", _("city")
    SETTLEMENT = "settlement", _("settlement")


def validate_boundary(value: Any) -> None:
    """A boundary is a GeoJSON Polygon or MultiPolygon geometry with closed linear rings."""
    if value in (None, ""):
        return
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ValidationError(_("The boundary is not valid JSON.")) from exc
    if not isinstance(value, dict) or value.get("type") not in {"Polygon", "MultiPolygon"}:
        raise ValidationError(_("The boundary must be a GeoJSON Polygon or MultiPolygon."))
    coordinates = value.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        raise ValidationError(_("The boundary has no coordinates."))
    polygons = [coordinates] if value["type"] == "Polygon" else coordinates
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise ValidationError(_("Each polygon needs at least one linear ring."))
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 4:
                raise ValidationError(_("A linear ring needs at least four positions."))
            for position in ring:
                if (
                    not isinstance(position, list)
                    or len(position) < 2
                    or not all(isinstance(c, int | float) for c in position[:2])
                    or not (-180 <= position[0] <= 180 and -90 <= position[1] <= 90)
                ):
                    raise ValidationError(_("Positions must be [longitude, latitude] in degrees."))
            if ring[0][:2] != ring[-1][:2]:
                raise ValidationError(_("A linear ring must end where it starts."))


class AdministrativeUnitQuerySet(ScopedQuerySet["AdministrativeUnit"]):
    scope_lookup = "self"

    def at_level(self, level: str) -> AdministrativeUnitQuerySet:
        return self.filter(level=level)

    def current(self) -> AdministrativeUnitQuerySet:
        from django.utils import timezone

        today = timezone.localdate()
        return self.filter(
            models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=today),
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=today),
        )


class AdministrativeUnit(TrilingualNameModel, TimeStampedModel):
    """A unit of the national classifier (SOATE): country, oblast, rayon, municipality, settlement.

    ``path`` holds the SOATE codes from the country down to this unit, separated and ended by
    "/", so "everything below a unit" is one indexed prefix match on every database.
    """

    scope_resource = "geography"

    code = models.CharField(
        _("SOATE code"), max_length=14, unique=True, validators=[soate_code_validator]
    )
    iso_code = models.CharField(_("ISO 3166-2 code"), max_length=6, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, db_index=True, editable=False)
    latitude = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    boundary = models.JSONField(
        _("boundary (GeoJSON)"), null=True, blank=True, validators=[validate_boundary]
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = AdministrativeUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="%(app_label)s_%(class)s_valid_period",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="%(app_label)s_%(class)s_centroid_complete",
            ),
        ]

    def clean(self) -> None:
        parent = self.parent
        # ``self.path`` is still the stored path here: a new parent inside it is a loop.
        if parent is not None and (
            parent.pk == self.pk or (self.pk and self.path and parent.path.startswith(self.path))
        ):
            raise ValidationError({"parent": _("A unit cannot lie below itself.")})

    def save(self, *args: Any, **kwargs: Any) -> None:
        old_path = self.path if self.pk else ""
        if self.pk and "update_fields" not in kwargs:
            old_path = (
                AdministrativeUnit.objects.filter(pk=self.pk).values_list("path", flat=True).first()
                or ""
            )
        self.path = (self.parent.path if self.parent else "/") + f"{self.code}/"
        with transaction.atomic():
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                self._move_descendants(old_path)

    def _move_descendants(self, old_path: str) -> None:
        """Rewrite the paths below a unit that moved or changed code, so scope follows it."""
        below = list(
            AdministrativeUnit.objects.filter(path__startswith=old_path).exclude(pk=self.pk)
        )
        for unit in below:
            unit.path = self.path + unit.path[len(old_path) :]
        AdministrativeUnit.objects.bulk_update(below, ["path"], batch_size=500)

    @property
    def ancestor_codes(self) -> list[str]:
        return [code for code in self.path.split("/") if code and code != self.code]

    def ancestors(self) -> AdministrativeUnitQuerySet:
        return AdministrativeUnit.objects.filter(code__in=self.ancestor_codes).order_by("path")

    def descendants(self) -> AdministrativeUnitQuerySet:
        return AdministrativeUnit.objects.filter(path__startswith=self.path).exclude(pk=self.pk)

    def covers(self, other: AdministrativeUnit) -> bool:
        """Whether ``other`` is this unit or lies below it."""
        return other.path.startswith(self.path)

    @property
    def scope_path(self) -> str:
        return self.path


class Species(models.TextChoices):
    CATTLE = "cattle", _("cattle")
    YAK = "yak", _("yak")
    HORSE = "horse", _("horse")
    SHEEP = "sheep", _("sheep")
    GOAT = "goat", _("goat")


class PopulationCount(TimeStampedModel):
    """Resident population of a unit on 1 January of a year (National Statistical Committee)."""

    unit = models.ForeignKey(
        AdministrativeUnit, on_delete=models.CASCADE, related_name="population_counts"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    population = models.PositiveIntegerField(_("population"))

    class Meta:
        verbose_name = _("population count")
        verbose_name_plural = _("population counts")
        ordering = ["unit__code", "year"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="%(app_label)s_%(class)s_unique")
        ]


class LivestockCount(TimeStampedModel):
    """Head count of one species in a unit at the start of a year."""

    unit = models.ForeignKey(
        AdministrativeUnit, on_delete=models.CASCADE, related_name="livestock_counts"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    species = models.CharField(_("species"), max_length=8, choices=Species.choices)
    heads = models.PositiveIntegerField(_("heads"))

    class Meta:
        verbose_name = _("livestock count")
        verbose_name_plural = _("livestock counts")
        ordering = ["unit__code", "year", "species"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "species"], name="%(app_label)s_%(class)s_unique"
            )
        ]


# The basemap's models live in their feature package; imported here so Django registers them.
from kenesh.geo.basemap.models import BasemapFeature, BasemapLayer  # noqa: E402, F401
