"""API of the XLSForm feature, mounted at /surveys: ``POST /surveys/import-xlsform`` makes a
draft survey from an XLSForm workbook; ``GET /surveys/{id}/xlsform`` gives a survey as one.
Responses from KoboToolbox or ODK Central go through ``POST /imports`` with
``kind=survey-responses`` and ``target`` the survey's id."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from kenesh.consultations.models import Survey, SurveyRound
from kenesh.consultations.xlsform import build, services
from kenesh.consultations.xlsform.parse import XLSFormError
from kenesh.consultations.xlsform.schemas import XLSFormErrorOut, XLSFormSurveyOut
from kenesh.consultations.xlsform.views import XLSX
from kenesh.core.access import api_access, requires
from kenesh.core.api import responses
from kenesh.core.imports.forms import check_upload_size
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import get_for_user
from kenesh.geo.selectors import unit_for_write

router = Router(tags=["consultations"])


def survey_out(survey: Survey) -> dict[str, Any]:
    questions = survey.questions.prefetch_related("options").select_related("shown_if_question")
    return {
        "id": survey.pk,
        "unit": survey.unit.code,
        "title": survey.title,
        "title_ky": survey.title_ky,
        "title_ru": survey.title_ru,
        "title_en": survey.title_en,
        "round": survey.round,
        "series": survey.series,
        "status": survey.status,
        "is_template": survey.is_template,
        "questions": [
            {
                "code": question.code,
                "kind": question.kind,
                "required": question.required,
                "text_ky": question.text_ky,
                "text_ru": question.text_ru,
                "text_en": question.text_en,
                "max_choices": question.max_choices,
                "measures": question.measures,
                "shown_if": question.shown_if_question.code if question.shown_if_question else None,
                "shown_if_options": list(question.shown_if_options or []),
                "options": [
                    {
                        "code": option.code,
                        "label_ky": option.label_ky,
                        "label_ru": option.label_ru,
                        "label_en": option.label_en,
                    }
                    for option in question.options.all()
                ],
            }
            for question in questions.order_by("order", "id")
        ],
    }


@router.post(
    "/import-xlsform",
    response={**responses(XLSFormSurveyOut, 201), 422: XLSFormErrorOut},
    summary="Make a draft survey from an XLSForm workbook",
    description=(
        "Multipart: `unit` (SOATE code of the municipality, or of a rayon, oblast or the "
        "country for a programme-wide template), `file` (the XLSForm .xlsx of KoboToolbox, ODK "
        "or Excel), `round` (baseline by default). 201 with the survey and its questions; 422 "
        "with every problem of the form, each with its sheet and row, and nothing made. What is "
        "supported and refused: docs/xlsform.md."
    ),
)
@api_access(requires(Resource.SURVEYS, Action.WRITE))
def survey_import_xlsform(
    request: HttpRequest,
    unit: Form[str],
    file: File[UploadedFile],
    round: Form[SurveyRound] = SurveyRound.BASELINE,
) -> Status[Any]:
    where = unit_for_write(user=request.user, code=unit, resource=Resource.SURVEYS)
    problem = check_upload_size(file.size)
    if problem:
        raise ValidationError({"file": problem})
    try:
        survey = services.survey_import_xlsform(
            actor=request.user,  # type: ignore[arg-type]  # the API authenticates every request
            unit=where,
            file=file.read(),
            round=round,
            fallback_title=Path(file.name or "").stem,
        )
    except XLSFormError as exc:
        errors = [
            {
                "loc": ["body", "file", *([problem.sheet] if problem.sheet else [])]
                + ([problem.row] if problem.row is not None else []),
                "msg": str(problem),
                "type": "xlsform",
                "sheet": problem.sheet,
                "row": problem.row,
            }
            for problem in exc.problems
        ]
        return Status(422, {"detail": _("The form cannot be imported."), "errors": errors})
    return Status(201, survey_out(survey))


@router.get(
    "/{int:survey_id}/xlsform",
    response=responses(str),
    summary="A survey as an XLSForm workbook",
    description=(
        "survey, choices and settings sheets with labels in Kyrgyz, Russian and English, "
        "display conditions as relevant, and the respondent's sex, age_band and settlement as "
        "select_one questions in Kenesh's codes: ready for KoboToolbox or ODK Central, and its "
        "submissions import back (POST /imports, kind survey-responses)."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "The XLSForm workbook",
                "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
@api_access(requires(Resource.SURVEYS, Action.READ))
def survey_export_xlsform(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = get_for_user(
        Survey.objects.select_related("unit"), request.user, Action.READ, pk=survey_id
    )
    response = HttpResponse(build.survey_export_xlsform(survey), content_type=XLSX)
    name = survey.series or f"survey-{survey.pk}"
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
