"""Writes of survey authoring: a survey, its questions with their options and display
conditions, and a new round copied from an earlier one. Every write is validated, audited and
done in one transaction.

Questions are frozen once a survey has responses: changing a question under answers already
given would change what those answers mean. A new round (:func:`survey_new_round`) copies the
questions into a draft that can be changed; rounds of one series are compared by question code.
Responses themselves are stored by :func:`kenesh.consultations.services.response_submit`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kenesh.consultations.intake.sms_survey import validate_sms_survey
from kenesh.consultations.models import (
    CHOICE_KINDS,
    CODE_VALIDATOR_MESSAGE,
    Option,
    Question,
    QuestionKind,
    Survey,
    SurveyStatus,
)
from kenesh.core.audit import audit_delete, audit_update, snapshot
from kenesh.core.services import model_create, model_update

if TYPE_CHECKING:
    from kenesh.accounts.models import User

CODE_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

#: The options a rating and a yes/no question get by themselves: (code, ky, ru, en).
AUTOMATIC_OPTIONS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    QuestionKind.RATING: tuple((str(n), str(n), str(n), str(n)) for n in range(1, 6)),
    QuestionKind.YES_NO: (("yes", "Ооба", "Да", "Yes"), ("no", "Жок", "Нет", "No")),
}
OPTION_FIELDS = ("code", "label_ky", "label_ru", "label_en")
#: Fields of a question a caller may set (beside its options and its condition).
QUESTION_FIELDS = (
    "code",
    "kind",
    "text_ky",
    "text_ru",
    "text_en",
    "required",
    "max_choices",
    "measures",
    "order",
)


class QuestionsFrozen(ValidationError):
    """The survey has responses: its questions cannot change (409 in the API)."""


def frozen_message() -> str:
    return _(
        "This survey already has responses, so its questions cannot change: the answers given "
        "would no longer mean what they meant. Start a new round to ask different questions."
    )


def ensure_questions_editable(survey: Survey) -> None:
    """Raise :class:`QuestionsFrozen` once the survey has a response."""
    if survey.has_responses:
        raise QuestionsFrozen(frozen_message(), code="frozen")


def check_sms_mode(survey: Survey) -> None:
    """An SMS survey must stay answerable by number (kenesh.consultations.intake.sms_survey):
    checked whenever the survey or its questions change while SMS is on."""
    if survey.sms_enabled:
        validate_sms_survey(survey)


def ensure_sms_question(survey: Survey, kind: str) -> None:
    """Refuse a question an SMS survey could not ask (only choices are answered by number)."""
    if survey.sms_enabled and kind not in CHOICE_KINDS:
        raise ValidationError(
            _(
                "This survey runs over SMS, where only choice and rating questions can be "
                "answered. Switch SMS off in the survey first."
            )
        )


# Surveys ---------------------------------------------------------------------------------------


@transaction.atomic
def survey_create(
    *,
    actor: User | None,
    data: Mapping[str, Any],
    questions: Sequence[Mapping[str, Any]] = (),
) -> Survey:
    """Create a survey (validated by the model's rules, audited), with ``questions`` in order
    when given: each a mapping of :data:`QUESTION_FIELDS`, ``options`` (mappings of
    :data:`OPTION_FIELDS`) and ``shown_if`` (``{"question": <an earlier code>, "options":
    [codes]}``). Errors of a question are keyed ``questions.<n>.<field>``."""
    values = dict(data)
    if actor is not None and getattr(actor, "is_authenticated", False):
        values.setdefault("created_by", actor)
    survey = model_create(model=Survey, actor=actor, data=values)
    by_code: dict[str, Question] = {}
    for index, item in enumerate(questions):
        item = dict(item)
        options = item.pop("options", None)
        shown_if = item.pop("shown_if", None) or {}
        item.setdefault("order", index + 1)
        try:
            if shown_if:
                target = by_code.get(str(shown_if.get("question", "")))
                if target is None:
                    raise ValidationError(
                        {"shown_if": _("The condition must name an earlier question.")}
                    )
                item["shown_if_question"] = target
                item["shown_if_options"] = list(shown_if.get("options") or [])
            question = question_create(actor=actor, survey=survey, data=item, options=options)
        except ValidationError as exc:
            raise ValidationError(
                {
                    f"questions.{index}.{field}": messages
                    for field, messages in _error_dict(exc).items()
                }
            ) from None
        by_code[question.code] = question
    check_sms_mode(survey)
    return survey


@transaction.atomic
def survey_update(*, actor: User | None, survey: Survey, data: Mapping[str, Any]) -> Survey:
    """Change a survey's own fields (title, dates, status, round, ...), audited. The unit of a
    survey with responses does not change: its answers were given there."""
    if "unit" in data and data["unit"] != survey.unit and survey.has_responses:
        raise ValidationError(
            {"unit": _("A survey with responses stays in the municipality it was answered in.")}
        )
    survey = model_update(instance=survey, actor=actor, data=dict(data))
    check_sms_mode(survey)
    return survey


@transaction.atomic
def survey_new_round(
    *,
    actor: User | None,
    survey: Survey,
    round: str,
    opens_on: Any = None,
    closes_on: Any = None,
) -> Survey:
    """A new draft round of ``survey``: its titles, municipality, programme and every question
    with its options and conditions, in the same series (a survey without one gets a series
    key now, so that the rounds find each other)."""
    if not survey.series:
        series = slugify(f"survey-{survey.pk}")
        model_update(instance=survey, actor=actor, data={"series": series})
    copy = survey_create(
        actor=actor,
        data={
            "unit": survey.unit,
            "programme": survey.programme,
            "title_ky": survey.title_ky,
            "title_ru": survey.title_ru,
            "title_en": survey.title_en,
            "round": round,
            "series": survey.series,
            "opens_on": opens_on,
            "closes_on": closes_on,
            "status": SurveyStatus.DRAFT,
            "is_template": False,
            "sms_enabled": survey.sms_enabled,
            "sms_keyword": survey.sms_keyword,
        },
    )
    copies: dict[int, Question] = {}
    for question in survey.questions.prefetch_related("options").order_by("order", "id"):
        data = {name: getattr(question, name) for name in QUESTION_FIELDS}
        data["text_ky"], data["text_ru"], data["text_en"] = (
            question.text_ky,
            question.text_ru,
            question.text_en,
        )
        if question.shown_if_question_id is not None:
            data["shown_if_question"] = copies[question.shown_if_question_id]
            data["shown_if_options"] = list(question.shown_if_options)
        options = [
            {name: getattr(option, name) for name in OPTION_FIELDS}
            for option in question.options.all()
        ]
        copies[question.pk] = question_create(actor=actor, survey=copy, data=data, options=options)
    return copy


# Questions -------------------------------------------------------------------------------------


def _error_dict(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {field: list(messages) for field, messages in exc.message_dict.items()}
    return {"__all__": list(exc.messages)}


def _clean_options(kind: str, options: Sequence[Mapping[str, Any]] | None) -> list[dict[str, str]]:
    """The options a question of ``kind`` gets: the automatic ones for a rating and yes/no,
    the given ones (checked) for single and multiple choice, none otherwise."""
    if kind in AUTOMATIC_OPTIONS:
        return [dict(zip(OPTION_FIELDS, row, strict=True)) for row in AUTOMATIC_OPTIONS[kind]]
    if kind not in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        if options:
            raise ValidationError({"options": _("Only a choice question has options.")})
        return []
    cleaned: list[dict[str, str]] = []
    seen: set[str] = set()
    errors: list[str] = []
    for option in options or []:
        row = {name: str(option.get(name) or "").strip() for name in OPTION_FIELDS}
        if not any(row.values()):
            continue
        if not CODE_PATTERN.fullmatch(row["code"]) or len(row["code"]) > 64:
            errors.append(
                _("Option code “%(code)s”: %(rule)s")
                % {"code": row["code"][:40], "rule": CODE_VALIDATOR_MESSAGE}
            )
        elif row["code"] in seen:
            errors.append(_("Option code “%(code)s” is used twice.") % {"code": row["code"]})
        if not (row["label_ky"] or row["label_ru"] or row["label_en"]):
            errors.append(
                _("Option “%(code)s” needs a label in at least one language.")
                % {"code": row["code"][:40]}
            )
        if any(len(row[name]) > 300 for name in ("label_ky", "label_ru", "label_en")):
            errors.append(_("An option's label has at most 300 characters."))
        seen.add(row["code"])
        cleaned.append(row)
    if not errors and len(cleaned) < 2:
        errors.append(_("A choice question needs at least two options."))
    if errors:
        raise ValidationError({"options": errors})
    return cleaned


def _position(question: Question) -> tuple[int, float]:
    """Where a question comes in its survey (a new one, without a key yet, last of its order)."""
    return (question.order, question.pk if question.pk is not None else float("inf"))


def _check_question(question: Question, options: list[dict[str, str]]) -> None:
    """The rules of one question among its survey's others (before it is saved)."""
    errors: dict[str, list[str]] = {}
    if not CODE_PATTERN.fullmatch(question.code or ""):
        errors.setdefault("code", []).append(str(CODE_VALIDATOR_MESSAGE))
    elif question.survey.questions.filter(code=question.code).exclude(pk=question.pk).exists():
        errors.setdefault("code", []).append(_("Another question of this survey has this code."))
    if question.kind == QuestionKind.MULTIPLE:
        if question.max_choices is not None and not 1 <= question.max_choices <= len(options):
            errors.setdefault("max_choices", []).append(
                _("Give a number from 1 to the number of options.")
            )
    elif question.max_choices is not None:
        errors.setdefault("max_choices", []).append(
            _("Only a multiple choice question has a limit on its choices.")
        )
    target = question.shown_if_question
    wanted = list(question.shown_if_options or [])
    if target is None and wanted:
        errors.setdefault("shown_if_question", []).append(_("Choose the question it depends on."))
    if target is not None:
        if target.survey_id != question.survey_id or target.pk == question.pk:
            errors.setdefault("shown_if_question", []).append(
                _("The condition must name an earlier question of this survey.")
            )
        elif not target.is_choice:
            errors.setdefault("shown_if_question", []).append(
                _("A condition can only depend on a choice question.")
            )
        elif not _position(target) < _position(question):
            errors.setdefault("shown_if_question", []).append(
                _("The condition must name an earlier question of this survey.")
            )
        else:
            codes = set(target.options.values_list("code", flat=True))
            if not wanted:
                errors.setdefault("shown_if_options", []).append(
                    _("Choose the answers that show this question.")
                )
            elif not set(wanted) <= codes:
                errors.setdefault("shown_if_options", []).append(
                    _("Choose among the answers of that question.")
                )
    # Questions that depend on this one must still follow it and find their options.
    if question.pk is not None:
        codes = {option["code"] for option in options}
        for dependant in question.dependants.all():
            if not _position(question) < _position(dependant):
                errors.setdefault("order", []).append(
                    _("Question %(code)s depends on this one and must come after it.")
                    % {"code": dependant.code}
                )
            if not question.is_choice or not set(dependant.shown_if_options) <= codes:
                errors.setdefault("options", []).append(
                    _("Question %(code)s is shown for answers this question would no longer have.")
                    % {"code": dependant.code}
                )
    if errors:
        raise ValidationError(errors)


def _validated(
    question: Question, options: Sequence[Mapping[str, Any]] | None
) -> list[dict[str, str]]:
    """The question's options, cleaned, after every rule of the question is checked: the errors
    of the options and of the question's own fields come together."""
    errors: dict[str, list[str]] = {}
    cleaned: list[dict[str, str]] = []
    try:
        cleaned = _clean_options(question.kind, options)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        _check_question(question, cleaned)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            if field != "options" or "options" not in errors:
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _save_options(*, actor: User | None, question: Question, options: list[dict[str, str]]) -> None:
    """Make the question's options these, by code: changed ones updated, missing ones deleted,
    new ones added; each write audited."""
    existing = {option.code: option for option in question.options.all()}
    wanted = {row["code"] for row in options}
    for code, gone in existing.items():
        if code not in wanted:
            audit_delete(actor, gone)
            gone.delete()
    for order, row in enumerate(options, start=1):
        option = existing.get(row["code"])
        if option is None:
            model_create(
                model=Option, actor=actor, data={"question": question, "order": order, **row}
            )
        else:
            model_update(instance=option, actor=actor, data={"order": order, **row})


@transaction.atomic
def question_create(
    *,
    actor: User | None,
    survey: Survey,
    data: Mapping[str, Any],
    options: Sequence[Mapping[str, Any]] | None = None,
) -> Question:
    """Add a question to a survey without responses: its code, kind, text in up to three
    languages, whether it must be answered, options (automatic for a rating and yes/no), an
    optional display condition on an earlier choice question, and for multiple choice a limit
    on the choices. Raises :class:`QuestionsFrozen` once the survey has responses."""
    ensure_questions_editable(survey)
    ensure_sms_question(survey, str(data.get("kind", "")))
    values = dict(data)
    if values.get("order") is None:
        last = survey.questions.order_by("-order").values_list("order", flat=True).first()
        values["order"] = (last or 0) + 1
    values.setdefault("shown_if_options", [])
    question = Question(survey=survey, **values)
    cleaned = _validated(question, options)
    question = model_create(model=Question, actor=actor, data={"survey": survey, **values})
    _save_options(actor=actor, question=question, options=cleaned)
    return question


@transaction.atomic
def question_update(
    *,
    actor: User | None,
    question: Question,
    data: Mapping[str, Any],
    options: Sequence[Mapping[str, Any]] | None = None,
) -> Question:
    """Change a question (and replace its options when ``options`` is given, or when its kind
    becomes a rating or yes/no), under the rules of :func:`question_create`."""
    ensure_questions_editable(question.survey)
    before = snapshot(question)
    values = dict(data)
    kind = values.get("kind", question.kind)
    ensure_sms_question(question.survey, kind)
    if options is None and kind == question.kind and kind not in AUTOMATIC_OPTIONS:
        options = [
            {name: getattr(option, name) for name in OPTION_FIELDS}
            for option in question.options.all()
        ]
    for field, value in values.items():
        setattr(question, field, value)
    if question.shown_if_question is None:
        question.shown_if_options = []
    cleaned = _validated(question, options)
    question.full_clean()
    question.save()
    audit_update(actor, question, before)
    _save_options(actor=actor, question=question, options=cleaned)
    return question


@transaction.atomic
def question_delete(*, actor: User | None, question: Question) -> None:
    """Delete a question of a survey without responses, with its options; refused while
    another question's display condition depends on it."""
    ensure_questions_editable(question.survey)
    dependants = list(question.dependants.values_list("code", flat=True))
    if dependants:
        raise ValidationError(
            _("Questions %(codes)s are shown depending on this one: change their condition first.")
            % {"codes": ", ".join(dependants)}
        )
    for option in question.options.all():
        audit_delete(actor, option)
    audit_delete(actor, question)
    question.delete()
