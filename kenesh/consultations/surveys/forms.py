"""Forms of survey authoring and of answering: the list's filters, a survey, a question with its
options and display condition, a new round, and the response form built from a survey's
questions (the public form and staff paper entry share it)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kenesh.consultations.models import (
    AgeBand,
    Question,
    QuestionKind,
    RespondentSex,
    Survey,
    SurveyRound,
    SurveyStatus,
)
from kenesh.consultations.surveys import selectors
from kenesh.consultations.surveys.services import AUTOMATIC_OPTIONS
from kenesh.core.forms import BootstrapFormMixin
from kenesh.geo.models import AdministrativeUnit
from kenesh.orgs.models import Programme


def date_input() -> forms.DateInput:
    """A browser date picker with an ISO value whatever the language."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class SurveyFilterForm(BootstrapFormMixin, forms.Form):
    """The list's filters, with the API's parameter names. An invalid filter is left out."""

    unit = forms.ChoiceField(label=_("municipality"), required=False)
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[("", _("All statuses")), *SurveyStatus.choices],
    )
    round = forms.ChoiceField(
        label=_("round"), required=False, choices=[("", _("All rounds")), *SurveyRound.choices]
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = sorted(selectors.survey_units(user=user), key=lambda unit: unit.name)
        self.units = {unit.code: unit for unit in units}
        self.fields["unit"].choices = [  # type: ignore[attr-defined]
            ("", _("All municipalities")),
            *((unit.code, unit.name) for unit in units),
        ]

    def survey_filter(self) -> selectors.SurveyFilter:
        cleaned = getattr(self, "cleaned_data", {})
        return selectors.SurveyFilter(
            unit=self.units.get(cleaned.get("unit") or ""),
            status=cleaned.get("status") or "",
            round=cleaned.get("round") or "",
        )


class SurveyForm(BootstrapFormMixin, forms.ModelForm):
    """A survey's own fields. The municipality is one where the user may write surveys (and
    stays where it is once the survey has responses)."""

    class Meta:
        model = Survey
        fields = [
            "unit",
            "title_ky",
            "title_ru",
            "title_en",
            "round",
            "series",
            "opens_on",
            "closes_on",
            "status",
            "programme",
            "sms_enabled",
            "sms_keyword",
        ]
        widgets = {"opens_on": date_input(), "closes_on": date_input()}
        help_texts = {
            "series": _(
                "Rounds of one questionnaire share this key (letters, digits, hyphens), so a "
                "follow-up is compared with its baseline. A new round keeps it."
            ),
            "status": _(
                "The public link answers only while the survey is open, between its dates."
            ),
            "sms_enabled": _(
                "People text the keyword to the SMS number and get the questions one by one, "
                "answering by number. Only choice and rating questions can run over SMS."
            ),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = selectors.writable_municipalities(user=user)
        field = UnitChoiceField(queryset=units, label=_("municipality"))
        field.widget.attrs["class"] = "form-select"
        self.fields["unit"] = field
        if self.instance.pk is None and units.count() == 1:
            self.initial.setdefault("unit", units.first())
        if self.instance.pk is not None and self.instance.has_responses:
            field.disabled = True
            field.help_text = _("A survey with responses stays where it was answered.")
        programmes = self.fields["programme"]
        programmes.queryset = Programme.objects.order_by("name_ru")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(cleaned.get(name) for name in ("title_ky", "title_ru", "title_en")):
            self.add_error("title_ky", _("Give the title in at least one language."))
        opens, closes = cleaned.get("opens_on"), cleaned.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("The survey closes before it opens."))
        return cleaned


class NewRoundForm(BootstrapFormMixin, forms.Form):
    round = forms.ChoiceField(label=_("round"), choices=SurveyRound.choices)
    opens_on = forms.DateField(label=_("opens on"), required=False, widget=date_input())
    closes_on = forms.DateField(label=_("closes on"), required=False, widget=date_input())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        opens, closes = cleaned.get("opens_on"), cleaned.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("The survey closes before it opens."))
        return cleaned


class StandardSurveyForm(BootstrapFormMixin, forms.Form):
    """The standard perception survey for one municipality and round."""

    unit = UnitChoiceField(queryset=AdministrativeUnit.objects.none(), label=_("municipality"))
    round = forms.ChoiceField(label=_("round"), choices=SurveyRound.choices)
    opens_on = forms.DateField(label=_("opens on"), required=False, widget=date_input())
    closes_on = forms.DateField(label=_("closes on"), required=False, widget=date_input())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = selectors.writable_municipalities(user=user)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if units.count() == 1:
            self.initial.setdefault("unit", units.first())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        opens, closes = cleaned.get("opens_on"), cleaned.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("The survey closes before it opens."))
        return cleaned


