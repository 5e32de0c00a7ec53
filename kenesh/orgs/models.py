"""Organisations, people and the crime prevention working group of each municipality."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kenesh.core.models import TimeStampedModel, TrilingualNameModel
from kenesh.core.scope import ScopedQuerySet


class OrganisationKind(models.TextChoices):
    POLICE_STATION = "police_station", _("police station")
    LCPC = "lcpc", _("local crime prevention centre")
    LOCAL_GOVERNMENT = "local_government", _("local self-government")
    MINISTRY = "ministry", _("ministry")
    NGO = "ngo", _("non-governmental organisation")
    SCHOOL = "school", _("school")
    INTERNATIONAL_PARTNER = "international_partner", _("international partner")
    DONOR = "donor", _("donor")


class OrganisationQuerySet(ScopedQuerySet["Organisation"]):
    scope_lookup = "unit"


class Organisation(TrilingualNameModel, TimeStampedModel):
    scope_resource = "organisations"

    kind = models.CharField(_("kind"), max_length=24, choices=OrganisationKind.choices)
    unit = models.ForeignKey(
        "geo.AdministrativeUnit",
        verbose_name=_("administrative unit"),
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name_ru"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind", "name_ru"], name="%(app_label)s_%(class)s_unique_name"
            )
        ]

    def clean(self) -> None:
        if (
            self.pk
            and self.kind != OrganisationKind.LCPC
            and WorkingGroup.objects.filter(lcpc_id=self.pk).exists()
        ):
            raise ValidationError(
                {"kind": _("This organisation is a working group's crime prevention centre.")}
            )


class Sex(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    UNKNOWN = "unknown", _("not stated")


class PersonQuerySet(ScopedQuerySet["Person"]):
    scope_lookup = "unit"


class Person(TimeStampedModel):
    scope_resource = "organisations"

    full_name = models.CharField(_("full name"), max_length=200)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, default=Sex.UNKNOWN)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )
    unit = models.ForeignKey(
        "geo.AdministrativeUnit",
        verbose_name=_("administrative unit"),
        on_delete=models.PROTECT,
        related_name="people",
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name

    def clean(self) -> None:
        organisation = self.organisation
        if organisation is not None and self.unit_id:
            person_path, organisation_path = self.unit.path, organisation.unit.path
            if not (
                person_path.startswith(organisation_path)
                or organisation_path.startswith(person_path)
            ):
                raise ValidationError(
                    {"organisation": _("The organisation must work where the person is.")}
                )


class WorkingGroupQuerySet(ScopedQuerySet["WorkingGroup"]):
    scope_lookup = "unit"


class WorkingGroup(TrilingualNameModel, TimeStampedModel):
    """The crime prevention working group of one municipality, around its LCPC."""

    scope_resource = "organisations"

    unit = models.OneToOneField(
        "geo.AdministrativeUnit",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="working_group",
    )
    lcpc = models.ForeignKey(
        Organisation,
        verbose_name=_("local crime prevention centre"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    established_on = models.DateField(_("established on"), null=True, blank=True)

    objects = WorkingGroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")
        ordering = ["unit__code"]

    def clean(self) -> None:
        from kenesh.geo.models import Level

        if self.unit_id and self.unit.level != Level.MUNICIPALITY:
            raise ValidationError(
                {"unit": _("The territory of a working group must be a municipality.")}
            )
        lcpc = self.lcpc
        if lcpc is not None and lcpc.kind != OrganisationKind.LCPC:
            raise ValidationError({"lcpc": _("Choose a local crime prevention centre.")})
        if lcpc is not None and self.unit_id and lcpc.unit_id != self.unit_id:
            raise ValidationError(
                {"lcpc": _("The crime prevention centre must be in the same municipality.")}
            )


class MemberType(models.TextChoices):
    LOCAL_GOVERNMENT = "local_government", _("local government")
    POLICE = "police", _("police")
    LCPC = "lcpc", _("LCPC")
    CIVIL_SOCIETY = "civil_society", _("civil society")
    OTHER = "other", _("other")


class MembershipQuerySet(ScopedQuerySet["Membership"]):
    scope_lookup = "working_group__unit"

    def current(self) -> MembershipQuerySet:
        from django.utils import timezone

        today = timezone.localdate()
        return self.filter(
            models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=today),
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=today),
        )


class Membership(TimeStampedModel):
    scope_resource = "organisations"

    working_group = models.ForeignKey(
        WorkingGroup,
        verbose_name=_("working group"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="memberships"
    )
    member_type = models.CharField(_("member type"), max_length=20, choices=MemberType.choices)
    role_in_group = models.CharField(_("role in the group"), max_length=100, blank=True)
    valid_from = models.DateField(_("from"), null=True, blank=True)
    valid_to = models.DateField(_("to"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["working_group", "member_type", "person__full_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="%(app_label)s_%(class)s_valid_period",
            ),
            models.UniqueConstraint(
                fields=["working_group", "person", "valid_from"],
                name="%(app_label)s_%(class)s_unique_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_member_type_display()})"

    def clean(self) -> None:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end date is before the start date.")})
        if (
            self.person_id
            and self.working_group_id
            and not self.person.unit.path.startswith(self.working_group.unit.path)
        ):
            raise ValidationError(
                {"person": _("The person must live or work in the group's municipality.")}
            )
        if self.person_id and self.working_group_id and self._overlapping().exists():
            raise ValidationError(
                {"person": _("The person is already a member of this group for these dates.")}
            )

    def _overlapping(self) -> models.QuerySet[Membership]:
        """Other memberships of the same person in the same group whose periods meet ours."""
        others = Membership.objects.filter(
            working_group_id=self.working_group_id, person_id=self.person_id
        ).exclude(pk=self.pk)
        if self.valid_to is not None:
            others = others.filter(
                models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=self.valid_to)
            )
        if self.valid_from is not None:
            others = others.filter(
                models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=self.valid_from)
            )
        return others


class Programme(TrilingualNameModel, TimeStampedModel):
    """A crime prevention programme: a donor and a partner working with a set of municipalities
    for a period (the pilot had ten). Programme figures cover its municipalities, not a user's
    whole area; the coordinator's lists and defaults start from it.

    Reference data, as geography is: every signed-in user may read it; what they may see of its
    municipalities is decided by their scope, municipality by municipality.
    """

    donor = models.ForeignKey(
        Organisation,
        verbose_name=_("donor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": OrganisationKind.DONOR},
    )
    partner = models.ForeignKey(
        Organisation,
        verbose_name=_("implementing partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    municipalities = models.ManyToManyField(
        "geo.AdministrativeUnit",
        verbose_name=_("municipalities"),
        related_name="programmes",
        limit_choices_to={"level": "municipality"},
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-start", "name_ru"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="%(app_label)s_%(class)s_valid_period",
            ),
            models.UniqueConstraint(fields=["name_ru"], name="%(app_label)s_%(class)s_unique_name"),
        ]

    def clean(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("The end date is before the start date.")})
        if self.donor_id and self.donor and self.donor.kind != OrganisationKind.DONOR:
            raise ValidationError({"donor": _("Choose an organisation of the kind donor.")})
