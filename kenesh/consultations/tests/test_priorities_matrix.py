"""The priority matrix against components worked out by hand from the factories' data:
concerns, a "most serious problems" survey, incidents and population; the survey component
missing; small counts withheld for aggregate-only roles; the page."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kenesh.accounts.tests.factories import UserFactory
from kenesh.analytics.priorities import DEFAULT_WEIGHTS
from kenesh.consultations.models import ConcernCategory, QuestionKind, QuestionMeasure
from kenesh.consultations.priorities.selectors import (
    Component,
    MatrixRow,
    PriorityMatrix,
    Status,
    priority_matrix,
)
from kenesh.consultations.tests.factories import (
    AnswerFactory,
    ConcernFactory,
    OptionFactory,
    QuestionFactory,
    ResponseFactory,
    SurveyFactory,
)
from kenesh.core.permissions import Role
from kenesh.geo.tests.factories import MunicipalityFactory, PopulationCountFactory, country
from kenesh.incidents.tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

START, END = dt.date(2024, 7, 1), dt.date(2025, 6, 30)
BEFORE = (dt.date(2023, 7, 1), dt.date(2024, 6, 30))
POPULATION = {2023: 8_000, 2024: 10_000, 2025: 12_000}


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def person_years(start: dt.date, end: dt.date) -> float:
    """Σ over the years of population × days covered / days in the year, day by day."""
    total, day = 0.0, start
    while day <= end:
        days_in_year = 366 if day.year % 4 == 0 else 365
        total += POPULATION[day.year] / days_in_year
        day += dt.timedelta(days=1)
    return total


@pytest.fixture
def unit():
    municipality = MunicipalityFactory.create()
    for year, population in POPULATION.items():
        PopulationCountFactory(unit=municipality, year=year, population=population)
    return municipality


def make_concerns(unit, counts: dict[str, int]) -> None:
    for code, n in counts.items():
        for _ in range(n):
            ConcernFactory(unit=unit, category_id=code, received_at=at(dt.date(2024, 9, 1)))
    # Outside the period: not counted.
    ConcernFactory(unit=unit, category_id="stray_dogs", received_at=at(dt.date(2024, 6, 30)))


def make_survey(unit, chosen: list[list[str]]) -> None:
    survey = SurveyFactory(unit=unit)
    question = QuestionFactory(
        survey=survey, kind=QuestionKind.MULTIPLE, measures=QuestionMeasure.SERIOUS_PROBLEMS
    )
    options = {
        code: OptionFactory(question=question, code=code)
        for code in ConcernCategory.objects.values_list("code", flat=True)
    }
    for codes in chosen:
        response = ResponseFactory(survey=survey, submitted_at=at(dt.date(2025, 2, 1)))
        for code in codes:
            AnswerFactory(response=response, question=question, option=options[code])


def make_incidents(unit) -> None:
    # Livestock theft: 6 in the period, 3 before; burglary: 5 in the period, 10 before; and one
    # earlier, so the register begins before the period before.
    IncidentFactory(unit=unit, iccs_id="0501", occurred_on=dt.date(2023, 1, 10))
    for day in [dt.date(2024, 8, d) for d in range(1, 7)]:
        IncidentFactory(unit=unit, iccs_id="05025", occurred_on=day)
    for day in [dt.date(2023, 9, d) for d in range(1, 4)]:
        IncidentFactory(unit=unit, iccs_id="05025", occurred_on=day)
    for day in [dt.date(2025, 1, d) for d in range(1, 6)]:
        IncidentFactory(unit=unit, iccs_id="0501", occurred_on=day)
    for day in [dt.date(2024, 1, d) for d in range(1, 11)]:
        IncidentFactory(unit=unit, iccs_id="0501", occurred_on=day)


def row_of(matrix: PriorityMatrix, code: str) -> MatrixRow:
    found = matrix.row(code)
    assert found is not None
    return found


def components_of(matrix: PriorityMatrix, code: str) -> dict[str, Component]:
    return row_of(matrix, code).components


def expected_scores(raw: dict[str, dict[str, float]]) -> dict[str, float]:
    """Share of the maximum (min–max for the change) and the weighted mean over the present
    components, written out again."""
    names = list(DEFAULT_WEIGHTS)
    scaled: dict[str, dict[str, float]] = {code: {} for code in raw}
    for name in names:
        present = {code: row[name] for code, row in raw.items() if not math.isnan(row[name])}
        if not present:
            continue
        low, high = min(present.values()), max(present.values())
        for code, value in present.items():
            if name == "rate_change":
                scaled[code][name] = (value - low) / (high - low) if high > low else 0.0
            else:
                scaled[code][name] = value / high if high > 0 else 0.0
    return {
        code: sum(DEFAULT_WEIGHTS[n] * v for n, v in parts.items())
        / sum(DEFAULT_WEIGHTS[n] for n in parts)
        for code, parts in scaled.items()
    }


def test_the_matrix_matches_components_worked_out_by_hand(unit):
    make_concerns(unit, {"street_lighting": 6, "livestock_theft": 3, "burglary": 1})
    make_survey(
        unit,
        [["street_lighting", "livestock_theft"], ["livestock_theft"], ["burglary"], []],
    )
    make_incidents(unit)
    user = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit)
    matrix = priority_matrix(user=user, unit=unit, start=START, end=END)

    assert (matrix.start, matrix.end) == (START, END)
    assert (matrix.before_start, matrix.before_end) == BEFORE
    after_years, before_years = person_years(START, END), person_years(*BEFORE)
    livestock = components_of(matrix, "livestock_theft")
    assert livestock["concerns_share"].value == pytest.approx(3 / 10)
    assert livestock["concerns_share"].n == 3
    # Four respondents answered (one chose nothing, so answered nothing: three respondents).
    assert matrix.respondents == 3
    assert livestock["survey_share"].value == pytest.approx(2 / 3)
    assert livestock["incident_rate"].value == pytest.approx(10_000 * 6 / after_years)
    assert livestock["rate_change"].value == pytest.approx(
        10_000 * 6 / after_years - 10_000 * 3 / before_years
    )
    burglary = components_of(matrix, "burglary")
    assert burglary["incident_rate"].value == pytest.approx(10_000 * 5 / after_years)
    lights = components_of(matrix, "street_lighting")
    assert lights["incident_rate"].status == Status.NOT_APPLICABLE
    assert lights["severity"].value == 1.0

    nan = math.nan
    raw: dict[str, dict[str, float]] = {}
    for row in matrix.rows:
        raw[row.category.code] = {
            name: (one.value if one.status == Status.OK and one.value is not None else nan)
            for name, one in row.components.items()
        }
    expected = expected_scores(raw)
    for row in matrix.rows:
        assert row.score == pytest.approx(expected[row.category.code])
    ranked = sorted(expected, key=lambda code: -expected[code])
    assert [row.category.code for row in matrix.rows][:3] == ranked[:3]
    assert [row.rank for row in matrix.rows] == list(range(1, len(matrix.rows) + 1))


def test_without_a_survey_the_survey_component_is_missing_and_the_weights_renormalise(unit):
    make_concerns(unit, {"street_lighting": 5, "fraud": 5})
    user = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit)
    matrix = priority_matrix(user=user, unit=unit, start=START, end=END)
    lights = row_of(matrix, "street_lighting")
    assert lights.components["survey_share"].status == Status.MISSING
    # Street lighting: concerns 1 (the largest share), severity 1/5; no survey, no incidents.
    w = DEFAULT_WEIGHTS
    expected = (w["concerns_share"] * 1.0 + w["severity"] * 0.2) / (
        w["concerns_share"] + w["severity"]
    )
    assert lights.score == pytest.approx(expected)


def test_weights_asked_for_replace_the_defaults(unit):
    make_concerns(unit, {"street_lighting": 5})
    user = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit)
    matrix = priority_matrix(
        user=user,
        unit=unit,
        start=START,
        end=END,
        weights={"severity": 0.0, "incident_rate": 0.0, "rate_change": 0.0},
    )
    assert matrix.weights["severity"] == 0.0
    assert matrix.rows[0].category.code == "street_lighting"
    assert matrix.rows[0].score == pytest.approx(1.0)


def test_an_aggregate_only_role_gets_counts_under_five_withheld_not_normalised(unit):
    make_concerns(unit, {"street_lighting": 6, "livestock_theft": 3})
    make_incidents(unit)
    coordinator = UserFactory.create(role=Role.PROGRAMME_COORDINATOR, unit=country())
    matrix = priority_matrix(user=coordinator, unit=unit, start=START, end=END)
    livestock = components_of(matrix, "livestock_theft")
    assert livestock["concerns_share"].status == Status.SUPPRESSED
    assert livestock["concerns_share"].n is None and livestock["concerns_share"].small
    assert livestock["concerns_share"].value is None
    assert livestock["concerns_share"].normalised is None
    # 6 livestock thefts in the period but 3 before: the rate stays, the change is withheld.
    assert livestock["incident_rate"].status == Status.OK
    assert livestock["rate_change"].status == Status.SUPPRESSED
    # The street lighting count (6) would give the 3 back from the total: withheld too.
    lights = components_of(matrix, "street_lighting")
    assert lights["concerns_share"].status == Status.SUPPRESSED
    assert not lights["concerns_share"].small
    # The police read the records: nothing withheld.
    police = UserFactory.create(role=Role.POLICE_OFFICER, unit=unit)
    full = priority_matrix(user=police, unit=unit, start=START, end=END)
    assert components_of(full, "livestock_theft")["concerns_share"].value == pytest.approx(1 / 3)


def test_the_page_shows_every_component_beside_the_score_with_a_legend(unit):
    make_concerns(unit, {"street_lighting": 6, "livestock_theft": 3})
    user = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    response = client.get(
        reverse("consultations:priorities:matrix"),
        {"unit": unit.code, "date_from": "2024-07-01", "date_to": "2025-06-30"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-category="street_lighting"' in body
    assert 'data-testid="legend-missing"' in body
    assert 'data-testid="legend-not-applicable"' in body
    assert 'data-testid="adopt-link"' in body
    assert response.context["matrix"].rows[0].category.code == "street_lighting"


def test_the_page_refuses_bad_weights_with_a_400_and_keeps_what_was_typed(unit):
    user = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    response = client.get(
        reverse("consultations:priorities:matrix"), {"unit": unit.code, "w_severity": "-3"}
    )
    assert response.status_code == 400
    assert 'value="-3"' in response.content.decode()


def test_a_municipality_outside_the_area_is_not_found_and_a_role_without_priorities_refused(unit):
    elsewhere = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=MunicipalityFactory.create())
    registrar = UserFactory.create(role=Role.LIVESTOCK_REGISTRAR, unit=unit)
    url = reverse("consultations:priorities:matrix")
    for user, status in ((elsewhere, 404), (registrar, 403)):
        client = Client()
        client.force_login(user)
        assert client.get(url, {"unit": unit.code}).status_code == status


def concerns_with_small_counts(unit) -> None:
    """Burglary 10, livestock theft 4 and fraud 1: the 4 and the 1 are withheld from an
    aggregate-only viewer (each protects the other, the total stays shown)."""
    for code, n in {"burglary": 10, "livestock_theft": 4, "fraud": 1}.items():
        for _ in range(n):
            ConcernFactory(unit=unit, category_id=code, received_at=at(dt.date(2024, 9, 1)))


def test_the_ranking_is_the_same_for_the_lcpc_and_the_programme_coordinator(unit):
    concerns_with_small_counts(unit)
    lcpc = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit)
    coordinator = UserFactory.create(role=Role.PROGRAMME_COORDINATOR, unit=country())
    full = priority_matrix(user=lcpc, unit=unit, start=START, end=END)
    seen = priority_matrix(user=coordinator, unit=unit, start=START, end=END)
    assert components_of(seen, "fraud")["concerns_share"].status == Status.SUPPRESSED
    assert components_of(full, "fraud")["concerns_share"].value == pytest.approx(1 / 15)
    # Fraud (1 of 15 concerns, severity 2) ranks below domestic violence (no concerns,
    # severity 4) for everyone: its withheld share still counts.
    assert [row.category.code for row in seen.rows] == [row.category.code for row in full.rows]
    assert [row.rank for row in seen.rows] == [row.rank for row in full.rows]
    assert seen.withheld_scored
    for mine, theirs in zip(full.rows, seen.rows, strict=True):
        assert mine.score is not None and theirs.score is not None
        assert theirs.score == round(mine.score, 2)


def test_other_weights_leave_an_aggregate_only_viewers_withheld_components_out(unit):
    concerns_with_small_counts(unit)
    coordinator = UserFactory.create(role=Role.PROGRAMME_COORDINATOR, unit=country())
    only_concerns = {"concerns_share": 1.0, "survey_share": 0.0, "incident_rate": 0.0}
    only_concerns |= {"rate_change": 0.0, "severity": 0.0}
    matrix = priority_matrix(
        user=coordinator, unit=unit, start=START, end=END, weights=only_concerns
    )
    # Weight on the withheld share alone would give 1 / 10 back as fraud's score.
    assert not matrix.withheld_scored
    assert row_of(matrix, "fraud").score is None
    assert row_of(matrix, "burglary").score == pytest.approx(1.0)


def test_withheld_values_never_reach_the_coordinators_page_or_api(unit):
    concerns_with_small_counts(unit)
    coordinator = UserFactory.create(role=Role.PROGRAMME_COORDINATOR, unit=country())
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(coordinator)
    period = {"unit": unit.code, "date_from": "2024-07-01", "date_to": "2025-06-30"}
    page = client.get(reverse("consultations:priorities:matrix"), period)
    assert page.status_code == 200
    body = page.content.decode()
    fraud_row = body.split('data-category="fraud"')[1].split("</tr>")[0]
    concerns_cell = fraud_row.split('data-component="concerns_share"')[1].split("</td>")[0]
    assert "&lt;5" in concerns_cell and "7%" not in concerns_cell
    assert 'data-testid="legend-small"' in body
    answer = client.get(
        "/api/v1/priorities", {"unit": unit.code, "from": "2024-07-01", "to": "2025-06-30"}
    )
    assert answer.status_code == 200
    items = {item["category"]: item for item in answer.json()["items"]}
    assert items["fraud"]["components"]["concerns_share"] == {
        "value": None,
        "n": None,
        "status": "suppressed",
    }
    text = answer.content.decode()
    # Neither share (1/15, 4/15) appears anywhere (components carry no normalised value).
    for hidden in ("0.0666", "0.2666"):
        assert hidden not in text
    for item in items.values():
        assert item["score"] == round(item["score"], 2)
