"""Writes of the XLSForm feature: a survey made from an XLSForm file."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kenesh.consultations.models import Option, Question, Survey, SurveyRound
from kenesh.consultations.xlsform.parse import ParsedForm, parse_xlsform
from kenesh.core.audit import audit_create
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import allowed
from kenesh.geo.models import Level

if TYPE_CHECKING:
    from kenesh.accounts.models import User
    from kenesh.geo.models import AdministrativeUnit


def read_upload(file: bytes | IO[bytes]) -> bytes:
    return file if isinstance(file, bytes) else file.read()


@transaction.atomic
def survey_import_xlsform(
    *,
    actor: User | None,
    unit: AdministrativeUnit,
    file: bytes | IO[bytes],
    round: str = SurveyRound.BASELINE,
    fallback_title: str = "",
) -> Survey:
    """Make a draft survey of ``unit`` from an XLSForm workbook: its questions, options and
    display conditions as :func:`kenesh.consultations.xlsform.parse.parse_xlsform` reads them,
    the title from the settings' ``form_title`` (else ``fallback_title``, the file's name), the
    series from ``form_id``. A survey at a unit above a municipality is a programme-wide
    template.

    Raises :class:`~kenesh.consultations.xlsform.parse.XLSFormError` with every problem of the
    form, ``ValidationError`` for a bad unit or round, ``PermissionDenied`` when ``actor`` may
    not write surveys at ``unit``; nothing is stored then. Each record created is audited.
    """
    if actor is not None and not allowed(actor, Action.WRITE, Resource.SURVEYS, unit.path):
        raise PermissionDenied
    if unit.level == Level.SETTLEMENT:
        raise ValidationError({"unit": _("A survey belongs to a municipality, not a settlement.")})
    if round not in SurveyRound.values:
        raise ValidationError({"round": _("There is no such round.")})
    parsed = parse_xlsform(read_upload(file))
    survey = _create(actor=actor, unit=unit, parsed=parsed, round=round, fallback=fallback_title)
    # What was left out (constraints Kenesh does not keep), for the page to tell the official.
    survey.import_notes = [str(note) for note in parsed.notes]  # type: ignore[attr-defined]
    return survey


def _create(
    *, actor: User | None, unit: AdministrativeUnit, parsed: ParsedForm, round: str, fallback: str
) -> Survey:
    titles = dict(parsed.titles) or {"ky": (fallback or parsed.series or "XLSForm")[:200]}
    user = actor if actor is not None and actor.is_authenticated else None
    survey = Survey(
        unit=unit,
        round=round,
        series=parsed.series,
        is_template=unit.level != Level.MUNICIPALITY,
        created_by=user,
        **{f"title_{language}": text for language, text in titles.items()},
    )
    survey.full_clean()
    survey.save()
    audit_create(user, survey)
    by_code: dict[str, Question] = {}
    for order, spec in enumerate(parsed.questions, start=1):
        question = Question(
            survey=survey,
            order=order,
            code=spec.code,
            kind=spec.kind,
            required=spec.required,
            measures=spec.measures,
            max_choices=spec.max_choices,
            shown_if_question=by_code[spec.shown_if] if spec.shown_if else None,
            shown_if_options=spec.shown_if_options,
            **{f"text_{language}": text for language, text in spec.texts.items()},
        )
        question.full_clean()
        question.save()
        audit_create(user, question)
        by_code[spec.code] = question
        for position, choice in enumerate(spec.options, start=1):
            option = Option(
                question=question,
                order=position,
                code=choice.code,
                **{f"label_{language}": text for language, text in choice.labels.items()},
            )
            option.full_clean()
            option.save()
            audit_create(user, option)
    return survey
