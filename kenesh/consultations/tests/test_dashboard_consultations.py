"""The consultations panels of the first screens: the concerns to answer (roles that write
concerns in one municipality), a municipality's consultations, the programme's concerns and
surveys side by side (coordinator, small counts withheld), and a territory's page.

Expected figures are counted here by brute force over the rows the factories made, not through
the selectors. Outsiders never reach a panel: it is built from the user's own scope.
"""

from __future__ import annotations

import datetime as dt
import html as html_module
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kenesh.accounts.models import User
from kenesh.accounts.tests.factories import UserFactory
from kenesh.consultations import dashboard
from kenesh.consultations.models import (
    AdoptedPriority,
    Concern,
    ConcernEvent,
    ConcernStatus,
    Survey,
    SurveyRound,
    SurveyStatus,
)
from kenesh.consultations.tests.factories import (
    ConcernFactory,
    MeetingFactory,
    ResponseFactory,
    SurveyFactory,
)
from kenesh.core.permissions import Role
from kenesh.geo.models import AdministrativeUnit
from kenesh.geo.tests.factories import MunicipalityFactory, RayonFactory
from kenesh.orgs.models import Programme

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def page(user: User, address: str = "/") -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    response = client.get(address)
    assert response.status_code == 200
    return response.content.decode()


def parent_of(unit: AdministrativeUnit) -> AdministrativeUnit:
    assert unit.parent is not None
    return unit.parent


def plain(fragment: str) -> str:
    """The text of an HTML fragment, tags dropped and entities read."""
    return html_module.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def number_in(html: str, testid: str) -> int:
    found = re.search(rf'data-testid="{testid}">([^<]+)<', html)
    assert found is not None, testid
    return int(re.sub(r"\D", "", found.group(1)))


def concern(unit: AdministrativeUnit, *, age_days: float, **fields: object) -> Concern:
    received = timezone.now() - dt.timedelta(days=age_days)
    made = ConcernFactory.create(unit=unit, received_at=received, **fields)
    ConcernEvent.objects.create(concern=made, at=received, status=ConcernStatus.NEW)
    return made


def acknowledge(
    one: Concern, *, after_days: float, status: str = ConcernStatus.ACKNOWLEDGED
) -> None:
    at = one.received_at + dt.timedelta(days=after_days)
    ConcernEvent.objects.create(concern=one, at=at, status=status)
    Concern.objects.filter(pk=one.pk).update(status=status, status_changed_at=at)


def adopt(unit: AdministrativeUnit, day: dt.date, categories: list[str]) -> None:
    for rank, code in enumerate(categories, start=1):
        AdoptedPriority.objects.create(
            unit=unit,
            category_id=code,
            rank=rank,
            adopted_on=day,
            period_start=day - 365 * DAY,
            period_end=day,
        )


@pytest.fixture
def unit() -> AdministrativeUnit:
    return MunicipalityFactory.create()


# --- Concerns to answer ---------------------------------------------------------------------


def test_the_lcpc_sees_new_concerns_the_oldest_first_with_their_age_and_the_stalled_ones(
    unit: AdministrativeUnit,
) -> None:
    ages = [1, 3, 9, 15, 40, 70, 2]
    new = [concern(unit, age_days=age + 0.1, channel="sms") for age in ages]
    stalled = concern(unit, age_days=80)
    acknowledge(stalled, after_days=5)  # 75 days without a step
    fresh = concern(unit, age_days=20)
    acknowledge(fresh, after_days=2)  # acknowledged 18 days ago
    done = concern(unit, age_days=90)
    acknowledge(done, after_days=1, status=ConcernStatus.RESOLVED)
    concern(MunicipalityFactory.create(), age_days=100)  # another municipality

    html = page(UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit))

    mine = list(Concern.objects.filter(unit=unit))
    now = timezone.now()
    assert (
        number_in(html, "concerns-new-count")
        == sum(1 for one in mine if one.status == ConcernStatus.NEW)
        == len(new)
    )
    assert (
        number_in(html, "concerns-stalled-count")
        == sum(
            1
            for one in mine
            if one.status == ConcernStatus.ACKNOWLEDGED and now - one.status_changed_at > 30 * DAY
        )
        == 1
    )
    oldest = sorted(new, key=lambda one: one.received_at)[: dashboard.OLDEST_SHOWN]
    listed = re.findall(r'href="/consultations/concerns/(\d+)/"', html)
    assert [int(pk) for pk in listed] == [one.pk for one in oldest]
    ages_shown = [
        int(re.sub(r"\D", "", text))
        for text in re.findall(r'data-testid="concern-age">([^<]+)<', html)
    ]
    assert ages_shown == [
        (timezone.localdate() - timezone.localdate(one.received_at)).days for one in oldest
    ]
    assert "SMS" in html and "Street lighting" in html
    assert f'href="{reverse("consultations:public:concern_form", args=[unit.code])}"' in html
    assert f'href="{reverse("consultations:public:poster", args=[unit.code])}"' in html


