"""API: the priority matrix of a municipality, and adopting priorities from it.

Reading the matrix needs ``Action.READ`` on priorities in the municipality (404 outside the
caller's area, 403 in it without the role); adopting needs ``Action.APPROVE`` (the LCPC
coordinator and the local government). Components are at the caller's level of detail of
concerns, surveys and incidents (counts from 1 to 4 withheld for aggregate-only access).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.errors import ValidationError

from kenesh.accounts.selectors import acting_user
from kenesh.analytics.priorities import COMPONENTS
from kenesh.consultations.priorities import selectors, services
from kenesh.consultations.priorities.schemas import AdoptedOut, AdoptIn, MatrixOut, MatrixQuery
from kenesh.core.access import api_access, requires
from kenesh.core.api import responses
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import require_anywhere, require_at

router = Router(tags=["consultations"])


def _query_errors(exc: DjangoValidationError) -> ValidationError:
    found = exc.message_dict if hasattr(exc, "error_dict") else {"unit": exc.messages}
    names = {"date_from": "from", "date_to": "to"}
    return ValidationError(
        [
            {"loc": ["query", names.get(name, name)], "msg": message, "type": "invalid"}
            for name, messages in found.items()
            for message in messages
        ]
    )


@router.get(
    "",
    response=responses(MatrixOut),
    by_alias=True,
    summary="The priority matrix of a municipality",
    operation_id="priority_matrix",
)
@api_access(requires(Resource.PRIORITIES, Action.READ))
def priority_matrix(request: HttpRequest, query: Query[MatrixQuery]) -> dict[str, Any]:
    """Every concern category ranked by its score, with each component's raw value, count and
    status (``ok``, ``missing``, ``suppressed``, ``not_applicable``). The period is whole
    months (default: the last 12 complete months); ``w_<component>`` replace default weights."""
    require_anywhere(request.user, Action.READ, Resource.PRIORITIES)
    start, end = selectors.default_period()
    start, end = query.date_from or start, query.date_to or end
    try:
        unit = selectors.matrix_unit(user=request.user, code=query.unit)
        selectors.check_period(start, end)
        matrix = selectors.priority_matrix(
            user=request.user,
            unit=unit,
            start=start,
            end=end,
            weights={name: getattr(query, f"w_{name}") for name in COMPONENTS},
        )
    except DjangoValidationError as exc:
        raise _query_errors(exc) from exc
    return {
        "unit": {"code": unit.code, "name": unit.name},
        "from": matrix.start,
        "to": matrix.end,
        "weights": matrix.weights,
        "items": [
            {
                "category": row.category.code,
                "name": row.category.name,
                "score": row.score,
                "rank": row.rank,
                "components": {name: one.api() for name, one in row.components.items()},
            }
            for row in matrix.rows
        ],
    }


@router.post(
    "/adopt",
    response=responses(list[AdoptedOut], 201),
    summary="Adopt priorities",
    operation_id="priorities_adopt",
)
@api_access(requires(Resource.PRIORITIES, Action.APPROVE))
def priorities_adopt(request: HttpRequest, body: AdoptIn) -> Status[list[dict[str, Any]]]:
    """Record the working group's decision: the categories in rank order, with the matrix of
    the period as a snapshot. 403 for roles that may not approve priorities."""
    require_anywhere(request.user, Action.APPROVE, Resource.PRIORITIES)
    try:
        unit = selectors.matrix_unit(user=request.user, code=body.unit)
    except DjangoValidationError as exc:
        raise ValidationError(
            [{"loc": ["body", "unit"], "msg": m, "type": "invalid"} for m in exc.messages]
        ) from exc
    require_at(request.user, Action.APPROVE, Resource.PRIORITIES, unit.path)
    meeting = None
    if body.meeting is not None:
        meeting = selectors.unit_meeting(user=request.user, unit=unit, pk=body.meeting)
        if meeting is None:
            raise ValidationError(
                [
                    {
                        "loc": ["body", "meeting"],
                        "msg": _("The meeting must be one of the municipality."),
                        "type": "invalid",
                    }
                ]
            )
    adopted = services.priorities_adopt(
        actor=acting_user(request),
        unit=unit,
        categories=body.categories,
        adopted_on=body.adopted_on,
        meeting=meeting,
        decision=body.decision,
        period_start=body.period_start,
        period_end=body.period_end,
    )
    return Status(
        201,
        [
            {
                "id": one.pk,
                "category": one.category_id,
                "rank": one.rank,
                "adopted_on": one.adopted_on,
                "meeting": one.meeting_id,
                "decision": one.decision,
                "period_start": one.period_start,
                "period_end": one.period_end,
                "score": one.score,
            }
            for one in adopted
        ],
    )
