"""Disclosure control of the before/after evaluation (docs/privacy.md).

The review's case: an aggregate-only account asked for domestic violence in one treated
municipality, one month before a start and an ``end`` a fortnight after it, and got the raw
counts (2 before, 1 after) over windows shorter than a month. Now its dates are widened to whole
months, as the statistics' are, and an evaluation with a count from 1 to 4 in a sensitive
category is refused whole (its rates and ratios give the counts back). Staff who read the
register and the police keep the evaluation as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from kenesh.core.disclosure import Detail, DisclosureRefused
from kenesh.geo.evaluation import GroupWindows, Window
from kenesh.geo.models import AdministrativeUnit, PopulationCount
from kenesh.incidents.analysis.trends import Evaluation
from kenesh.incidents.disclosure import check_evaluation
from kenesh.incidents.models import Incident
from kenesh.incidents.tests.factories import IncidentFactory
from kenesh.portal.demo import JETI_OGUZ, KARAKOL

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
URL = "/api/v1/analytics/evaluation"
PAGE = "/analysis/evaluation/"

#: Domestic assaults (ICCS 0201 by a family member) per municipality and day.
ASSAULTS = {
    JETI_OGUZ: [dt.date(2024, 5, 20), dt.date(2024, 5, 28), dt.date(2024, 6, 10)],
    KARAKOL: [dt.date(2024, 5, 3 + k) for k in range(8)]
    + [dt.date(2024, 6, 1 + 3 * k) for k in range(9)],
}
#: Thefts that fix the records' range, with a day inside a month at each end.
THEFTS = [dt.date(2023, 1, 17), dt.date(2024, 6, 20), dt.date(2024, 11, 12)]


def unit(code: str) -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code=code)


@pytest.fixture
def assaults() -> list[Incident]:
    Incident.objects.all().delete()
    for code, population in ((JETI_OGUZ, 10_000), (KARAKOL, 80_000)):
        for year in (2023, 2024):
            PopulationCount.objects.update_or_create(
                unit=unit(code), year=year, defaults={"population": population}
            )
    made = [
        IncidentFactory.create(
            unit=unit(code), iccs_id="0201", relationship="family", occurred_on=day
        )
        for code, days in ASSAULTS.items()
        for day in days
    ]
    for code in (JETI_OGUZ, KARAKOL):
        made.extend(
            IncidentFactory.create(unit=unit(code), occurred_on=day, iccs_id="0501")
            for day in THEFTS
        )
    assert all(one.categories == "|domestic_violence|" for one in made[:20])
    return made


def asked(**overrides: Any) -> dict[str, Any]:
    """The review's request: one month before 1 June 2024, the after period to 15 June."""
    data: dict[str, Any] = {
        "category": "domestic_violence",
        "treated": JETI_OGUZ,
        "comparison": KARAKOL,
        "start": "2024-06-01",
        "before_months": 1,
        "end": "2024-06-15",
    }
    data.update(overrides)
    return data


def counted(code: str, first: dt.date, last: dt.date) -> int:
    """By hand, from the plan."""
    return sum(1 for day in ASSAULTS[code] if first <= day <= last)


def test_the_reviews_example_an_aggregate_only_account_gets_no_small_count(
    client_as: ClientAs, assaults: list[Incident]
) -> None:
    response = client_as("coordinator").get(URL, asked())
    assert response.status_code == 422, response.content
    error = response.json()["errors"][0]
    assert error["loc"] == ["query", "treated"]
    assert "under 5" in error["msg"] and "more municipalities or longer periods" in error["msg"]
    text = response.content.decode()
    for leaked in ("count_before", "rate_before", "rate_ratio", "ratio_of_rate_ratios"):
        assert leaked not in text


