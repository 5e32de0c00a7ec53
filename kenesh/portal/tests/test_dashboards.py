"""Each role's first screen on the home dashboard (issue 9, "A first screen per role").

The police officer: the register button, today's and this week's incidents, open cases, the
latest import. LCPC and local government: the municipality's crime at a glance, the last 12
complete months against the 12 before by category. The programme coordinator: the programme's
municipalities side by side, sortable, exportable, each row a link. Counts are checked against
brute-force counts of the database written here, not against the selectors.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import html as html_module
import io
import re
from collections.abc import Callable

import pytest
from django.db.models import Max
from django.test import Client
from django.utils import timezone

from kenesh.accounts.models import User
from kenesh.accounts.tests.factories import UserFactory
from kenesh.core.models import AuditEntry
from kenesh.core.permissions import Role
from kenesh.geo.models import AdministrativeUnit, Level
from kenesh.incidents.models import Incident, Status
from kenesh.incidents.tests.factories import IncidentFactory, IncidentImportJobFactory
from kenesh.orgs.models import Programme

JETI_OGUZ = "41702210830000"
KARAKOL = "41702410000010"

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


def page_of(client: Client, address: str = "/") -> str:
    response = client.get(address)
    assert response.status_code == 200
    return response.content.decode()


def number_in(html: str, testid: str) -> int:
    found = re.search(rf'data-testid="{testid}">([^<]+)<', html)
    assert found is not None, testid
    return int(re.sub(r"\D", "", found.group(1)))


def unit(code: str) -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code=code)


# --- Police -----------------------------------------------------------------------------------


def test_the_police_officer_sees_the_register_button_before_anything_else(
    client_as: ClientAs,
) -> None:
    html = page_of(client_as("police.jetioguz"))
    button = re.search(r'<a [^>]*data-testid="register-incident"[^>]*>', html)
    assert button is not None
    assert 'href="/incidents/new/"' in button.group(0)
    # First on the page: above the counts, the crime figures and the working group.
    position = html.index('data-testid="register-incident"')
    for later in ("police-today", "panel-glance", "dashboard-people", "open-working-group"):
        assert position < html.index(f'data-testid="{later}"'), later


def test_todays_and_this_weeks_counts_are_the_incidents_that_occurred_then(
    client_as: ClientAs,
) -> None:
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    jeti_oguz = unit(JETI_OGUZ)
    made_today = IncidentFactory.create_batch(3, unit=jeti_oguz, occurred_on=today)
    IncidentFactory(unit=jeti_oguz, occurred_on=monday)
    IncidentFactory(unit=jeti_oguz, occurred_on=monday - dt.timedelta(days=1))  # last week
    IncidentFactory(unit=unit(KARAKOL), occurred_on=today)  # another municipality

    html = page_of(client_as("police.jetioguz"))

    mine = Incident.objects.filter(unit=jeti_oguz)
    assert number_in(html, "police-today-count") == mine.filter(occurred_on=today).count() >= 3
    assert (
        number_in(html, "police-week-count")
        == mine.filter(occurred_on__range=(monday, today)).count()
        >= 4
    )
    # The newest of the week, each a link to its record.
    for incident in made_today:
        assert f'href="/incidents/{incident.pk}/"' in html
    assert f'href="/incidents/?from={today.isoformat()}&amp;to={today.isoformat()}"' in html
    assert f'href="/incidents/?from={monday.isoformat()}&amp;to={today.isoformat()}"' in html


def test_open_cases_count_the_registered_and_those_under_investigation(
    client_as: ClientAs,
) -> None:
    jeti_oguz = unit(JETI_OGUZ)
    IncidentFactory.create_batch(2, unit=jeti_oguz, status=Status.UNDER_INVESTIGATION)
    IncidentFactory(unit=jeti_oguz, status=Status.CLOSED)
    html = page_of(client_as("police.jetioguz"))
    mine = Incident.objects.filter(unit=jeti_oguz)
    expected = mine.filter(status__in=[Status.REGISTERED, Status.UNDER_INVESTIGATION]).count()
    assert number_in(html, "police-open-count") == expected
    link = re.search(r'<a [^>]*data-testid="police-open-under_investigation"[^>]*>([^<]*)<', html)
    assert link is not None
    assert 'href="/incidents/?status=under_investigation"' in link.group(0)
    assert int(re.sub(r"\D", "", link.group(1))) == (
        mine.filter(status=Status.UNDER_INVESTIGATION).count()
    )


def test_the_latest_import_links_to_its_job_page(client_as: ClientAs) -> None:
    officer = User.objects.get(username="police.jetioguz")
    IncidentImportJobFactory.create(created_by=officer, filename="older.csv")
    newest = IncidentImportJobFactory.create(
        created_by=officer, filename="november.xlsx", total_rows=120, created_count=118,
        rejected_count=2, status="succeeded",
    )  # fmt: skip
    html = page_of(client_as("police.jetioguz"))
    block = re.search(r'data-testid="police-import">(.*?)</p>', html, re.S)
    assert block is not None
    assert f'href="/incidents/import/{newest.pk}/"' in block.group(1)
    assert "november.xlsx" in block.group(1)
    assert "older.csv" not in html


def test_a_police_officer_of_another_municipality_sees_none_of_jeti_oguz_incidents(
    client_as: ClientAs,
) -> None:
    today = timezone.localdate()
    jeti_oguz = unit(JETI_OGUZ)
    theirs = IncidentFactory.create_batch(2, unit=jeti_oguz, occurred_on=today)
    job = IncidentImportJobFactory.create(
        created_by=User.objects.get(username="police.jetioguz"), filename="jeti-oguz.csv"
    )
    html = page_of(client_as("police.karakol"))
    karakol_today = Incident.objects.filter(unit__code=KARAKOL, occurred_on=today).count()
    assert number_in(html, "police-today-count") == karakol_today
    for incident in theirs:
        assert f'href="/incidents/{incident.pk}/"' not in html
    assert f"/incidents/import/{job.pk}/" not in html
    assert "jeti-oguz.csv" not in html


def test_roles_that_do_not_register_incidents_get_no_register_button(
    client_as: ClientAs,
) -> None:
    for username in ("lcpc.jetioguz", "localgov.jetioguz", "civil.jetioguz", "coordinator"):
        html = page_of(client_as(username))
        assert 'data-testid="register-incident"' not in html, username
        assert 'data-testid="panel-police"' not in html, username


# --- One municipality at a glance ---------------------------------------------------------------


def last_complete_month_end(day: dt.date) -> dt.date:
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return day
    return day.replace(day=1) - dt.timedelta(days=1)


def months_back(first_of_month: dt.date, months: int) -> dt.date:
    index = first_of_month.year * 12 + first_of_month.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def brute_windows(code: str) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """The last 12 complete months up to the municipality's own latest record, and the 12
    before: worked out here month by month."""
    latest = Incident.objects.filter(unit__code=code).aggregate(last=Max("occurred_on"))["last"]
    assert latest is not None
    end = last_complete_month_end(min(latest, timezone.localdate()))
    after_start = months_back(end.replace(day=1), 11)
    before_start = months_back(after_start, 12)
    return (after_start, end), (before_start, after_start - dt.timedelta(days=1))


def glance_cells(html: str) -> dict[str, dict[str, str]]:
    table = re.search(r'data-testid="glance-table">(.*?)</table>', html, re.S)
    assert table is not None
    cells: dict[str, dict[str, str]] = {}
    for key, row in re.findall(
        r'<tr [^>]*data-category="([^"]+)">(.*?)</tr>', table.group(1), re.S
    ):
        cells[key] = {
            window: html_module.unescape(re.sub(r"<[^>]+>", "", text))
            for window, text in re.findall(r'data-window="(\w+)">(.*?)</td>', row, re.S)
        }
    return cells


def test_the_glance_counts_each_category_in_both_windows_as_a_brute_force_count(
    client_as: ClientAs,
) -> None:
    html = page_of(client_as("lcpc.jetioguz"))
    cells = glance_cells(html)
    after, before = brute_windows(JETI_OGUZ)
    incidents = list(Incident.objects.filter(unit__code=JETI_OGUZ))

    def count(window: tuple[dt.date, dt.date], category: str | None) -> int:
        return sum(
            1
            for incident in incidents
            if window[0] <= incident.occurred_on <= window[1]
            and (category is None or category in incident.category_list)
        )

    assert set(cells) >= {"total"}
    assert len(cells) > 2, "the categories with incidents are listed"
    for key, values in cells.items():
        category = None if key == "total" else key
        assert int(re.sub(r"\D", "", values["before"])) == count(before, category), key
        assert int(re.sub(r"\D", "", values["after"])) == count(after, category), key
    latest = max(incident.occurred_on for incident in incidents)
    assert f"{latest:%d.%m.%Y}" in re.search(
        r'data-testid="glance-windows">(.*?)</p>', html, re.S
    ).group(1)  # type: ignore[union-attr]


def test_local_government_sees_the_glance_with_links_to_the_analyses(
    client_as: ClientAs,
) -> None:
    html = page_of(client_as("localgov.jetioguz"))
    assert 'data-testid="panel-glance"' in html
    assert f'href="/analysis/crime/?area={JETI_OGUZ}"' in html
    assert f'href="/analysis/hotspots/?unit={JETI_OGUZ}"' in html
    assert f'href="/analysis/near-repeat/?unit={JETI_OGUZ}"' in html
    assert 'href="/analysis/evaluation/"' in html
    assert 'data-testid="panel-programme"' not in html


def test_an_aggregate_only_role_gets_small_sensitive_counts_withheld(
    client_as: ClientAs,
) -> None:
    full = glance_cells(page_of(client_as("lcpc.jetioguz")))
    html = page_of(client_as("civil.jetioguz"))
    if 'data-testid="glance-withheld"' in html:
        # Every count withheld: one sentence, pointing to the crime page's per-year table.
        assert 'data-testid="glance-table"' not in html
        assert f"/analysis/crime/?area={JETI_OGUZ}#years-heading" in html
        return
    withheld = glance_cells(html)
    assert set(withheld) >= {"domestic_violence", "total"}
    for window in ("before", "after"):
        shown = int(re.sub(r"\D", "", full["domestic_violence"][window]) or 0)
        if 1 <= shown <= 4:
            assert withheld["domestic_violence"][window] in ("<5", "×")
    # Whatever is published is the true count.
    for key, values in withheld.items():
        for window, text in values.items():
            if text not in ("<5", "×"):
                assert text == full[key][window], (key, window)


def test_a_municipality_whose_records_stop_early_is_flagged(client_as: ClientAs) -> None:
    officer = UserFactory.create(role=Role.LCPC_COORDINATOR)
    own = officer.role_assignments.get().unit
    two_years_ago = timezone.localdate() - dt.timedelta(days=730)
    IncidentFactory.create_batch(3, unit=own, occurred_on=two_years_ago.replace(day=1))
    IncidentFactory(unit=own, occurred_on=two_years_ago.replace(day=1) - dt.timedelta(days=40))
    client = Client()
    client.force_login(officer)
    html = page_of(client)
    assert 'data-testid="glance-stops-early"' in html
    # The windows are its own (up to its last complete month), not an empty year up to today.
    after, _before = brute_windows(own.code)
    assert after[1] < two_years_ago
    expected = Incident.objects.filter(unit=own, occurred_on__range=after).count()
    assert expected == 1
    assert int(glance_cells(html)["total"]["after"]) == expected


def test_nothing_recorded_says_so(client_as: ClientAs) -> None:
    officer = UserFactory.create(role=Role.LCPC_COORDINATOR)
    client = Client()
    client.force_login(officer)
    html = page_of(client)
    assert 'data-testid="glance-empty"' in html


# --- The programme coordinator ------------------------------------------------------------------


def programme_codes() -> set[str]:
    programme = Programme.objects.get()
    return set(programme.municipalities.values_list("code", flat=True))


def table_rows(html: str) -> list[dict[str, str]]:
    table = re.search(r'data-testid="programme-table">(.*?)</table>', html, re.S)
    assert table is not None
    rows = []
    for code, body in re.findall(r'<tr data-unit="(\d+)"[^>]*>(.*?)</tr>', table.group(1), re.S):
        row = dict(re.findall(r'data-column="(\w+)"[^>]*>(.*?)</td>', body, re.S))
        row["code"] = code
        link = re.search(r'<a href="([^"]+)" data-testid="programme-row-link">([^<]*)<', body)
        row["link"] = link.group(1) if link else ""
        row["name"] = link.group(2) if link else ""
        row["stale"] = "yes" if 'data-testid="programme-stale"' in body else ""
        rows.append(row)
    return rows


def as_number(text: str) -> float | None:
    text = text.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if text in ("", "—"):
        return None
    return float(text.replace(",", "."))


def test_the_coordinator_sees_one_row_per_programme_municipality_each_a_link(
    client_as: ClientAs,
) -> None:
    html = page_of(client_as("coordinator"))
    rows = table_rows(html)
    assert len(rows) == 10
    programme = Programme.objects.get()
    assert f'href="/analysis/crime/?area=programme%3A{programme.pk}"' in html
    assert {row["code"] for row in rows} == programme_codes()
    for row in rows:
        assert row["link"] == f"/analysis/crime/?area={row['code']}"
        assert client_as("coordinator").get(row["link"]).status_code == 200
    # The whole programme on top of the table, the organisations below it.
    assert html.index("programme-totals") < html.index("programme-table")
    assert html.index("programme-table") < html.index("programme-people")


def test_each_row_counts_the_municipalitys_own_last_12_months(client_as: ClientAs) -> None:
    rows = {row["code"]: row for row in table_rows(page_of(client_as("coordinator")))}
    for code in (JETI_OGUZ, KARAKOL):
        after, _before = brute_windows(code)
        expected = Incident.objects.filter(unit__code=code, occurred_on__range=after).count()
        assert as_number(rows[code]["incidents"]) == expected, code


def test_the_table_sorts_by_a_column_link_without_javascript(client_as: ClientAs) -> None:
    client = client_as("coordinator")
    by_name = table_rows(page_of(client, "/?sort=name"))
    names = [row["name"] for row in by_name]
    assert len(names) == 10
    assert names == sorted(names, key=str.casefold)
    descending = table_rows(page_of(client, "/?sort=-incidents"))
    counts = [as_number(row["incidents"]) for row in descending]
    valued = [value for value in counts if value is not None]
    assert valued == sorted(valued, reverse=True)
    ascending = table_rows(page_of(client, "/?sort=incidents"))
    assert [as_number(row["incidents"]) for row in ascending if row["incidents"] != "—"] == sorted(
        valued
    )
    html = page_of(client, "/?sort=incidents")
    header = re.search(r'<th [^>]*aria-sort="ascending"[^>]*><a href="([^"]+)"', html)
    assert header is not None and header.group(1) == "?sort=-incidents"
    # An unknown sort falls back to the municipalities' names.
    assert table_rows(page_of(client, "/?sort=drop+table")) == by_name


def test_the_csv_export_holds_the_table_in_its_order(client_as: ClientAs) -> None:
    client = client_as("coordinator")
    rows = table_rows(page_of(client, "/?sort=-rate"))
    html = page_of(client, "/?sort=-rate")
    assert 'href="/dashboard/programme.csv?sort=-rate"' in html
    response = client.get("/dashboard/programme.csv?sort=-rate")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    exported = list(csv.reader(io.StringIO(text)))[1:]
    assert [line[0] for line in exported] == [row["code"] for row in rows]
    for line, row in zip(exported, rows, strict=True):
        incidents = as_number(row["incidents"])
        assert (int(line[4]) if line[4] else None) == incidents
        rate = as_number(row["rate"])
        assert (round(float(line[5]), 1) if line[5] else None) == rate
        ratio = as_number(row["change"].split("(")[0]) if row["change"] != "—" else None
        assert (round(float(line[6]), 2) if line[6] else None) == ratio
    entry = AuditEntry.objects.filter(action="export").latest("at")
    assert entry.actor_username == "coordinator"
    assert entry.changes["kind"][1] == "programme-municipalities"
    assert entry.changes["rows"][1] == 10


def test_the_xlsx_export_downloads(client_as: ClientAs) -> None:
    response = client_as("coordinator").get("/dashboard/programme.xlsx")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert body[:2] == b"PK"
    response.close()


def test_a_table_has_no_geojson(client_as: ClientAs) -> None:
    assert client_as("coordinator").get("/dashboard/programme.geojson").status_code == 404


def test_the_export_is_scoped_to_the_users_municipalities(client_as: ClientAs) -> None:
    issyk_kul = unit(JETI_OGUZ).path.strip("/").split("/")[1]
    oblast = AdministrativeUnit.objects.get(code=issyk_kul, level=Level.OBLAST)
    regional = UserFactory.create(role=Role.PROGRAMME_COORDINATOR, unit=oblast)
    client = Client()
    client.force_login(regional)
    text = b"".join(
        client.get("/dashboard/programme.csv").streaming_content  # type: ignore[attr-defined]
    ).decode("utf-8-sig")
    codes = {line[0] for line in list(csv.reader(io.StringIO(text)))[1:]}
    inside = {code for code in programme_codes() if unit(code).path.startswith(oblast.path)}
    assert codes == inside
    assert JETI_OGUZ in codes and len(codes) < 10

    # A municipal user has no programme table: the file holds no row.
    text = b"".join(
        client_as("police.karakol").get("/dashboard/programme.csv").streaming_content  # type: ignore[attr-defined]
    ).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text)))) == 1


def test_a_municipality_whose_records_stop_early_is_flagged_not_compared(
    client_as: ClientAs,
) -> None:
    latest = Incident.objects.aggregate(last=Max("occurred_on"))["last"]
    cutoff = latest - dt.timedelta(days=200)
    Incident.objects.filter(unit__code=JETI_OGUZ, occurred_on__gte=cutoff).delete()
    rows = {row["code"]: row for row in table_rows(page_of(client_as("coordinator")))}
    stopped = rows[JETI_OGUZ]
    assert stopped["stale"] == "yes"
    assert stopped["change"].strip() == "—"
    assert stopped["incidents"].strip() == "—"
    assert rows[KARAKOL]["stale"] == ""
    assert rows[KARAKOL]["change"].strip() != "—"
