"""Consultations with the population: surveys, community meetings, citizens' concerns, and the
priorities a working group adopts from them.

Every record lies in a municipality (``unit``) and is scoped through it
(:class:`kenesh.core.scope.ScopedQuerySet`). A survey's questions and options carry a stable
``code`` (the XLSForm ``name``), so two rounds of one questionnaire are compared by code.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kenesh.core.models import TimeStampedModel, TrilingualNameModel, localized_name
from kenesh.core.scope import ScopedQuerySet

TEXT_LENGTH = 5_000  # characters of a concern's or a free answer's text
CODE_VALIDATOR_MESSAGE = _("Use letters, digits and underscores, starting with a letter.")


def code_field(verbose_name: Any, **kwargs: Any) -> models.CharField[Any, Any]:
    return models.CharField(verbose_name, max_length=64, **kwargs)


class TrilingualTextModel(models.Model):
    """A text in Kyrgyz, Russian and English; ``text`` picks the reader's language."""

    text_ky = models.CharField(_("text (Kyrgyz)"), max_length=500, blank=True)
    text_ru = models.CharField(_("text (Russian)"), max_length=500, blank=True)
    text_en = models.CharField(_("text (English)"), max_length=500, blank=True)

    class Meta:
        abstract = True

    @property
    def text(self) -> str:
        for code in _languages():
            value = getattr(self, f"text_{code}", "")
            if value:
                return str(value)
        return ""

    def clean(self) -> None:
        super().clean()
        if not (self.text_ky or self.text_ru or self.text_en):
            raise ValidationError(_("Give the text in at least one language."))


def _languages() -> tuple[str, ...]:
    from django.utils import translation

    language = (translation.get_language() or "ky").split("-")[0]
    return (language, "ru", "ky", "en")


# Respondents and attendance ----------------------------------------------------------------------