def test_aggregate_only_windows_are_whole_months_like_the_statistics(
    client_as: ClientAs, assaults: list[Incident]
) -> None:
    """Counts of 5 or more are given, over whole months: the start, the end and the records'
    range are widened (the first of the month to the last), never a fortnight."""
    params = asked(start="2024-06-10")
    del params["category"]
    body = client_as("coordinator").get(URL, params).json()
    assert body["start"] == "2024-06-01"
    assert body["before"] == {"start": "2024-05-01", "end": "2024-05-31"}
    assert body["after"] == {"start": "2024-06-01", "end": "2024-06-30"}
    assert (body["data_start"], body["data_end"]) == ("2023-01-01", "2024-11-30")
    june, may = (
        (dt.date(2024, 6, 1), dt.date(2024, 6, 30)),
        (dt.date(2024, 5, 1), dt.date(2024, 5, 31)),
    )
    assert body["treated"]["count_before"] == counted(JETI_OGUZ, *may) == 2
    # The treated count after is June's assault and theft: 2, but all incidents is not a
    # sensitive category, so it is given, as the statistics give it.
    assert body["treated"]["count_after"] == counted(JETI_OGUZ, *june) + 1 == 2
    assert body["comparison"]["count_before"] == counted(KARAKOL, *may) == 8
    assert body["comparison"]["count_after"] == counted(KARAKOL, *june) + 1 == 10


def test_a_sensitive_evaluation_with_every_count_of_five_or_more_is_given(
    client_as: ClientAs, assaults: list[Incident]
) -> None:
    extra = [dt.date(2024, 4, 2 + k) for k in range(5)] + [
        dt.date(2024, 7, 2 + k) for k in range(4)
    ]
    for day in extra:
        IncidentFactory.create(iccs_id="0201", relationship="family", occurred_on=day)
    body = client_as("coordinator").get(URL, asked(before_months=2, end="2024-07-31")).json()
    counts = [
        body[group][side]
        for group in ("treated", "comparison")
        for side in ("count_before", "count_after")
    ]
    assert counts == [7, 5, 8, 9]
    assert body["difference_in_differences"]["ratio_of_rate_ratios"] is not None


def test_staff_keep_the_evaluation_as_it_was(client_as: ClientAs, assaults: list[Incident]) -> None:
    """Staff who read the register (the administrator, over the country) see the records:
    exact dates and every count. (The police and the LCPC of Jeti-Oguz have one municipality,
    no comparison; their level is covered by the last test.)"""
    body = client_as("admin").get(URL, asked()).json()
    assert body["after"] == {"start": "2024-06-01", "end": "2024-06-15"}
    assert body["treated"]["count_before"] == counted(
        JETI_OGUZ, dt.date(2024, 5, 1), dt.date(2024, 5, 31)
    )
    assert body["treated"]["count_after"] == 1
    assert (body["data_start"], body["data_end"]) == ("2023-01-17", "2024-11-12")


def test_the_page_refuses_with_a_form_error_and_shows_nothing_of_it(
    client_as: ClientAs, assaults: list[Incident]
) -> None:
    client = client_as("coordinator")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    params = {**asked(), "after_months": 1}
    del params["end"]
    response = client.get(PAGE, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert "counts under 5 are not published" in html
    assert 'data-testid="evaluation-result"' not in html
    assert 'data-testid="evaluation-table"' not in html
    staff = client_as("admin").get(PAGE, params)
    assert staff.status_code == 200
    assert 'data-testid="evaluation-table"' in staff.content.decode()


def _evaluation(category: str, counts: tuple[int, int, int, int]) -> Evaluation:
    day = dt.date(2024, 1, 1)

    def group(before: int, after: int) -> GroupWindows:
        return GroupWindows([], before, after, 1000.0, 1000.0)

    return Evaluation(
        start=day,
        before=Window(day, day),
        after=Window(day, day),
        data_start=day,
        data_end=day,
        treated=group(*counts[:2]),
        comparison=group(*counts[2:]),
        result=None,  # type: ignore[arg-type]
        caveats=[],
        category=category,
    )


def test_the_rule_by_level_and_category_for_every_count() -> None:
    """Refused exactly where the statistics would suppress a count: 1 to 4 in a sensitive
    category below read, any category for the public; 0 and 5 or more are given."""
    for detail in Detail:
        for category in ("", "domestic_violence", "livestock_theft"):
            for small in range(0, 8):
                for position in range(4):
                    counts = [20, 20, 20, 20]
                    counts[position] = small
                    found = _evaluation(category, (counts[0], counts[1], counts[2], counts[3]))
                    withheld = 1 <= small <= 4 and (
                        detail is Detail.PUBLIC
                        or (detail is Detail.AGGREGATE and category == "domestic_violence")
                    )
                    if withheld:
                        with pytest.raises(DisclosureRefused):
                            check_evaluation(found, detail)
                    else:
                        check_evaluation(found, detail)