@pytest.mark.parametrize("role", [Role.POLICE_OFFICER, Role.CIVIL_SOCIETY])
def test_police_and_civil_society_see_the_concerns_to_answer_too(
    unit: AdministrativeUnit, role: Role
) -> None:
    concern(unit, age_days=2)
    html = page(UserFactory.create(role=role, unit=unit))
    assert number_in(html, "concerns-new-count") == 1


@pytest.mark.parametrize("role", [Role.LOCAL_GOVERNMENT, Role.LIVESTOCK_REGISTRAR])
def test_roles_that_do_not_write_concerns_get_no_concerns_to_answer(
    unit: AdministrativeUnit, role: Role
) -> None:
    concern(unit, age_days=2)
    html = page(UserFactory.create(role=role, unit=unit))
    assert 'data-testid="panel-concerns"' not in html


def test_a_dashboard_of_several_municipalities_has_no_concerns_to_answer() -> None:
    rayon = RayonFactory.create()
    first, second = MunicipalityFactory.create_batch(2, parent=rayon)
    concern(first, age_days=2)
    user = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=rayon)
    assert dashboard.concerns_panel(user, [first, second]) is None
    assert dashboard.concerns_panel(user, [first]) is not None


# --- A municipality's consultations ---------------------------------------------------------


def test_the_consultations_panel_shows_open_surveys_meetings_and_the_latest_priorities(
    unit: AdministrativeUnit,
) -> None:
    today = timezone.localdate()
    open_survey = SurveyFactory.create(unit=unit, title_en="Safety 2025")
    ResponseFactory.create_batch(3, survey=open_survey)
    SurveyFactory.create(unit=unit, status=SurveyStatus.CLOSED, title_en="Closed one")
    SurveyFactory.create(unit=unit, status=SurveyStatus.DRAFT, title_en="Draft one")
    SurveyFactory.create(unit=unit, closes_on=today - DAY, title_en="Run out")
    SurveyFactory.create(title_en="Elsewhere")
    upcoming = MeetingFactory.create(unit=unit, held_on=today + 10 * DAY, title="Next one")
    MeetingFactory.create(unit=unit, held_on=today + 40 * DAY, title="Later one")
    last = MeetingFactory.create(unit=unit, held_on=today - 5 * DAY, title="Last one")
    MeetingFactory.create(unit=unit, held_on=today - 50 * DAY, title="Earlier one")
    adopt(unit, today - 400 * DAY, ["stray_dogs"])
    adopt(unit, today - 30 * DAY, ["street_lighting", "stray_dogs"])

    html = page(UserFactory.create(role=Role.LOCAL_GOVERNMENT, unit=unit))

    surveys = re.findall(
        r'data-testid="open-survey">\s*<a href="/consultations/surveys/(\d+)/"', html
    )
    assert [int(pk) for pk in surveys] == [open_survey.pk]
    assert number_in(html, "survey-responses") == open_survey.responses.count() == 3
    assert f'href="/s/{open_survey.public_key}/"' in html
    assert f'href="/consultations/meetings/{upcoming.pk}/" data-testid="next-meeting"' in html
    assert f'href="/consultations/meetings/{last.pk}/" data-testid="last-meeting"' in html
    latest = AdoptedPriority.objects.filter(unit=unit).order_by("-adopted_on").first()
    assert latest is not None
    expected = [
        one.category.name_en
        for one in AdoptedPriority.objects.filter(unit=unit, adopted_on=latest.adopted_on)
        .select_related("category")
        .order_by("rank")
    ]
    listed = re.search(r'data-testid="adopted-priorities">(.*?)</ol>', html, re.S)
    assert listed is not None
    assert re.findall(r">([^<]+)</li>", listed.group(1)) == expected
    assert f"/consultations/priorities/?unit={unit.code}" in html
    assert f'href="/public/{unit.code}/"' in html


def test_the_livestock_registrar_sees_no_consultations_panel(unit: AdministrativeUnit) -> None:
    SurveyFactory.create(unit=unit)
    html = page(UserFactory.create(role=Role.LIVESTOCK_REGISTRAR, unit=unit))
    assert 'data-testid="panel-consultations"' not in html


# --- The programme's municipalities ---------------------------------------------------------