# Questions -------------------------------------------------------------------------------------

OPTION_ROWS_EXTRA = 4  # empty option rows under the existing ones: more after saving


class OptionForm(forms.Form):
    code = forms.CharField(label=_("code"), max_length=64, required=False)
    label_ky = forms.CharField(label=_("label (Kyrgyz)"), max_length=300, required=False)
    label_ru = forms.CharField(label=_("label (Russian)"), max_length=300, required=False)
    label_en = forms.CharField(label=_("label (English)"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control form-control-sm"


OptionFormSet = forms.formset_factory(OptionForm, extra=OPTION_ROWS_EXTRA, max_num=60)


class QuestionForm(BootstrapFormMixin, forms.ModelForm):
    """A question: its code and kind, its text in three languages, whether it must be answered,
    a limit of choices, its place, and a display condition: the answers of one earlier choice
    question that show it (one box per answer, so it works without JavaScript)."""

    condition = forms.MultipleChoiceField(
        label=_("Show this question only if the answer was"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Tick answers of one earlier question; leave all empty to always show it. A "
            "multiple choice question shows it when any ticked answer was chosen."
        ),
    )

    class Meta:
        model = Question
        fields = [
            "code",
            "kind",
            "text_ky",
            "text_ru",
            "text_en",
            "required",
            "max_choices",
            "order",
        ]
        help_texts = {
            "code": _(
                "A short name for exports and comparisons between rounds: letters, digits and "
                "underscores, starting with a letter (e.g. feel_safe)."
            ),
            "kind": _("A rating gets the answers 1 to 5, yes or no its two answers, by itself."),
            "order": _("Questions are asked in this order."),
        }

    def __init__(self, *args: Any, survey: Survey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.survey = survey
        self.fields["code"].required = True
        self.fields["order"].required = False
        earlier = [
            question
            for question in selectors.survey_questions(survey)
            if question.is_choice and question.pk != self.instance.pk
        ]
        self.earlier = {question.pk: question for question in earlier}
        choices: list[tuple[str, Any]] = []
        for question in earlier:
            choices.append(
                (
                    f"{question.code}: {question.text}",
                    [
                        (f"{question.pk}:{option.code}", option.label)
                        for option in question.options.all()
                    ],
                )
            )
        self.fields["condition"].choices = choices  # type: ignore[attr-defined]
        if self.instance.pk is not None and self.instance.shown_if_question_id:
            self.initial["condition"] = [
                f"{self.instance.shown_if_question_id}:{code}"
                for code in self.instance.shown_if_options
            ]
        self.fields["condition"].widget.attrs["class"] = "form-check-input"

    def clean_condition(self) -> tuple[Question | None, list[str]]:
        chosen: list[str] = self.cleaned_data.get("condition") or []
        targets = {value.split(":", 1)[0] for value in chosen}
        if len(targets) > 1:
            raise forms.ValidationError(_("Tick answers of one question only."))
        if not chosen:
            return (None, [])
        target = self.earlier[int(targets.pop())]
        return (target, [value.split(":", 1)[1] for value in chosen])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(cleaned.get(name) for name in ("text_ky", "text_ru", "text_en")):
            self.add_error("text_ky", _("Give the text in at least one language."))
        return cleaned

    def question_data(self) -> dict[str, Any]:
        """The cleaned fields as the service takes them."""
        data = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        data["required"] = bool(data["required"])
        target, options = self.cleaned_data.get("condition") or (None, [])
        data["shown_if_question"] = target
        data["shown_if_options"] = options
        return data

    def _post_clean(self) -> None:
        # The service validates the question with its options and condition; the model's own
        # check here would run without them.
        pass


def option_rows(question: Question | None) -> list[dict[str, str]]:
    """The option rows an edit form starts with (none for automatic options)."""
    if question is None or question.kind in AUTOMATIC_OPTIONS:
        return []
    return [
        {
            "code": option.code,
            "label_ky": option.label_ky,
            "label_ru": option.label_ru,
            "label_en": option.label_en,
        }
        for option in question.options.all()
    ]


def option_data(formset: Any) -> list[dict[str, str]]:
    """The rows of a valid option formset that say anything."""
    return [
        {name: str(form.cleaned_data.get(name) or "").strip() for name in OptionForm.base_fields}
        for form in formset.forms
        if any(str(value or "").strip() for value in getattr(form, "cleaned_data", {}).values())
    ]


# Answering -------------------------------------------------------------------------------------

FIELD_PREFIX = "q_"
HONEYPOT = "website"


class ResponseForm(forms.Form):
    """One respondent's answers: sex, age band and settlement (never a name), then one field per
    question. Whether a question needed an answer, and whether it was shown at all, is for
    :func:`kenesh.consultations.services.validate_answers` to say: every field is optional
    here, and its errors come back onto the fields (:meth:`add_answer_errors`)."""

    sex = forms.ChoiceField(
        label=_("Your sex"), choices=RespondentSex.choices, widget=forms.RadioSelect
    )
    age_band = forms.ChoiceField(
        label=_("Your age"), choices=AgeBand.choices, widget=forms.RadioSelect
    )
    settlement = forms.ModelChoiceField(
        label=_("Where you live"),
        queryset=AdministrativeUnit.objects.none(),
        required=False,
        empty_label=_("not said"),
    )

    def __init__(
        self,
        *args: Any,
        survey: Survey,
        questions: list[Question],
        honeypot: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.survey = survey
        self.questions = questions
        settlements = selectors.settlements_of(survey.unit)
        self.fields["settlement"].queryset = settlements  # type: ignore[attr-defined]
        self.fields["settlement"].widget.attrs["class"] = "form-select"
        if not settlements.exists():
            del self.fields["settlement"]
        numbers = {question.pk: n for n, question in enumerate(questions, start=1)}
        self.numbers = numbers
        for question in questions:
            self.fields[FIELD_PREFIX + question.code] = self._field_for(question)
        if honeypot:
            # Left empty by people (it is hidden from sight and from screen readers); filled by
            # scripts that fill every field.
            self.fields[HONEYPOT] = forms.CharField(
                label=_("Leave this field empty"), required=False, max_length=200
            )
            self.fields[HONEYPOT].widget.attrs.update(
                {"autocomplete": "off", "tabindex": "-1", "class": "form-control"}
            )

    def _field_for(self, question: Question) -> forms.Field:
        label = question.text
        options = [(option.code, option.label) for option in question.options.all()]
        field: forms.Field
        if question.kind == QuestionKind.MULTIPLE:
            field = forms.MultipleChoiceField(
                label=label,
                choices=options,
                required=False,
                widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
            )
            if question.max_choices:
                field.help_text = ngettext(
                    "Choose at most %(count)d answer.",
                    "Choose at most %(count)d answers.",
                    question.max_choices,
                ) % {"count": question.max_choices}
        elif question.is_choice:
            field = forms.ChoiceField(
                label=label,
                choices=options,
                required=False,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )
        elif question.kind == QuestionKind.NUMBER:
            field = forms.CharField(
                label=label,
                required=False,
                max_length=20,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control"}),
            )
        else:
            field = forms.CharField(
                label=label,
                required=False,
                max_length=5_000,
                widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
            )
        return field

    @property
    def honeypot_filled(self) -> bool:
        return bool(str(self.data.get(HONEYPOT, "") or "").strip())

    def answers(self) -> dict[str, Any]:
        """The answers keyed by question code, as the response services take them."""
        cleaned = getattr(self, "cleaned_data", {})
        return {
            question.code: cleaned.get(FIELD_PREFIX + question.code) for question in self.questions
        }

    def respondent(self) -> dict[str, Any]:
        cleaned = getattr(self, "cleaned_data", {})
        return {
            "sex": cleaned.get("sex") or RespondentSex.NOT_SAID,
            "age_band": cleaned.get("age_band") or AgeBand.NOT_SAID,
            "settlement": cleaned.get("settlement"),
        }

    def add_answer_errors(self, errors: dict[str, list[str]]) -> None:
        """Put the errors of ``response_submit`` (keyed by question code or respondent field)
        onto the form's fields."""
        codes = {question.code for question in self.questions}
        for key, messages in errors.items():
            name = FIELD_PREFIX + key if key in codes else key
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)

    def items(self) -> list[dict[str, Any]]:
        """The questions in order, each with its bound field, its number and, when it has a
        display condition, the note that says when to answer it."""
        rows = []
        by_pk = {question.pk: question for question in self.questions}
        for question in self.questions:
            note = ""
            target = by_pk.get(question.shown_if_question_id or 0)
            if target is not None:
                labels = {option.code: option.label for option in target.options.all()}
                note = _("Answer only if you answered %(answers)s to question %(number)d.") % {
                    "answers": " / ".join(
                        f"“{labels.get(code, code)}”" for code in question.shown_if_options
                    ),
                    "number": self.numbers.get(target.pk, 0),
                }
            rows.append(
                {
                    "question": question,
                    "number": self.numbers[question.pk],
                    "field": self[FIELD_PREFIX + question.code],
                    "note": note,
                }
            )
        return rows
