"""API: a survey's results, broken down and compared with another round (/api/v1/surveys)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.errors import ValidationError

from kenesh.consultations.results import selectors
from kenesh.consultations.results.schemas import ResultsOut, ResultsQuery, results_data
from kenesh.core.access import api_access, requires
from kenesh.core.api import responses
from kenesh.core.permissions import Action, Resource

router = Router(tags=["consultations"])


def _refused(exc: selectors.ResultsRefused) -> ValidationError:
    return ValidationError([{"loc": ["query", exc.field], "msg": exc.message, "type": "results"}])


@router.get(
    "/{int:survey_id}/results",
    response=responses(ResultsOut),
    operation_id="survey_results",
    url_name="survey_results",
    summary="A survey's results",
    description=(
        "Per question: for a choice question, per option how many respondents chose it, their "
        "share of those who were shown the question and answered it, and its 95 % Wilson "
        "interval; for a number question the mean and median; for free text the count (and the "
        "texts, for readers of surveys). `by` breaks each down by sex, age band or settlement. "
        "`compare` adds the change of every option's share from the earlier round to the later, "
        "with Newcombe's 95 % interval, flagged only when significant after Benjamini–Hochberg "
        "across everything compared. At the aggregate and public levels counts from 1 to 4 are "
        "withheld (null, suppressed true) with whatever would give them back."
    ),
)
@api_access(requires(Resource.SURVEYS, Action.READ, aggregate_variant=True))
def survey_results(
    request: HttpRequest, survey_id: int, query: Query[ResultsQuery]
) -> dict[str, Any]:
    try:
        results = selectors.survey_results(survey=survey_id, user=request.user, by=query.by)
        comparison = None
        if query.compare is not None:
            comparison = selectors.compare_rounds(
                survey=survey_id, other=query.compare, user=request.user, by=query.by
            )
    except selectors.ResultsRefused as exc:
        raise _refused(exc) from None
    return results_data(results, comparison)
