"""The crime and offence register: ICCS-coded incidents of a municipality."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kenesh.core.dates import EARLIEST_DATE, EARLIEST_DATE_MESSAGE
from kenesh.core.masking import RowRule
from kenesh.core.models import TimeStampedModel, TrilingualNameModel
from kenesh.core.scope import ScopedQuerySet
from kenesh.geo.geometry import in_kyrgyzstan_extent, point_in_geometry
from kenesh.incidents.categories import (
    Category,
    encode_categories,
    in_sensitive_category,
    incident_categories,
)


class IccsCategory(TrilingualNameModel):
    """A category of the UNODC International Classification of Crime for Statistical Purposes.

    Codes grow by digits per level: "05" (level 1) → "0502" (2) → "05025" (3) → "050211" (4).
    Reference data: shipped in ``data/iccs.csv`` and loaded by a migration.
    """

    scope_resource = "geography"

    code = models.CharField(_("ICCS code"), max_length=6, unique=True)
    level = models.PositiveSmallIntegerField(
        _("level"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        to_field="code",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("ICCS category")
        verbose_name_plural = _("ICCS categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


def iccs_level(code: str) -> int:
    """The ICCS level of a code: 2 digits → 1, 4 → 2, 5 → 3, 6 → 4."""
    return {2: 1, 4: 2, 5: 3, 6: 4}[len(code)]


def iccs_parent_code(code: str) -> str | None:
    if len(code) == 2:
        return None
    return code[:2] if len(code) == 4 else code[:-1]


class Status(models.TextChoices):
    REGISTERED = "registered", _("registered")
    UNDER_INVESTIGATION = "under_investigation", _("under investigation")
    SOLVED = "solved", _("solved")
    CLOSED = "closed", _("closed")
    REFERRED = "referred", _("referred")


class Context(models.TextChoices):
    NONE = "none", _("none")
    ORGANISED_CRIME = "organised_crime", _("organised crime")
    TERRORISM = "terrorism", _("terrorism-related")
    EXTREMISM = "extremism", _("extremism-related")


class Relationship(models.TextChoices):
    INTIMATE_PARTNER = "intimate_partner", _("intimate partner")
    FAMILY = "family", _("other family member")
    ACQUAINTANCE = "acquaintance", _("acquaintance")
    STRANGER = "stranger", _("stranger")
    UNKNOWN = "unknown", _("unknown")


PERSON_SEXES = ("female", "male", "sex_unknown")
AGE_BANDS = ("0_13", "14_17", "18_29", "30_59", "60_plus", "age_unknown")
JUVENILE_BANDS = ("0_13", "14_17")
PEOPLE_ROLES = ("victims", "offenders")


def people_fields(role: str, *, bands: tuple[str, ...] = AGE_BANDS) -> list[str]:
    """The count fields of ``role`` ("victims" or "offenders"), by sex then age band."""
    return [f"{role}_{sex}_{band}" for sex in PERSON_SEXES for band in bands]


PEOPLE_FIELDS = [name for role in PEOPLE_ROLES for name in people_fields(role)]


def _count() -> Any:
    return models.PositiveSmallIntegerField(default=0)


class PeopleCounts(models.Model):
    """Victims and offenders as counts by sex and age band (ICCS disaggregations).

    Counts, not names: the register holds no identity of victims or offenders. Columns rather
    than rows, so statistics are plain sums and a bulk import writes one row per incident.
    """

    victims_female_0_13 = _count()
    victims_female_14_17 = _count()
    victims_female_18_29 = _count()
    victims_female_30_59 = _count()
    victims_female_60_plus = _count()
    victims_female_age_unknown = _count()
    victims_male_0_13 = _count()
    victims_male_14_17 = _count()
    victims_male_18_29 = _count()
    victims_male_30_59 = _count()
    victims_male_60_plus = _count()
    victims_male_age_unknown = _count()
    victims_sex_unknown_0_13 = _count()
    victims_sex_unknown_14_17 = _count()
    victims_sex_unknown_18_29 = _count()
    victims_sex_unknown_30_59 = _count()
    victims_sex_unknown_60_plus = _count()
    victims_sex_unknown_age_unknown = _count()
    offenders_female_0_13 = _count()
    offenders_female_14_17 = _count()
    offenders_female_18_29 = _count()
    offenders_female_30_59 = _count()
    offenders_female_60_plus = _count()
    offenders_female_age_unknown = _count()
    offenders_male_0_13 = _count()
    offenders_male_14_17 = _count()
    offenders_male_18_29 = _count()
    offenders_male_30_59 = _count()
    offenders_male_60_plus = _count()
    offenders_male_age_unknown = _count()
    offenders_sex_unknown_0_13 = _count()
    offenders_sex_unknown_14_17 = _count()
    offenders_sex_unknown_18_29 = _count()
    offenders_sex_unknown_30_59 = _count()
    offenders_sex_unknown_60_plus = _count()
    offenders_sex_unknown_age_unknown = _count()

    class Meta:
        abstract = True

    def people_total(self, role: str, *, bands: tuple[str, ...] = AGE_BANDS) -> int:
        return sum(int(getattr(self, name)) for name in people_fields(role, bands=bands))


# The register starts with independent Kyrgyzstan (kenesh.core.dates).
MIN_DATE = EARLIEST_DATE
DUPLICATE_REFERENCE = "duplicate_external_ref"
NARRATIVE_LENGTH = 10_000  # characters: a page of police prose, and the same in API and import

_today_cache: tuple[float, dt.date] = (-1.0, dt.date.min)


def local_today() -> dt.date:
    """Today in the project's time zone, recomputed at most once a second.

    ``timezone.localdate()`` converts through zoneinfo on every call; an import validates
    tens of thousands of rows a second and every one asks whether its dates lie in the future.
    """
    global _today_cache
    now = time.monotonic()
    if now - _today_cache[0] > 1.0:
        _today_cache = (now, timezone.localdate())
    return _today_cache[1]


class IncidentQuerySet(ScopedQuerySet["Incident"]):
    scope_lookup = "unit"

    def in_category(self, category: str) -> IncidentQuerySet:
        return self.filter(categories__contains=f"|{category}|")

    def under_iccs(self, prefix: str) -> IncidentQuerySet:
        return self.filter(iccs__code__startswith=prefix)


class Incident(PeopleCounts, TimeStampedModel):
    """One crime or offence registered in a municipality."""

    scope_resource = "incidents"
    restricted_fields = ("narrative", "reporter_name", "reporter_contact")
    # The exact location of an incident in a sensitive category is the victim's home, nearly
    # always: only the police in scope see the point, everyone else the settlement's name.
    restricted_when = {
        ("latitude", "longitude"): RowRule(
            needs=("iccs_id", "categories"), test=in_sensitive_category
        ),
    }

    unit = models.ForeignKey(
        "geo.AdministrativeUnit",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="incidents",
        # (unit, occurred_on) and (unit, external_ref) both start with the unit: a third index
        # would only slow down every insert.
        db_index=False,
    )
    settlement = models.ForeignKey(
        "geo.AdministrativeUnit",
        verbose_name=_("settlement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="settlement_incidents",
    )
    iccs = models.ForeignKey(
        IccsCategory,
        verbose_name=_("ICCS category"),
        to_field="code",
        on_delete=models.PROTECT,
        related_name="incidents",
        # Lists and statistics reach incidents by unit and date (the composite indexes); an
        # ICCS prefix narrows those rows. An index here would cost every imported row twice
        # (a btree and a pattern index) for deleting an ICCS code, which never happens.
        db_index=False,
    )
    occurred_on = models.DateField(_("occurred on"))
    occurred_at = models.TimeField(_("time of day"), null=True, blank=True)
    reported_on = models.DateField(_("reported on"))
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    attempted = models.BooleanField(_("attempted"), default=False)
    context = models.CharField(
        _("situational context"), max_length=16, choices=Context.choices, default=Context.NONE
    )
    alcohol_or_drugs = models.BooleanField(_("alcohol or drugs involved"), default=False)
    relationship = models.CharField(
        _("victim–offender relationship"),
        max_length=16,
        choices=Relationship.choices,
        default=Relationship.UNKNOWN,
    )
    narrative = models.TextField(
        _("narrative"), blank=True, validators=[MaxLengthValidator(NARRATIVE_LENGTH)]
    )
    reporter_name = models.CharField(_("reporter"), max_length=200, blank=True)
    reporter_contact = models.CharField(_("reporter's contact"), max_length=200, blank=True)
    external_ref = models.CharField(_("external reference"), max_length=64, blank=True)
    categories = models.CharField(_("prevention categories"), max_length=200, editable=False)
    import_job = models.ForeignKey(
        "core.ImportJob",
        verbose_name=_("import"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # provenance, read one incident at a time; jobs are never deleted
    )

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["unit", "occurred_on"], name="incidents_unit_date"),
            models.Index(fields=["occurred_on"], name="incidents_date"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="%(app_label)s_%(class)s_unique_external_ref",
                violation_error_code=DUPLICATE_REFERENCE,
                violation_error_message=_(
                    "Another incident of this municipality has this external reference."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(reported_on__gte=models.F("occurred_on")),
                name="%(app_label)s_%(class)s_reported_after_occurred",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="%(app_label)s_%(class)s_location_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.iccs_id} {self.occurred_on:%Y-%m-%d}" + (
            f" ({self.external_ref})" if self.external_ref else ""
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.derive_categories()
        super().save(*args, **kwargs)

    @property
    def category_list(self) -> list[str]:
        return [value for value in self.categories.split("|") if value]

    def juvenile_offenders(self) -> int:
        return self.people_total("offenders", bands=JUVENILE_BANDS)

    def derive_categories(self) -> None:
        """Store the prevention categories (see :mod:`kenesh.incidents.categories`)."""
        self.categories = encode_categories(
            incident_categories(
                iccs_code=self.iccs_id or "",
                relationship=self.relationship,
                context=self.context,
                juvenile_offenders=self.juvenile_offenders(),
            )
        )

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        unit = self.unit if self.unit_id else None
        from kenesh.geo.models import Level

        if unit is not None and unit.level != Level.MUNICIPALITY:
            errors["unit"] = _("Choose a municipality.")
        settlement = self.settlement if self.settlement_id else None
        if settlement is not None and unit is not None and not unit.covers(settlement):
            errors["settlement"] = _("The settlement must lie in the municipality.")
        elif settlement is not None and settlement.level != Level.SETTLEMENT:
            errors["settlement"] = _("Choose a settlement.")
        today = local_today()
        if isinstance(self.occurred_on, dt.date):
            if self.occurred_on > today:
                errors["occurred_on"] = _("The date lies in the future.")
            elif self.occurred_on < MIN_DATE:
                errors["occurred_on"] = EARLIEST_DATE_MESSAGE
        if isinstance(self.reported_on, dt.date):
            if self.reported_on > today:
                errors["reported_on"] = _("The date lies in the future.")
            elif self.reported_on < MIN_DATE:
                errors["reported_on"] = EARLIEST_DATE_MESSAGE
            elif isinstance(self.occurred_on, dt.date) and self.reported_on < self.occurred_on:
                errors["reported_on"] = _("An incident cannot be reported before it occurred.")
        errors.update(self._location_errors(unit))
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude: Any = None) -> None:
        """As Django's, with a repeated external reference reported at its field, named."""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict({})
            general = errors.get(NON_FIELD_ERRORS, [])
            duplicate = [error for error in general if error.code == DUPLICATE_REFERENCE]
            if duplicate:
                # Named with the reference: the answer to a client that sent several at once
                # (or to one of twelve identical requests) says which one is taken.
                taken = ValidationError(
                    _("Another incident of this municipality has the external reference %(ref)s."),
                    code=DUPLICATE_REFERENCE,
                    params={"ref": self.external_ref},
                )
                errors["external_ref"] = [*errors.get("external_ref", []), taken]
                rest = [error for error in general if error.code != DUPLICATE_REFERENCE]
                if rest:
                    errors[NON_FIELD_ERRORS] = rest
                else:
                    errors.pop(NON_FIELD_ERRORS, None)
            raise ValidationError(errors) from exc

    def _location_errors(self, unit: Any) -> dict[str, Any]:
        latitude, longitude = self.latitude, self.longitude
        if latitude is None and longitude is None:
            return {}
        if latitude is None or longitude is None:
            missing = "latitude" if latitude is None else "longitude"
            return {missing: _("Give both latitude and longitude, or neither.")}
        if not in_kyrgyzstan_extent(latitude, longitude):
            return {"latitude": _("The location does not lie in Kyrgyzstan.")}
        boundary = getattr(unit, "boundary", None)
        if boundary and not point_in_geometry(longitude, latitude, boundary):
            return {"latitude": _("The location lies outside the municipality's boundary.")}
        return {}


__all__ = ["Category", "Context", "IccsCategory", "Incident", "Relationship", "Status"]
