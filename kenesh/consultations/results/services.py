"""Writes of survey results: which questions' results the municipality's public page shows."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from django.db import transaction

from kenesh.consultations.models import Question, Survey
from kenesh.core.audit import audit_update, snapshot

if TYPE_CHECKING:
    from kenesh.accounts.models import User


@transaction.atomic
def survey_publish_questions(
    *, actor: User | None, survey: Survey, question_ids: Collection[int]
) -> list[Question]:
    """Publish the results of exactly the questions of ``survey`` whose ids are in
    ``question_ids`` (``Question.published``), and unpublish the others; each question that
    changes is audited. Ids of other surveys' questions are ignored. Returns the questions
    changed. The public page shows published results at the public level of detail (counts
    from 1 to 4 suppressed); free-text answers are never published, whatever the flag says.
    """
    wanted = set(question_ids)
    changed: list[Question] = []
    questions = (
        Question.objects.select_for_update(of=("self",))
        .select_related("survey__unit")
        .filter(survey=survey)
        .order_by("pk")
    )
    for question in questions:
        published = question.pk in wanted
        if question.published == published:
            continue
        before = snapshot(question)
        question.published = published
        question.save(update_fields=["published"])
        audit_update(actor, question, before)
        changed.append(question)
    return changed
