"""Writes of priorities: the working group adopts priorities from the matrix."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kenesh.consultations.models import TEXT_LENGTH, AdoptedPriority, ConcernCategory, Meeting
from kenesh.consultations.priorities.selectors import check_period, priority_matrix
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import require_at
from kenesh.core.services import model_create

if TYPE_CHECKING:
    from kenesh.accounts.models import User
    from kenesh.geo.models import AdministrativeUnit

#: The most priorities one decision adopts (a plan works on a few).
MAX_PRIORITIES = 10

#: The matrix's period fields as adopting names them.
PERIOD_FIELDS = {"date_from": "period_start", "date_to": "period_end"}


@transaction.atomic
def priorities_adopt(
    *,
    actor: User,
    unit: AdministrativeUnit,
    categories: Sequence[str],
    adopted_on: dt.date,
    meeting: Meeting | None = None,
    decision: str,
    period_start: dt.date,
    period_end: dt.date,
    weights: Mapping[str, float | None] | None = None,
) -> list[AdoptedPriority]:
    """Record the working group's decision: ``categories`` (concern category codes) in the
    order adopted (rank 1 first), each an :class:`AdoptedPriority` of ``unit`` dated
    ``adopted_on``, with the matrix it was taken on (period, score and components as the actor
    saw them, weights included) as a snapshot, each row audited.

    Raises ``PermissionDenied`` unless the actor may approve priorities in the unit, and
    ``ValidationError`` (keyed by field) with nothing stored for an empty or repeated list, an
    unknown category, a meeting of another unit, a period the matrix refuses
    (:func:`~kenesh.consultations.priorities.selectors.check_period`: before 1991, ending
    before it starts, longer than five years), or a category already adopted on that date.
    """
    require_at(actor, Action.APPROVE, Resource.PRIORITIES, unit.path)
    errors: dict[str, list[str]] = {}
    codes = [str(code) for code in categories]
    if not codes:
        errors.setdefault("categories", []).append(_("Choose at least one category."))
    elif len(codes) > MAX_PRIORITIES:
        errors.setdefault("categories", []).append(
            _("Choose at most %(n)d categories.") % {"n": MAX_PRIORITIES}
        )
    if len(set(codes)) != len(codes):
        errors.setdefault("categories", []).append(_("Each category may be chosen once."))
    known = {one.code: one for one in ConcernCategory.objects.filter(code__in=codes, active=True)}
    unknown = [code for code in codes if code not in known]
    if unknown:
        errors.setdefault("categories", []).append(
            _("“%(code)s” is not a category in use.") % {"code": unknown[0][:40]}
        )
    if meeting is not None and meeting.unit_id != unit.pk:
        errors.setdefault("meeting", []).append(_("The meeting must be one of the municipality."))
    try:
        check_period(period_start, period_end)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            field = PERIOD_FIELDS.get(key, key)
            errors.setdefault(field, []).extend(messages)
    if len(decision) > TEXT_LENGTH:
        errors.setdefault("decision", []).append(
            _("Give at most %(n)d characters.") % {"n": TEXT_LENGTH}
        )
    already = set(
        AdoptedPriority.objects.filter(
            unit=unit, adopted_on=adopted_on, category_id__in=codes
        ).values_list("category_id", flat=True)
    )
    if already:
        errors.setdefault("categories", []).append(
            _("Already adopted on this date: %(names)s.")
            % {"names": ", ".join(known[code].name for code in codes if code in already)}
        )
    if errors:
        raise ValidationError(errors)
    matrix = priority_matrix(
        user=actor, unit=unit, start=period_start, end=period_end, weights=weights
    )
    adopted: list[AdoptedPriority] = []
    for rank, code in enumerate(codes, start=1):
        row = matrix.row(code)
        adopted.append(
            model_create(
                model=AdoptedPriority,
                actor=actor,
                data={
                    "unit": unit,
                    "category": known[code],
                    "rank": rank,
                    "adopted_on": adopted_on,
                    "meeting": meeting,
                    "decision": decision.strip(),
                    "period_start": matrix.start,
                    "period_end": matrix.end,
                    "score": row.score if row is not None else None,
                    "components": {
                        "weights": matrix.weights,
                        "matrix_rank": row.rank if row is not None else None,
                        "components": row.snapshot() if row is not None else {},
                    },
                    "adopted_by": actor,
                },
            )
        )
    return adopted
