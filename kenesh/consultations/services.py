"""Writes every feature of consultations shares: a concern's creation and its status steps, and
a survey response with its answers. Feature packages add their own services beside their views;
these are here because the public form, staff entry, meetings, surveys and the SMS and Telegram
intake all create concerns and responses the same way.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kenesh.consultations import signals
from kenesh.consultations.models import (
    CLOSED_STATUSES,
    CONCERN_TRANSITIONS,
    Answer,
    Concern,
    ConcernEvent,
    ConcernStatus,
    Option,
    Question,
    QuestionKind,
    Response,
    Survey,
)
from kenesh.core.audit import audit_create, audit_update, snapshot
from kenesh.core.services import model_create

if TYPE_CHECKING:
    from kenesh.accounts.models import User


# Concerns ------------------------------------------------------------------------------------


@transaction.atomic
def concern_create(*, actor: User | None, data: dict[str, Any]) -> Concern:
    """Record a concern from any channel, validated by the model's rules, audited, with its
    first event ("new"). An anonymous concern keeps no contact (the model's constraint), only
    an SMS or Telegram ``reply_address`` that is never shown and is deleted when it closes."""
    data = dict(data)
    if data.get("anonymous"):
        data["contact"] = ""
    if actor is not None and getattr(actor, "is_authenticated", False):
        data.setdefault("created_by", actor)
    concern = model_create(model=Concern, actor=actor, data=data)
    ConcernEvent.objects.create(
        concern=concern, at=concern.received_at, status=concern.status, actor=concern.created_by
    )
    # The reply with the reference number goes out once the concern is committed
    # (kenesh.consultations.signals; a failing reply does not undo the concern).
    transaction.on_commit(
        functools.partial(
            signals.concern_created.send_robust, sender=Concern, concern_id=concern.pk
        ),
        robust=True,
    )
    return concern


@dataclass(frozen=True)
class StatusChange:
    """What :func:`concern_set_status` did, for the caller's reply to the reporter."""

    concern: Concern
    previous: str
    changed: bool


@transaction.atomic
def concern_set_status(
    *,
    actor: User | None,
    concern: Concern,
    status: str,
    reason: str = "",
    allow_any: bool = False,
) -> StatusChange:
    """Move a concern along the loop (:data:`CONCERN_TRANSITIONS`), dated and audited.

    "Not actionable" needs a reason. Closing deletes a reply address kept only to send replies.
    ``allow_any`` is for the reporter's follow-up answer, which may reopen a resolved concern.
    """
    previous = concern.status
    if status == previous:
        return StatusChange(concern, previous, changed=False)
    if status not in ConcernStatus.values:
        raise ValidationError({"status": _("There is no such status.")})
    if not allow_any and status not in CONCERN_TRANSITIONS.get(previous, frozenset()):
        raise ValidationError(
            {
                "status": _("A concern that is “%(from)s” cannot become “%(to)s”.")
                % {
                    "from": ConcernStatus(previous).label,
                    "to": ConcernStatus(status).label,
                }
            }
        )
    if status == ConcernStatus.NOT_ACTIONABLE and not reason.strip():
        raise ValidationError({"reason": _("Say why the concern is not actionable.")})
    before = snapshot(concern)
    now = timezone.now()
    concern.status = status
    concern.status_reason = reason.strip()
    concern.status_changed_at = now
    if status == ConcernStatus.RESOLVED:
        concern.resolved_at = now
        concern.follow_up_sent_at = None
        concern.follow_up_answer = ""
    elif status not in CLOSED_STATUSES:
        concern.resolved_at = None
    concern.full_clean()
    concern.save()
    audit_update(actor, concern, before)
    ConcernEvent.objects.create(
        concern=concern,
        at=now,
        status=status,
        note=concern.status_reason,
        actor=actor if actor is not None and actor.is_authenticated else None,
    )
    transaction.on_commit(
        functools.partial(
            signals.concern_status_changed.send_robust,
            sender=Concern,
            concern_id=concern.pk,
            status=status,
            previous=previous,
        ),
        robust=True,
    )
    return StatusChange(concern, previous, changed=True)


def forget_reply_address(*, concern: Concern) -> None:
    """Delete the reply address of an anonymous sender once nothing more will be sent.

    Called when a concern closes and no follow-up question is pending (the follow-up asks
    four weeks after resolution, then the address goes)."""
    if concern.anonymous and concern.reply_address:
        Concern.objects.filter(pk=concern.pk).update(reply_address="", reply_channel="")
        concern.reply_address = ""
        concern.reply_channel = ""


# Survey responses ----------------------------------------------------------------------------


def is_shown(question: Question, chosen: Mapping[int, set[str]]) -> bool:
    """Whether ``question`` applies given the option codes already chosen per question id."""
    if question.shown_if_question_id is None:
        return True
    wanted = set(question.shown_if_options or [])
    return bool(chosen.get(question.shown_if_question_id, set()) & wanted)


def _number(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ".").strip())
    except InvalidOperation:
        raise ValidationError(_("Enter a number.")) from None
    if not value.is_finite() or abs(value) >= Decimal("1e10"):
        raise ValidationError(_("Enter a number."))
    return value