@pytest.fixture
def programme() -> tuple[AdministrativeUnit, list[AdministrativeUnit]]:
    """An oblast of three municipalities, all in one current programme."""
    rayon = RayonFactory.create()
    units = MunicipalityFactory.create_batch(3, parent=rayon)
    made = Programme.objects.create(
        name_en="Test programme", name_ru="Тестовая программа", start=dt.date(2024, 1, 1)
    )
    made.municipalities.set(units)
    return parent_of(rayon), units


def expected_row(unit: AdministrativeUnit) -> tuple[int, int, int, int]:
    """(received, due, acknowledged within 14 days of those due, resolved), by brute force."""
    start, end = dashboard.default_period()
    now = timezone.now()
    received = due = in_time = resolved = 0
    for one in Concern.objects.filter(unit=unit, merged_into__isnull=True):
        if not start <= timezone.localdate(one.received_at) <= end:
            continue
        received += 1
        resolved += one.status == ConcernStatus.RESOLVED
        if now - one.received_at >= 14 * DAY:
            due += 1
            steps = [event.at for event in one.events.all() if event.status != ConcernStatus.NEW]
            in_time += bool(steps) and min(steps) - one.received_at <= 14 * DAY
    return received, due, in_time, resolved


def fill_programme(units: list[AdministrativeUnit]) -> None:
    first, second, third = units
    # First: ten concerns 2 to 3 months old, five acknowledged in 3 days, five in 20.
    for n in range(10):
        one = concern(first, age_days=70 + n)
        acknowledge(one, after_days=3 if n < 5 else 20)
    keep = Concern.objects.filter(unit=first).first()
    assert keep is not None
    concern(first, age_days=75, merged_into=keep)  # a duplicate: not counted
    concern(first, age_days=800)  # before the 12 months
    # Second: three concerns, all acknowledged in time: each count is small.
    for n in range(3):
        acknowledge(concern(second, age_days=60 + n), after_days=1)
    # Third: six concerns, one resolved (a share that would give 1 back).
    for n in range(6):
        one = concern(third, age_days=50 + n)
        if n == 0:
            acknowledge(one, after_days=2, status=ConcernStatus.RESOLVED)
    SurveyFactory.create(unit=first, round=SurveyRound.BASELINE, opens_on=dt.date(2024, 3, 1))
    SurveyFactory.create(
        unit=first,
        round=SurveyRound.FOLLOW_UP,
        opens_on=dt.date(2025, 3, 1),
        status=SurveyStatus.CLOSED,
    )
    SurveyFactory.create(unit=first, round=SurveyRound.ENDLINE, status=SurveyStatus.DRAFT)


def cells(html: str, unit: AdministrativeUnit) -> dict[str, str]:
    row = re.search(rf'<tr data-unit="{unit.code}">(.*?)</tr>', html, re.S)
    assert row is not None
    found = re.findall(r'data-column="([a-z-]+)"[^>]*>(.*?)</td>', row.group(1), re.S)
    return {name: plain(text) for name, text in found}


def test_the_coordinator_sees_each_municipalitys_concerns_with_small_counts_withheld(
    programme: tuple[AdministrativeUnit, list[AdministrativeUnit]],
) -> None:
    oblast, units = programme
    fill_programme(units)
    first, second, third = units
    html = page(UserFactory.create(role=Role.PROGRAMME_COORDINATOR, unit=oblast))
    assert 'data-testid="panel-programme-concerns"' in html
    assert 'data-testid="panel-concerns"' not in html

    received, due, in_time, resolved = expected_row(first)
    assert (received, due, in_time, resolved) == (10, 10, 5, 0)
    shown = cells(html, first)
    assert shown["received"] == str(received)
    assert shown["in-time"] == f"{100 * in_time / due:.0f}%"
    assert shown["resolved"] == "0%"
    assert shown["survey"].startswith("Follow-up")

    assert expected_row(second)[0] == 3
    shown = cells(html, second)
    assert shown["received"] == "<5"
    assert shown["in-time"] == shown["resolved"] == "×"
    assert shown["survey"] == "—"

    assert expected_row(third)[3] == 1
    shown = cells(html, third)
    assert shown["received"] == "6" and shown["resolved"] == "×"
    assert 'data-testid="programme-concerns-legend"' in html


def test_the_administrator_gets_the_same_table_without_withholding(
    programme: tuple[AdministrativeUnit, list[AdministrativeUnit]],
) -> None:
    oblast, units = programme
    fill_programme(units)
    context = dashboard.programme_panel(
        UserFactory.create(role=Role.ADMINISTRATOR, unit=oblast), units
    )
    assert context is not None
    rows = {row.unit.pk: row for row in context["rows"]}
    for unit in units:
        received, due, in_time, resolved = expected_row(unit)
        row = rows[unit.pk]
        assert row.received.value == received
        assert row.answered_in_time.value == pytest.approx(100 * in_time / due)
        assert row.resolved.value == pytest.approx(100 * resolved / received)


