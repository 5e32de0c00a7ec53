"""A survey's results as an export (kenesh.core.exports): one row per question and option (and
group), with the counts as the viewer may see them, the share and its interval.

HXL hashtags (HXL 1.1 dictionary, https://hxlstandard.org/standard/1-1final/dictionary/):
``#adm3`` for the municipality, ``#indicator`` for a question (``+code``, ``+name``) and its
option (``+option``), ``#respondee`` for the people who answered (``+num`` counts, ``+pct``
percentages, ``+lower``/``+upper`` the interval's bounds), ``#meta`` for the survey, the group
and the withheld mark (docs/survey-results.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kenesh.consultations.models import Survey
from kenesh.consultations.results.selectors import (
    GROUPINGS,
    GroupResult,
    ResultsRefused,
    SurveyResults,
    results_at,
    survey_results,
)
from kenesh.core.disclosure import Detail
from kenesh.core.exports import (
    ExportColumn,
    ExportKind,
    ExportSelection,
    ExportSpec,
    ValueType,
)
from kenesh.core.permissions import Action, Resource

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User

T, INT, FLOAT, BOOL = ValueType.TEXT, ValueType.INT, ValueType.FLOAT, ValueType.BOOL

RESULTS_SPEC = ExportSpec(
    kind="survey-results",
    label=gettext_lazy("Survey results"),
    sheet_title="results",
    columns=(
        ExportColumn("unit", gettext_lazy("municipality code"), "#adm3+code"),
        ExportColumn("unit_name", gettext_lazy("municipality"), "#adm3+name"),
        ExportColumn("survey", gettext_lazy("survey"), "#meta+survey+id", INT),
        ExportColumn("survey_title", gettext_lazy("survey title"), "#meta+survey+name"),
        ExportColumn("round", gettext_lazy("round"), "#meta+survey+round"),
        ExportColumn("question", gettext_lazy("question code"), "#indicator+code"),
        ExportColumn("question_text", gettext_lazy("question"), "#indicator+name"),
        ExportColumn("kind", gettext_lazy("kind of question"), "#indicator+type"),
        ExportColumn("option", gettext_lazy("option code"), "#indicator+option+code"),
        ExportColumn("option_label", gettext_lazy("option"), "#indicator+option+name"),
        ExportColumn("group_by", gettext_lazy("broken down by"), "#meta+group+type"),
        ExportColumn("group", gettext_lazy("group code"), "#meta+group+code"),
        ExportColumn("group_label", gettext_lazy("group"), "#meta+group+name"),
        ExportColumn(
            "respondents", gettext_lazy("respondents who answered"), "#respondee+num", INT
        ),
        ExportColumn("count", gettext_lazy("chose this option"), "#respondee+num+chose", INT),
        # A literal percent sign: xgettext:no-python-format
        ExportColumn("share", gettext_lazy("share, %"), "#respondee+pct", FLOAT),
        ExportColumn(
            "lower",
            # A literal percent sign: xgettext:no-python-format
            gettext_lazy("95 % interval, lower, %"),
            "#respondee+pct+lower",
            FLOAT,
        ),
        ExportColumn(
            "upper",
            # A literal percent sign: xgettext:no-python-format
            gettext_lazy("95 % interval, upper, %"),
            "#respondee+pct+upper",
            FLOAT,
        ),
        ExportColumn("mean", gettext_lazy("mean"), "#indicator+value+mean", FLOAT),
        ExportColumn("median", gettext_lazy("median"), "#indicator+value+median", FLOAT),
        ExportColumn(
            "withheld",
            gettext_lazy("a count withheld (fewer than 5, or one that would give it back)"),
            "#meta+withheld",
            BOOL,
        ),
    ),
)

EXPORT = ExportKind(
    kind=RESULTS_SPEC.kind,
    label=RESULTS_SPEC.label,
    resource=Resource.SURVEYS,
    action=Action.AGGREGATE,
    model="consultations.survey",
    select="kenesh.consultations.results.exports.results_export_from_params",
    filter_help="(survey-results: survey, by)",
)

FILTER_NAMES = frozenset({"survey", "by"})


def _percent(value: float | None) -> float | None:
    return None if value is None else round(100.0 * value, 2)


def result_rows(results: SurveyResults) -> Iterator[dict[str, Any]]:
    """The rows of the export, in the page's order: per question, its groups then everyone;
    per choice question one row per option."""
    survey = results.survey
    base = {
        "unit": survey.unit.code,
        "unit_name": survey.unit.name,
        "survey": survey.pk,
        "survey_title": survey.title,
        "round": survey.round,
        "group_by": results.by or "",
    }
    for question in results.questions:
        head = {
            **base,
            "question": question.code,
            "question_text": question.question.text,
            "kind": question.question.kind,
        }
        for row in question.rows:
            yield from _rows_of(head, question.is_choice, question.options, row)


def _rows_of(
    head: dict[str, Any], choice: bool, options: list[Any], row: GroupResult
) -> Iterator[dict[str, Any]]:
    group = {"group": row.group.key, "group_label": row.group.label, "respondents": row.n.value}
    if not choice:
        yield {
            **head,
            **group,
            "mean": row.mean,
            "median": row.median,
            "withheld": row.n.suppressed,
        }
        return
    for ref, cell in zip(options, row.options, strict=True):
        yield {
            **head,
            **group,
            "option": ref.code,
            "option_label": ref.label,
            "count": cell.count.value,
            "share": _percent(cell.share),
            "lower": _percent(cell.lower),
            "upper": _percent(cell.upper),
            "withheld": row.n.suppressed or cell.count.suppressed,
        }


def results_export(
    *, user: User | AnonymousUser | None, survey: int, by: str | None = None
) -> ExportSelection:
    """The results of ``survey`` as ``user`` may see them (the page's selector, so the file
    holds what the page shows), as export rows. ``None`` is the trusted operator of the command
    line, who gets every count (as readers of surveys do)."""
    if user is None:
        try:
            found = Survey.objects.select_related("unit").get(pk=survey)
        except Survey.DoesNotExist:
            raise Http404 from None
        results = results_at(found, detail=Detail.READ, by=by)
    else:
        results = survey_results(survey=survey, user=user, by=by)
    rows = list(result_rows(results))
    filters: dict[str, Any] = {"survey": results.survey.pk}
    if results.by:
        filters["by"] = results.by
    return ExportSelection(
        spec=RESULTS_SPEC,
        rows=rows,
        count=len(rows),
        filters=filters,
        unit_path=results.survey.unit.path,
    )


def results_export_from_params(
    *, user: User | AnonymousUser | None, params: Mapping[str, str]
) -> ExportSelection:
    """:func:`results_export` with its filters as text (``kenesh export survey-results
    survey=12 by=sex``); a bad filter or a survey not in the user's area is a
    ``ValidationError``."""
    unknown = sorted(set(params) - FILTER_NAMES)
    if unknown:
        raise ValidationError(
            _("Unknown filter %(names)s; the filters are: %(known)s.")
            % {"names": ", ".join(unknown), "known": ", ".join(sorted(FILTER_NAMES))}
        )
    text = params.get("survey", "")
    if not text.isdigit():
        raise ValidationError({"survey": _("Give the survey's number.")})
    by = params.get("by") or None
    if by is not None and by not in GROUPINGS:
        raise ValidationError(
            {"by": _("Break results down by one of: %(names)s.") % {"names": ", ".join(GROUPINGS)}}
        )
    try:
        return results_export(user=user, survey=int(text), by=by)
    except Http404:
        raise ValidationError({"survey": _("No such survey in your area.")}) from None
    except ResultsRefused as exc:
        raise ValidationError({exc.field: exc.message}) from None