def validate_answers(
    survey: Survey, questions: Iterable[Question], raw: Mapping[str, Any]
) -> tuple[list[tuple[Question, Option | None, Decimal | None, str]], dict[str, list[str]]]:
    """Check raw answers keyed by question code against the questions (with their options
    prefetched): option codes for choice questions (a list for multiple choice), a number, or
    a text. Returns the answers to store and the errors per question code.

    A question hidden by its display condition is not asked, so its answer is ignored; a
    required question that is shown must be answered.
    """
    stored: list[tuple[Question, Option | None, Decimal | None, str]] = []
    errors: dict[str, list[str]] = {}
    chosen: dict[int, set[str]] = {}
    for question in questions:
        if not is_shown(question, chosen):
            continue
        value = raw.get(question.code)
        values: list[str]
        if value is None:
            values = []
        elif isinstance(value, (list, tuple)):
            values = [str(v).strip() for v in value if str(v).strip()]
        else:
            values = (
                [part for part in str(value).split() if part]
                if question.kind == (QuestionKind.MULTIPLE)
                else ([str(value).strip()] if str(value).strip() else [])
            )
        if not values:
            if question.required:
                errors.setdefault(question.code, []).append(_("This question needs an answer."))
            continue
        if question.is_choice:
            options = {option.code: option for option in question.options.all()}
            if question.kind != QuestionKind.MULTIPLE and len(values) > 1:
                errors.setdefault(question.code, []).append(_("Choose one answer."))
                continue
            unknown = [v for v in values if v not in options]
            if unknown:
                errors.setdefault(question.code, []).append(
                    _("“%(value)s” is not one of the answers to this question.")
                    % {"value": unknown[0][:40]}
                )
                continue
            if question.max_choices and len(set(values)) > question.max_choices:
                errors.setdefault(question.code, []).append(
                    _("Choose at most %(count)d answers.") % {"count": question.max_choices}
                )
                continue
            chosen[question.pk] = set(values)
            for code in dict.fromkeys(values):
                stored.append((question, options[code], None, ""))
        elif question.kind == QuestionKind.NUMBER:
            try:
                stored.append((question, None, _number(values[0]), ""))
            except ValidationError as exc:
                errors.setdefault(question.code, []).extend(exc.messages)
        else:
            text = " ".join(values) if isinstance(value, (list, tuple)) else str(value).strip()
            if len(text) > 5_000:
                errors.setdefault(question.code, []).append(
                    _("Ensure this value has at most %(max)d characters (it has %(length)d).")
                    % {"max": 5_000, "length": len(text)}
                )
                continue
            stored.append((question, None, None, text))
    return stored, errors


@transaction.atomic
def response_submit(
    *,
    actor: User | None,
    survey: Survey,
    answers: Mapping[str, Any],
    respondent: Mapping[str, Any],
    questions: list[Question] | None = None,
    audit: bool = True,
) -> Response:
    """Store one response: the respondent (sex, age band, settlement, channel, ...) and the
    answers keyed by question code, validated as :func:`validate_answers` says. Raises
    ``ValidationError`` with errors keyed by question code and nothing stored.

    ``questions`` (with options prefetched) saves the queries of a bulk import; ``audit`` is
    off for imports, whose job is the record of what came in.
    """
    if questions is None:
        questions = list(survey.questions.prefetch_related("options").order_by("order", "id"))
    stored, errors = validate_answers(survey, questions, answers)
    response = Response(survey=survey, **respondent)
    try:
        response.full_clean(exclude=["survey"], validate_unique=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    if actor is not None and getattr(actor, "is_authenticated", False):
        response.entered_by = actor
    response.save()
    Answer.objects.bulk_create(
        [Answer(response=response, question=q, option=o, number=n, text=t) for q, o, n, t in stored]
    )
    if audit:
        audit_create(actor if actor is not None and actor.is_authenticated else None, response)
    return response
