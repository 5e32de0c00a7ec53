"""The public "You said, we did" page: counts from 1 to 4 withheld, no personal data, the
concerns moderation made public, the priorities adopted."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kenesh.consultations.models import AdoptedPriority, Concern, ConcernStatus
from kenesh.consultations.priorities.selectors import default_period
from kenesh.consultations.tests.factories import ConcernFactory
from kenesh.geo.tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db


def received_in_period() -> dt.datetime:
    start, _end = default_period()
    return timezone.make_aware(dt.datetime.combine(start + dt.timedelta(days=20), dt.time(10)))


def test_the_public_page_withholds_small_counts_and_shows_no_personal_data():
    unit = MunicipalityFactory.create()
    when = received_in_period()
    for _ in range(7):
        ConcernFactory(
            unit=unit, category_id="street_lighting", received_at=when, contact="+996 555 000 111"
        )
    for _ in range(2):
        ConcernFactory(
            unit=unit, category_id="stray_dogs", received_at=when, contact="secret@example.org"
        )
    ConcernFactory(
        unit=unit,
        category_id="stray_dogs",
        received_at=when,
        contact="+996 700 222 333",
        text="Dogs near the school every morning.",
        public=True,
        status=ConcernStatus.ACKNOWLEDGED,
    )
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(
        reverse("consultations:outcomes:page", args=[unit.code])
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert not re.search(r"<td[^>]*>\s*[1-4]\s*</td>", body)
    assert 'data-withheld="small"' in body  # 3 stray dog concerns
    assert "+996" not in body and "secret@example.org" not in body
    # The moderated public concern is shown (text, status), without its reference number.
    assert "Dogs near the school every morning." in body
    for concern in Concern.objects.filter(unit=unit):
        assert concern.reference not in body and concern.display_reference not in body
    # 10 concerns in all, 7 of them about street lighting: the 7 cannot be shown, as the
    # total would give the 3 back.
    assert 'data-withheld="complementary"' in body


def test_the_public_page_lists_the_priorities_adopted_in_their_order():
    unit = MunicipalityFactory.create()
    for rank, code in enumerate(["burglary", "stray_dogs"], start=1):
        AdoptedPriority.objects.create(
            unit=unit,
            category_id=code,
            rank=rank,
            adopted_on=dt.date(2025, 7, 10),
            decision="Patrols at night.",
            period_start=dt.date(2024, 7, 1),
            period_end=dt.date(2025, 6, 30),
        )
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(
        reverse("consultations:outcomes:page", args=[unit.code])
    )
    body = response.content.decode()
    assert body.index("Burglary") < body.index("Stray dogs")
    assert "Patrols at night." in body
    assert "No concerns were received in this period." in body


def test_a_unit_that_is_not_a_municipality_has_no_public_page():
    rayon = MunicipalityFactory.create().parent
    assert rayon is not None
    url = reverse("consultations:outcomes:page", args=[rayon.code])
    assert Client().get(url).status_code == 404
    assert Client().get("/public/99999999999999/").status_code == 404


def test_the_public_page_shows_the_survey_results_the_coordinator_published():
    from kenesh.consultations.tests.factories import SurveyFactory
    from kenesh.consultations.tests.test_results_compare import answers, round_of
    from kenesh.consultations.tests.test_results_selectors import respond

    survey = round_of(SurveyFactory.create().unit, dt.date(2024, 1, 1))
    survey.questions.filter(code="unsafe").update(published=True)
    respond(survey, answers(unsafe_yes=12, police_good=30, n=30))
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(
        reverse("consultations:outcomes:page", args=[survey.unit.code])
    )
    body = response.content.decode()
    assert 'data-testid="survey-results"' in body
    assert 'data-testid="results-unsafe"' in body and "results-police" not in body


def test_the_public_page_and_the_matrix_count_concerns_alike_without_merged_duplicates():
    from kenesh.accounts.tests.factories import UserFactory
    from kenesh.consultations.priorities.selectors import priority_matrix
    from kenesh.core.permissions import Role

    unit = MunicipalityFactory.create()
    when = received_in_period()
    kept = [
        ConcernFactory(unit=unit, category_id="street_lighting", received_at=when) for _ in range(6)
    ]
    for _ in range(5):
        ConcernFactory(unit=unit, category_id="burglary", received_at=when)
    for _ in range(3):
        ConcernFactory(
            unit=unit, category_id="street_lighting", received_at=when, merged_into=kept[0]
        )
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(
        reverse("consultations:outcomes:page", args=[unit.code])
    )
    raised = {row.category.code: row.count.value for row in page.context["page"].raised}
    assert raised["street_lighting"] == 6
    start, end = default_period()
    lcpc = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit)
    matrix = priority_matrix(user=lcpc, unit=unit, start=start, end=end)
    row = matrix.row("street_lighting")
    assert row is not None and row.components["concerns_share"].n == 6
    assert raised["burglary"] == 5 and matrix.concerns == 11