class RespondentSex(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    NOT_SAID = "not_said", _("not said")


class AgeBand(models.TextChoices):
    """Age bands of respondents and meeting participants (the perception survey asks people
    aged 14 and over; 14–17 are the juveniles of the juvenile-delinquency priority)."""

    AGE_14_17 = "14_17", _("14–17")
    AGE_18_29 = "18_29", _("18–29")
    AGE_30_44 = "30_44", _("30–44")
    AGE_45_59 = "45_59", _("45–59")
    AGE_60_PLUS = "60_plus", _("60 and over")
    NOT_SAID = "not_said", _("not said")


# Concern categories ------------------------------------------------------------------------------


class ConcernCategory(TrilingualNameModel):
    """What a concern is about: the prevention categories of incidents (``incident_category``
    is that category's code) and the few that concerns need and crimes do not (street lighting,
    stray dogs, ...; ``incident_category`` empty). Reference data, loaded by a migration."""

    scope_resource = "geography"

    code = models.SlugField(_("code"), max_length=40, unique=True)
    incident_category = models.CharField(
        _("incident category"),
        max_length=40,
        blank=True,
        help_text=_("The prevention category of incidents it matches, if any."),
    )
    severity = models.DecimalField(
        _("severity weight"),
        max_digits=4,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text=_("How serious harm in this category is, for the priority matrix (0–10)."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("concern category")
        verbose_name_plural = _("concern categories")
        ordering = ["order", "code"]


# Surveys -----------------------------------------------------------------------------------------


class SurveyRound(models.TextChoices):
    BASELINE = "baseline", _("baseline")
    MIDLINE = "midline", _("midline")
    FOLLOW_UP = "follow_up", _("follow-up")
    ENDLINE = "endline", _("endline")
    OTHER = "other", _("other")


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")


def new_public_key() -> str:
    """The unguessable part of a survey's public link."""
    return secrets.token_urlsafe(12)


class SurveyQuerySet(ScopedQuerySet["Survey"]):
    scope_lookup = "unit"


class Survey(TimeStampedModel):
    """A questionnaire put to the population of a municipality in one round.

    A survey at a unit above a municipality (a rayon, an oblast, the country) is a
    programme-wide template: municipalities copy it into a survey of their own.
    """

    scope_resource = "surveys"

    unit = models.ForeignKey(
        "geo.AdministrativeUnit",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="surveys",
    )
    programme = models.ForeignKey(
        "orgs.Programme",
        verbose_name=_("programme"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="surveys",
    )
    title_ky = models.CharField(_("title (Kyrgyz)"), max_length=200, blank=True)
    title_ru = models.CharField(_("title (Russian)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    round = models.CharField(
        _("round"), max_length=16, choices=SurveyRound.choices, default=SurveyRound.BASELINE
    )
    # Rounds of one questionnaire share a series key (the standard survey's is "standard"), so
    # a follow-up finds its baseline.
    series = models.SlugField(_("series"), max_length=64, blank=True)
    opens_on = models.DateField(_("opens on"), null=True, blank=True)
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    is_template = models.BooleanField(_("programme-wide template"), default=False)
    public_key = models.CharField(
        _("public link key"), max_length=32, unique=True, default=new_public_key, editable=False
    )
    sms_enabled = models.BooleanField(_("runs over SMS"), default=False)
    sms_keyword = models.CharField(
        _("SMS keyword"),
        max_length=20,
        blank=True,
        help_text=_("The word a person texts to the SMS number to start this survey."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_on__isnull=True)
                | models.Q(opens_on__isnull=True)
                | models.Q(closes_on__gte=models.F("opens_on")),
                name="%(app_label)s_%(class)s_closes_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        for code in _languages():
            value = getattr(self, f"title_{code}", "")
            if value:
                return str(value)
        return ""

    def clean(self) -> None:
        super().clean()
        if not (self.title_ky or self.title_ru or self.title_en):
            raise ValidationError(_("Give the title in at least one language."))

    def is_open_on(self, day: Any) -> bool:
        """Whether the public may answer on ``day``: open, and within its dates."""
        return (
            self.status == SurveyStatus.OPEN
            and (self.opens_on is None or self.opens_on <= day)
            and (self.closes_on is None or day <= self.closes_on)
        )

    @property
    def has_responses(self) -> bool:
        return self.responses.exists()


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("single choice")
    MULTIPLE = "multiple", _("multiple choice")
    RATING = "rating", _("rating 1–5")
    YES_NO = "yes_no", _("yes or no")
    NUMBER = "number", _("number")
    TEXT = "text", _("free text")


#: Kinds whose answers are options (a rating's options are "1" to "5", yes/no's "yes" and "no").
CHOICE_KINDS = frozenset(
    {QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.RATING, QuestionKind.YES_NO}
)


class QuestionMeasure(models.TextChoices):
    """What a question measures for the rest of Kenesh, beyond its own results."""

    NONE = "", _("nothing else")
    SERIOUS_PROBLEMS = "serious_problems", _("most serious problems (priority matrix)")
    UNSAFE_AFTER_DARK = "unsafe_after_dark", _("feeling unsafe after dark")


class QuestionQuerySet(ScopedQuerySet["Question"]):
    scope_lookup = "survey__unit"


class Question(TrilingualTextModel):
    """One question of a survey. Frozen once the survey has responses: a new round instead."""

    scope_resource = "surveys"

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="questions"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    code = code_field(_("code"))
    kind = models.CharField(_("kind"), max_length=8, choices=QuestionKind.choices)
    required = models.BooleanField(_("answer required"), default=False)
    measures = models.CharField(
        _("measures"), max_length=20, choices=QuestionMeasure.choices, default="", blank=True
    )
    max_choices = models.PositiveSmallIntegerField(
        _("at most this many choices"),
        null=True,
        blank=True,
        help_text=_("For multiple choice: empty for no limit."),
    )
    # Display condition: shown only when the answer to an earlier question is one of these
    # option codes (XLSForm ``relevant``: ${q} = 'a' or selected(${q}, 'a')).
    shown_if_question = models.ForeignKey(
        "self",
        verbose_name=_("shown only if the answer to"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="dependants",
    )
    shown_if_options = models.JSONField(
        _("is one of"), default=list, blank=True, help_text=_("Option codes.")
    )
    published = models.BooleanField(
        _("results published"),
        default=False,
        help_text=_("Shown on the municipality's public page (counts under 5 suppressed)."),
    )

    objects = QuestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "code"], name="%(app_label)s_%(class)s_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.text}"

    @property
    def is_choice(self) -> bool:
        return self.kind in CHOICE_KINDS


class OptionQuerySet(ScopedQuerySet["Option"]):
    scope_lookup = "question__survey__unit"


class Option(models.Model):
    """A choice of a single, multiple, rating or yes/no question."""

    scope_resource = "surveys"

    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="options"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    code = code_field(_("code"))
    label_ky = models.CharField(_("label (Kyrgyz)"), max_length=300, blank=True)
    label_ru = models.CharField(_("label (Russian)"), max_length=300, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=300, blank=True)

    objects = OptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["question", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "code"], name="%(app_label)s_%(class)s_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        for code in _languages():
            value = getattr(self, f"label_{code}", "")
            if value:
                return str(value)
        return self.code


class ResponseChannel(models.TextChoices):
    ONLINE = "online", _("online form")
    PAPER = "paper", _("paper, entered by staff")
    IMPORT = "import", _("imported file")
    SMS = "sms", _("SMS")


class ResponseQuerySet(ScopedQuerySet["Response"]):
    scope_lookup = "survey__unit"


class Response(models.Model):
    """One person's answers to a survey. No names: sex, age band and settlement only."""

    scope_resource = "surveys"

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="responses"
    )
    sex = models.CharField(
        _("sex"), max_length=8, choices=RespondentSex.choices, default=RespondentSex.NOT_SAID
    )
    age_band = models.CharField(
        _("age band"), max_length=8, choices=AgeBand.choices, default=AgeBand.NOT_SAID
    )
    settlement = models.ForeignKey(
        "geo.AdministrativeUnit",
        verbose_name=_("settlement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=8, choices=ResponseChannel.choices)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    # A submission's own identifier (KoboToolbox ``_uuid``, ODK ``instanceID``, an SMS
    # session): importing the same file twice adds nothing.
    external_id = models.CharField(_("external identifier"), max_length=64, blank=True)
    # A keyed hash of the browser's cookie: one online response per browser.
    browser_key = models.CharField(max_length=64, blank=True, editable=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    import_job = models.ForeignKey(
        "core.ImportJob",
        verbose_name=_("import"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    objects = ResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "external_id"],
                condition=~models.Q(external_id=""),
                name="%(app_label)s_%(class)s_unique_external_id",
            ),
            models.UniqueConstraint(
                fields=["survey", "browser_key"],
                condition=~models.Q(browser_key=""),
                name="%(app_label)s_%(class)s_one_per_browser",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}/{self.pk}"


class Answer(models.Model):
    """One answer: an option (a multiple choice has one row per option chosen), a number or a
    text, by the question's kind."""

    scope_resource = "surveys"

    response = models.ForeignKey(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="answers"
    )
    option = models.ForeignKey(
        Option,
        verbose_name=_("option"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="answers",
    )
    number = models.DecimalField(
        _("number"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    text = models.TextField(_("text"), blank=True, validators=[MaxLengthValidator(TEXT_LENGTH)])

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question", "option"],
                name="%(app_label)s_%(class)s_option_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_id}"


# Community meetings ------------------------------------------------------------------------------


class MeetingKind(models.TextChoices):
    COMMUNITY = "community", _("community meeting")
    DIALOGUE = "dialogue", _("dialogue platform")
    WORKING_GROUP = "working_group", _("working-group session")
    SCHOOL_FORUM = "school_forum", _("school forum")


#: The attendance count fields of a meeting, by sex then age band.
ATTENDANCE_SEXES = ("female", "male")
ATTENDANCE_BANDS = ("under_18", "18_29", "30_59", "60_plus")
ATTENDANCE_FIELDS = [f"attended_{s}_{b}" for s in ATTENDANCE_SEXES for b in ATTENDANCE_BANDS]


def _attendance() -> Any:
    return models.PositiveIntegerField(default=0)


class MeetingQuerySet(ScopedQuerySet["Meeting"]):
    scope_lookup = "unit"


class Meeting(TimeStampedModel):
    """A community meeting, dialogue platform, working-group session or school forum."""

    scope_resource = "surveys"

    unit = models.ForeignKey(
        "geo.AdministrativeUnit",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    settlement = models.ForeignKey(
        "geo.AdministrativeUnit",
        verbose_name=_("settlement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    held_on = models.DateField(_("held on"))
    kind = models.CharField(_("kind"), max_length=16, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    organisers = models.ManyToManyField(
        "orgs.Organisation", verbose_name=_("organisers"), blank=True, related_name="+"
    )
    attended_female_under_18 = _attendance()
    attended_female_18_29 = _attendance()
    attended_female_30_59 = _attendance()
    attended_female_60_plus = _attendance()
    attended_male_under_18 = _attendance()
    attended_male_18_29 = _attendance()
    attended_male_30_59 = _attendance()
    attended_male_60_plus = _attendance()
    decisions = models.TextField(
        _("decisions"), blank=True, validators=[MaxLengthValidator(TEXT_LENGTH)]
    )
    minutes = models.TextField(_("minutes"), blank=True, validators=[MaxLengthValidator(50_000)])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title or f"{self.get_kind_display()} {self.held_on:%Y-%m-%d}"

    @property
    def attendance(self) -> int:
        return sum(int(getattr(self, name)) for name in ATTENDANCE_FIELDS)


class AttachmentQuerySet(ScopedQuerySet["MeetingAttachment"]):
    scope_lookup = "meeting__unit"


def attachment_path(instance: MeetingAttachment, filename: str) -> str:
    # A random name: the original one is kept in ``name``, never used as a path.
    return f"meetings/{secrets.token_hex(16)}"


class MeetingAttachment(models.Model):
    """A file of a meeting (minutes, attendance sheet, photos), kept through Django's storage
    and served only through a scoped view."""

    scope_resource = "surveys"

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return self.name


# Concerns ----------------------------------------------------------------------------------------


class ConcernChannel(models.TextChoices):
    WEB = "web", _("public web form")
    MEETING = "meeting", _("meeting")
    SURVEY = "survey", _("survey")
    SMS = "sms", _("SMS")
    TELEGRAM = "telegram", _("Telegram")
    PHONE = "phone", _("phone")
    STAFF = "staff", _("staff entry")


class ConcernStatus(models.TextChoices):
    NEW = "new", _("new")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    IN_PLAN = "in_plan", _("in plan")
    RESOLVED = "resolved", _("resolved")
    NOT_ACTIONABLE = "not_actionable", _("not actionable")


#: The status changes staff may make; reopening a resolved concern is the follow-up's answer.
CONCERN_TRANSITIONS: dict[str, frozenset[str]] = {
    ConcernStatus.NEW: frozenset(
        {ConcernStatus.ACKNOWLEDGED, ConcernStatus.NOT_ACTIONABLE, ConcernStatus.RESOLVED}
    ),
    ConcernStatus.ACKNOWLEDGED: frozenset(
        {ConcernStatus.IN_PLAN, ConcernStatus.RESOLVED, ConcernStatus.NOT_ACTIONABLE}
    ),
    ConcernStatus.IN_PLAN: frozenset({ConcernStatus.RESOLVED, ConcernStatus.NOT_ACTIONABLE}),
    ConcernStatus.RESOLVED: frozenset({ConcernStatus.ACKNOWLEDGED}),
    ConcernStatus.NOT_ACTIONABLE: frozenset({ConcernStatus.ACKNOWLEDGED}),
}
CLOSED_STATUSES = frozenset({ConcernStatus.RESOLVED, ConcernStatus.NOT_ACTIONABLE})

# Crockford's base 32 without I, L, O, U: read aloud and typed from paper without confusion.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_LENGTH = 10  # 50 random bits


def new_reference() -> str:
    """A random, unguessable reference number a reporter follows their concern with
    (``K7-3MQ9-XT2A``-like groups are added when shown, see :func:`format_reference`)."""
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def format_reference(reference: str) -> str:
    """``ABCDE12345`` as ``ABCDE-12345``: easier to read out and copy."""
    return f"{reference[:5]}-{reference[5:]}" if len(reference) == REFERENCE_LENGTH else reference


def normalise_reference(text: str) -> str:
    """A typed reference as stored: upper case, no dashes or spaces, O read as 0, I and L as 1."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    return cleaned.replace("O", "0").replace("I", "1").replace("L", "1")


class ConcernQuerySet(ScopedQuerySet["Concern"]):
    scope_lookup = "unit"

    def open(self) -> ConcernQuerySet:
        return self.exclude(status__in=CLOSED_STATUSES)


class Concern(TimeStampedModel):
    """What a citizen raised, from any channel, and where it stands in the loop."""

    scope_resource = "concerns"
    # The reporter's contact is for staff in scope with the restricted permission. The reply
    # address of an anonymous SMS or Telegram sender is never shown to anyone: it is only used
    # to send replies, and is deleted when the concern closes (restricted too, so that the audit
    # log keeps a fingerprint, not the number).
    restricted_fields = ("contact", "reply_address")

    reference = models.CharField(
        _("reference number"), max_length=16, unique=True, default=new_reference, editable=False
    )
    unit = models.ForeignKey(
        "geo.AdministrativeUnit",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="concerns",
    )
    settlement = models.ForeignKey(
        "geo.AdministrativeUnit",
        verbose_name=_("settlement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    category = models.ForeignKey(
        ConcernCategory,
        verbose_name=_("category"),
        to_field="code",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="concerns",
    )
    # What the keyword classifier proposed for an SMS or Telegram message, for staff to confirm.
    suggested_category = models.ForeignKey(
        ConcernCategory,
        verbose_name=_("suggested category"),
        to_field="code",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("text"), validators=[MaxLengthValidator(TEXT_LENGTH)])
    channel = models.CharField(_("channel"), max_length=10, choices=ConcernChannel.choices)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    contact = models.CharField(_("reporter's contact"), max_length=200, blank=True)
    reply_channel = models.CharField(max_length=10, blank=True, editable=False)
    reply_address = models.CharField(max_length=200, blank=True, editable=False)
    language = models.CharField(_("language"), max_length=8, blank=True)
    # Whether the reporter agreed to have the text shown publicly, and whether moderation did.
    public_requested = models.BooleanField(_("reporter agrees to publication"), default=False)
    public = models.BooleanField(_("shown publicly"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=ConcernStatus.choices, default=ConcernStatus.NEW
    )
    status_reason = models.TextField(
        _("reason"), blank=True, validators=[MaxLengthValidator(TEXT_LENGTH)]
    )
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    follow_up_sent_at = models.DateTimeField(_("follow-up asked at"), null=True, blank=True)
    follow_up_answer = models.CharField(
        _("follow-up answer"),
        max_length=16,
        blank=True,
        choices=[("confirmed", _("confirmed resolved")), ("reopened", _("reopened"))],
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="concerns",
    )
    response = models.ForeignKey(
        Response,
        verbose_name=_("survey response"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="concerns",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ConcernQuerySet.as_manager()

    class Meta:
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "received_at"], name="consultations_concern_unit"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="%(app_label)s_%(class)s_location_complete",
            ),
            models.CheckConstraint(
                condition=~models.Q(anonymous=True, contact__gt=""),
                name="%(app_label)s_%(class)s_anonymous_keeps_no_contact",
            ),
        ]

    def __str__(self) -> str:
        return format_reference(self.reference)

    @property
    def display_reference(self) -> str:
        return format_reference(self.reference)

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


class ConcernEvent(models.Model):
    """A dated step of a concern: a status change, a category set, a merge, a reply sent.

    The audit log has every change in full; this is the concern's own history, shown on its
    page and (status changes only, without names) on the public status page.
    """

    scope_resource = "concerns"

    concern = models.ForeignKey(
        Concern, verbose_name=_("concern"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=16, choices=ConcernStatus.choices)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("concern event")
        verbose_name_plural = _("concern events")
        ordering = ["concern", "at", "id"]

    def __str__(self) -> str:
        return f"{self.concern_id} {self.status} {self.at:%Y-%m-%d}"


# Intake: SMS and Telegram ------------------------------------------------------------------------


class MessageChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    TELEGRAM = "telegram", _("Telegram")
    CONSOLE = "console", _("console (demo)")


class InboundMessage(models.Model):
    """A message a gateway delivered. Its provider id makes a repeated delivery store nothing."""

    # The sender's phone number or Telegram chat id: personal data, shown to no one (the audit
    # log keeps a fingerprint); deleted as docs/intake.md says.
    restricted_fields = ("sender",)

    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    message_id = models.CharField(_("message id"), max_length=100)
    sender = models.CharField(_("sender"), max_length=200, editable=False)
    text = models.TextField(_("text"), validators=[MaxLengthValidator(TEXT_LENGTH)])
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    concern = models.ForeignKey(
        Concern,
        verbose_name=_("concern"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "message_id"], name="%(app_label)s_%(class)s_unique_message"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.message_id}"


class OptOut(models.Model):
    """A number (or Telegram chat) that sent STOP: no message is ever sent to it again."""

    restricted_fields = ("address",)  # a phone number or chat id (or its keyed fingerprint)

    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    address = models.CharField(_("address"), max_length=200)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "address"], name="%(app_label)s_%(class)s_unique_address"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} opt-out"


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    SUPPRESSED = "suppressed", _("not sent: opted out")


class OutboxMessage(models.Model):
    """A reply waiting for (or done with) its sender (kenesh.consultations.intake.senders)."""

    restricted_fields = ("address",)  # a phone number or chat id, shown to no one

    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    address = models.CharField(_("address"), max_length=200)
    text = models.TextField(_("text"))
    concern = models.ForeignKey(
        Concern,
        verbose_name=_("concern"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"], name="consultations_outbox_q")]

    def __str__(self) -> str:
        return f"{self.channel} {self.status} {self.created_at:%Y-%m-%d %H:%M}"


class SmsSurveySession(models.Model):
    """Where one phone number stands in an SMS survey: the next question to ask."""

    restricted_fields = ("address",)  # the phone number (its keyed fingerprint once done)

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="sms_sessions"
    )
    address = models.CharField(_("phone number"), max_length=200)
    response = models.ForeignKey(
        Response,
        verbose_name=_("response"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    question = models.ForeignKey(
        Question,
        verbose_name=_("next question"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answers = models.JSONField(_("answers so far"), default=dict)
    finished = models.BooleanField(_("finished"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("SMS survey session")
        verbose_name_plural = _("SMS survey sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "address"], name="%(app_label)s_%(class)s_one_per_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} SMS session"


# Priorities --------------------------------------------------------------------------------------


class AdoptedPriorityQuerySet(ScopedQuerySet["AdoptedPriority"]):
    scope_lookup = "unit"


class AdoptedPriority(TimeStampedModel):
    """A priority the working group adopted: what the municipality's plan is built on."""

    scope_resource = "priorities"

    unit = models.ForeignKey(
        "geo.AdministrativeUnit",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="adopted_priorities",
    )
    category = models.ForeignKey(
        ConcernCategory,
        verbose_name=_("category"),
        to_field="code",
        on_delete=models.PROTECT,
        related_name="+",
    )
    rank = models.PositiveSmallIntegerField(_("rank"), validators=[MinValueValidator(1)])
    adopted_on = models.DateField(_("adopted on"))
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="adopted_priorities",
    )
    decision = models.TextField(
        _("decision"), blank=True, validators=[MaxLengthValidator(TEXT_LENGTH)]
    )
    # The matrix the decision was taken on: its period and each component, as shown then.
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    score = models.FloatField(_("score"), null=True, blank=True)
    components = models.JSONField(_("components"), default=dict, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("adopted by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = AdoptedPriorityQuerySet.as_manager()

    class Meta:
        verbose_name = _("adopted priority")
        verbose_name_plural = _("adopted priorities")
        ordering = ["unit", "-adopted_on", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "adopted_on", "category"],
                name="%(app_label)s_%(class)s_once_per_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {localized_name(self.category)}"
