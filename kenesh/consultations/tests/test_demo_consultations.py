"""Demo consultations: idempotent, and telling the story they are meant to tell.

The root conftest loads the demo programme (every module's demo loader) once per test
database; these tests read what it wrote, and one loads again to see that nothing is added.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import pytest
from django.db.models import Count

from kenesh.consultations.demo import (
    JETI_OGUZ,
    KARA_KULJA,
    KOCHKOR,
    PILOTS,
    SEED_PRIORITIES,
    demo_consultations_load,
    demo_module_load,
)
from kenesh.consultations.models import (
    AdoptedPriority,
    Answer,
    Concern,
    ConcernChannel,
    ConcernEvent,
    ConcernStatus,
    Meeting,
    Question,
    Response,
    Survey,
    SurveyStatus,
)

pytestmark = pytest.mark.django_db

UNSAFE = {"a_bit_unsafe", "very_unsafe"}


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (
            Survey,
            Question,
            Response,
            Answer,
            Meeting,
            Concern,
            ConcernEvent,
            AdoptedPriority,
        )
    )


def _unsafe_share(code: str, round_: str) -> tuple[float, int]:
    """Share answering a bit or very unsafe, of those who answered, from the answers alone."""
    answers = list(
        Answer.objects.filter(
            response__survey__unit__code=code,
            response__survey__series="standard",
            response__survey__round=round_,
            question__code="safe_after_dark",
        ).values_list("option__code", flat=True)
    )
    return sum(answer in UNSAFE for answer in answers) / len(answers), len(answers)


def test_loading_again_adds_nothing() -> None:
    before = _counts()
    assert all(before)
    assert "0 surveys with 0 responses, 0 meetings, 0 concerns" in demo_module_load()
    assert _counts() == before


def test_each_pilot_has_a_closed_baseline_and_a_follow_up_of_a_few_hundred_responses() -> None:
    for code in PILOTS:
        surveys = {s.round: s for s in Survey.objects.filter(unit__code=code, series="standard")}
        assert set(surveys) == {"baseline", "follow_up"}
        assert surveys["baseline"].status == SurveyStatus.CLOSED
        assert surveys["follow_up"].status in (SurveyStatus.OPEN, SurveyStatus.CLOSED)
        baseline_closes, follow_up_opens = (
            surveys["baseline"].closes_on,
            surveys["follow_up"].opens_on,
        )
        assert baseline_closes is not None and follow_up_opens is not None
        assert baseline_closes < follow_up_opens
        for survey in surveys.values():
            assert 200 <= survey.responses.count() <= 500
            assert survey.questions.filter(published=True).exists()
            assert not survey.responses.filter(submitted_at__date__gt=survey.closes_on).exists()


def test_feeling_unsafe_after_dark_falls_clearly_in_jeti_oguz_and_not_elsewhere() -> None:
    before, n1 = _unsafe_share(JETI_OGUZ, "baseline")
    after, n2 = _unsafe_share(JETI_OGUZ, "follow_up")
    pooled = (before * n1 + after * n2) / (n1 + n2)
    z = (before - after) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    assert before - after > 0.1
    assert z > 3.3  # two-sided p < 0.001
    for code in (KOCHKOR, KARA_KULJA):
        flat_before, _ = _unsafe_share(code, "baseline")
        flat_after, _ = _unsafe_share(code, "follow_up")
        assert abs(flat_before - flat_after) < 0.05


def test_the_most_serious_problems_are_led_by_the_seed_priorities() -> None:
    for code in PILOTS:
        named = Counter(
            Answer.objects.filter(
                response__survey__unit__code=code, question__code="serious_problems"
            ).values_list("option__code", flat=True)
        )
        assert {category for category, _ in named.most_common(5)} == set(SEED_PRIORITIES)
        per_response = Counter(
            Answer.objects.filter(
                response__survey__unit__code=code, question__code="serious_problems"
            ).values_list("response_id", flat=True)
        )
        assert max(per_response.values()) <= 3
    top = Counter(
        Answer.objects.filter(
            response__survey__unit__code=JETI_OGUZ, question__code="serious_problems"
        ).values_list("option__code", flat=True)
    ).most_common(1)
    assert top[0][0] == "livestock_theft"


def test_a_reporting_answer_is_given_only_after_a_yes() -> None:
    reported = Answer.objects.filter(
        response__survey__unit__code=JETI_OGUZ, question__code__startswith="reported_"
    ).values_list("response_id", "question__code")
    yes = set(
        Answer.objects.filter(
            response__survey__unit__code=JETI_OGUZ,
            question__code__startswith="victim_",
            option__code="yes",
        ).values_list("response_id", "question__code")
    )
    assert reported
    for response_id, code in reported:
        assert (response_id, code.replace("reported_", "victim_")) in yes


def test_about_two_hundred_concerns_from_every_channel_in_every_status() -> None:
    concerns = Concern.objects.filter(unit__code__in=PILOTS)
    assert 180 <= concerns.count() <= 220
    channels = set(concerns.values_list("channel", flat=True))
    assert channels == set(ConcernChannel.values)
    statuses = Counter(concerns.values_list("status", flat=True))
    assert set(statuses) == set(ConcernStatus.values)
    assert not concerns.filter(status="not_actionable", status_reason="").exists()
    assert concerns.filter(public=True).exists()
    assert not concerns.filter(public=True, public_requested=False).exists()
    assert not concerns.filter(public=True, category__in=["domestic_violence"]).exists()
    categories = set(concerns.exclude(category=None).values_list("category_id", flat=True))
    assert set(SEED_PRIORITIES) <= categories
    references = list(Concern.objects.values_list("reference", flat=True))
    assert len(references) == len(set(references))


def test_every_concern_has_a_dated_event_for_each_step_ending_in_its_status() -> None:
    concerns = Concern.objects.filter(unit__code__in=PILOTS).annotate(steps=Count("events"))
    assert not concerns.filter(steps=0).exists()
    for concern in concerns.prefetch_related("events"):
        events = list(concern.events.all())
        assert events[0].status == ConcernStatus.NEW
        assert events[0].at == concern.received_at
        assert events[-1].status == concern.status
        assert events[-1].at == concern.status_changed_at
        assert [e.at for e in events] == sorted(e.at for e in events)
        assert (concern.resolved_at is not None) == (concern.status == ConcernStatus.RESOLVED)
        if concern.is_closed:
            assert concern.reply_address == ""


def test_meetings_have_attendance_by_sex_and_age_and_decisions() -> None:
    for code in PILOTS:
        meetings = list(Meeting.objects.filter(unit__code=code))
        assert len(meetings) >= 4
        for meeting in meetings:
            assert meeting.attendance > 0 and meeting.decisions
        assert sum(m.attended_female_under_18 + m.attended_male_under_18 for m in meetings) > 0


def test_adopted_priorities_are_the_seed_five_decided_at_a_meeting() -> None:
    for code in PILOTS:
        priorities = list(AdoptedPriority.objects.filter(unit__code=code).order_by("rank"))
        assert {p.category_id for p in priorities} == set(SEED_PRIORITIES)
        assert [p.rank for p in priorities] == [1, 2, 3, 4, 5]
        for priority in priorities:
            assert priority.meeting is not None and priority.meeting.unit.code == code
            assert priority.meeting.held_on == priority.adopted_on
            assert priority.decision
            assert priority.period_end < priority.adopted_on
        scores = [p.score or 0.0 for p in priorities]
        assert scores == sorted(scores, reverse=True)
    first = AdoptedPriority.objects.get(unit__code=JETI_OGUZ, rank=1)
    assert first.category_id == "livestock_theft"
    assert AdoptedPriority.objects.get(unit__code=KARA_KULJA, rank=1).category_id == (
        "violent_extremism"
    )


def test_respondents_are_described_without_names() -> None:
    sexes = set(Response.objects.values_list("sex", flat=True))
    assert {"female", "male"} <= sexes
    assert Response.objects.exclude(settlement=None).exists()


def test_a_load_after_the_story_goes_on_receiving_concerns_up_to_its_day() -> None:
    # The test database holds the story as designed (loaded on 2025-12-31): start again from
    # no concerns and load as on 30 June 2026.
    ConcernEvent.objects.all().delete()
    Concern.objects.update(merged_into=None)
    Concern.objects.all().delete()
    demo_consultations_load(today=dt.date(2026, 6, 30))
    years = Counter(concern.received_at.year for concern in Concern.objects.all())
    assert set(years) == {2024, 2025, 2026}
    assert years[2026] > 20  # about half a year at the story's pace
    assert not Concern.objects.filter(received_at__date__gt=dt.date(2026, 6, 30)).exists()
    assert Concern.objects.filter(status=ConcernStatus.NEW).exists()
