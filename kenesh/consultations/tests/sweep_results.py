"""The permission sweep's samples for survey results (kenesh/portal/tests/sweeping.py)."""

from __future__ import annotations

from typing import Any

from kenesh.consultations.models import Survey
from kenesh.consultations.tests.factories import (
    AnswerFactory,
    ResponseFactory,
    SurveyFactory,
    choice_question,
)
from kenesh.portal.tests.sweeping import Place, Sample


def results_survey(place: Place) -> Survey:
    """A survey of A with one single-choice question answered by three people (a count a
    public or aggregate-only answer must not show)."""

    def make() -> Survey:
        survey: Survey = SurveyFactory.create(unit=place.a)
        question = choice_question(survey, "safe", ["yes", "no"])
        yes = question.options.get(code="yes")
        for _n in range(3):
            AnswerFactory.create(
                response=ResponseFactory.create(survey=survey), question=question, option=yes
            )
        return survey

    made: Survey = place.once("results_survey", make)
    return made


def _pk(place: Place) -> dict[str, Any]:
    return {"pk": results_survey(place).pk}


SAMPLES = {
    "consultations:results:results": Sample(_pk),
    "consultations:results:publish": Sample(_pk),
    "consultations:results:results_export": Sample(
        lambda p: {"pk": results_survey(p).pk, "fmt": "csv"}
    ),
    "api:survey_results": Sample(lambda p: {"survey_id": results_survey(p).pk}),
}