def test_municipal_roles_get_no_programme_table(unit: AdministrativeUnit) -> None:
    user = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit)
    assert dashboard.programme_panel(user, [unit]) is None
    assert 'data-testid="panel-programme-concerns"' not in page(user)


# --- A territory's page ---------------------------------------------------------------------


def status_counts(html: str) -> dict[str, str]:
    table = re.search(r'data-testid="unit-concern-statuses">(.*?)</table>', html, re.S)
    assert table is not None
    found = re.findall(
        r'<tr [^>]*data-status="([a-z_]+)"><td>[^<]*</td><td class="text-end">(.*?)</td>',
        table.group(1),
        re.S,
    )
    return {status: plain(text) for status, text in found}


def test_the_unit_page_shows_concerns_by_status_and_adopted_priorities(
    unit: AdministrativeUnit,
) -> None:
    for n in range(3):
        concern(unit, age_days=n + 1)
    for n in range(6):
        acknowledge(concern(unit, age_days=n + 10), after_days=1)
    adopt(unit, timezone.localdate() - 10 * DAY, ["stray_dogs", "street_lighting"])
    address = reverse("unit-detail", args=[unit.code])

    html = page(UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit), address)
    counts = status_counts(html)
    for status in ConcernStatus.values:
        assert counts[status] == str(Concern.objects.filter(unit=unit, status=status).count())
    assert counts["total"] == "9"
    assert f"/consultations/concerns/?unit={unit.code}&amp;status=new" in html
    assert re.search(r"<li[^>]*>Stray dogs</li>\s*<li[^>]*>Street lighting</li>", html)

    # The coordinator counts only: the 3 new ones are withheld, and so is the total.
    oblast_user = UserFactory.create(
        role=Role.PROGRAMME_COORDINATOR, unit=parent_of(parent_of(unit))
    )
    html = page(oblast_user, address)
    counts = status_counts(html)
    assert counts["new"] == "<5" and counts["acknowledged"] in {"6", "×"}
    assert counts["total"] == "×" or counts["acknowledged"] == "×"
    assert "/consultations/concerns/?unit=" not in html.split('data-testid="unit-consultations"')[1]


def test_the_unit_page_has_no_consultations_for_the_registrar_nor_above_a_municipality(
    unit: AdministrativeUnit,
) -> None:
    concern(unit, age_days=1)
    registrar = UserFactory.create(role=Role.LIVESTOCK_REGISTRAR, unit=unit)
    assert 'data-testid="unit-consultations"' not in page(
        registrar, reverse("unit-detail", args=[unit.code])
    )
    rayon = parent_of(unit)
    rayon_user = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=rayon)
    assert 'data-testid="unit-consultations"' not in page(
        rayon_user, reverse("unit-detail", args=[rayon.code])
    )


# --- A fixed number of queries --------------------------------------------------------------


def queries(function: object, *args: object) -> int:
    assert callable(function)
    function(*args)  # the user's grants are read once, then cached
    with CaptureQueriesContext(connection) as captured:
        function(*args)
    return len(captured)


def test_each_panel_runs_as_many_queries_however_many_rows(
    programme: tuple[AdministrativeUnit, list[AdministrativeUnit]],
) -> None:
    oblast, units = programme
    unit = units[0]
    lcpc = UserFactory.create(role=Role.LCPC_COORDINATOR, unit=unit)
    coordinator = UserFactory.create(role=Role.PROGRAMME_COORDINATOR, unit=oblast)
    concern(unit, age_days=2)
    SurveyFactory.create(unit=unit)
    adopt(unit, timezone.localdate() - 10 * DAY, ["stray_dogs"])

    def measured() -> list[int]:
        return [
            queries(dashboard.concerns_panel, lcpc, [unit]),
            queries(dashboard.municipality_panel, lcpc, [unit]),
            queries(dashboard.unit_panel, lcpc, unit),
            queries(dashboard.programme_panel, coordinator, units),
        ]

    few = measured()
    fill_programme(units)
    for _n in range(4):
        survey = SurveyFactory.create(unit=unit)
        ResponseFactory.create_batch(2, survey=survey)
        MeetingFactory.create(unit=unit, held_on=timezone.localdate() + 3 * DAY)
    adopt(unit, timezone.localdate() - 5 * DAY, ["stray_dogs", "street_lighting"])
    extra = MunicipalityFactory.create(parent=unit.parent)
    Programme.objects.get(name_en="Test programme").municipalities.add(extra)
    concern(extra, age_days=40)
    SurveyFactory.create(unit=extra)
    assert measured() == few
    assert len(Survey.objects.filter(unit=unit)) > 4
