"""Exports of the incident register: the API in four formats, the list page's download links and
``kenesh export``; scoped, masked (restricted columns only for police in scope), escaped and
audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.http import urlencode

from kenesh.accounts.models import User
from kenesh.accounts.tests.factories import UserFactory
from kenesh.core.masking import hidden_fields
from kenesh.core.models import AuditAction, AuditEntry, localized_name
from kenesh.core.permissions import Role
from kenesh.geo.models import AdministrativeUnit
from kenesh.geo.tests.factories import MunicipalityFactory
from kenesh.incidents.models import Incident
from kenesh.incidents.register.exports import INCIDENT_EXPORT
from kenesh.incidents.tests.conftest import TEST_YEAR
from kenesh.incidents.tests.factories import IncidentFactory
from kenesh.incidents.tests.masking_support import (
    SENTINELS,
    leaks,
    police_of,
    sensitive_incident,
    viewers_without_restricted,
)
from kenesh.portal.demo import JETI_OGUZ, KARAKOL

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/incidents/export"
RESTRICTED = ("narrative", "reporter_name", "reporter_contact")
with translation.override("en"):  # the clients below ask for English
    LABELS = {column.key: str(column.label) for column in INCIDENT_EXPORT.columns}


def jeti_oguz() -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code=JETI_OGUZ)


def user_of(role: Role, code: str = JETI_OGUZ) -> User:
    user: User = UserFactory.create(role=role, unit=AdministrativeUnit.objects.get(code=code))
    return user


def login_client(user: User | None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def login() -> Callable[[User], Client]:
    return login_client


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response: Any) -> list[dict[str, str]]:
    data = body(response)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def export(client: Client, fmt: str, **filters: str) -> Any:
    return client.get(f"{EXPORT}/{fmt}?{urlencode({**TEST_YEAR, **filters})}")


def exports_logged() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=AuditAction.EXPORT).order_by("pk"))


# ---------------------------------------------------------------------------------------------
# Who gets what


def test_police_in_scope_get_the_restricted_columns_and_the_export_is_audited(
    login: Callable[[User], Client], jeti_oguz_incident: Incident
) -> None:
    police = user_of(Role.POLICE_OFFICER)
    response = export(login(police), "csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = dt.date.today().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="incidents-{today}.csv"'
    (row,) = csv_rows(response)
    assert row[LABELS["id"]] == str(jeti_oguz_incident.pk)
    assert row[LABELS["narrative"]] == "Three sheep taken from the summer pasture at night."
    assert row[LABELS["reporter_name"]] == "Asel Toktosunova"
    # A leading "+" is a formula to a spreadsheet: the cell is escaped.
    assert row[LABELS["reporter_contact"]] == "'+996 555 123 456"
    assert row[LABELS["occurred_on"]] == "2003-06-15"
    assert row[LABELS["unit"]] == JETI_OGUZ

    (entry,) = exports_logged()
    assert entry.actor == police and entry.actor_username == police.username
    assert (entry.app_label, entry.model) == ("incidents", "incident")
    assert entry.changes["kind"] == [None, "incidents"]
    assert entry.changes["format"] == [None, "csv"]
    assert entry.changes["rows"] == [None, 1]
    assert entry.changes["filters"] == [None, TEST_YEAR]
    assert entry.changes["channel"] == [None, "api"]
    assert set(RESTRICTED) <= set(entry.changes["columns"][1])
    # The log records what was taken, never the restricted values themselves.
    assert "Toktosunova" not in json.dumps(entry.changes)


@pytest.mark.parametrize("role", [Role.LCPC_COORDINATOR, Role.LOCAL_GOVERNMENT])
def test_readers_without_restricted_access_get_no_restricted_columns_in_any_format(
    role: Role, login: Callable[[User], Client], jeti_oguz_incident: Incident
) -> None:
    client = login(user_of(role))
    (row,) = csv_rows(export(client, "csv"))
    assert row[LABELS["id"]] == str(jeti_oguz_incident.pk)
    assert not {LABELS[key] for key in RESTRICTED} & set(row)

    header, hashtags = list(
        csv.reader(io.StringIO(body(export(client, "hxl")).decode("utf-8-sig")))
    )[:2]
    assert "#description+narrative" not in hashtags and len(header) == len(hashtags)

    sheet = openpyxl.load_workbook(io.BytesIO(body(export(client, "xlsx")))).active
    assert sheet is not None
    assert not {LABELS[key] for key in RESTRICTED} & {cell.value for cell in sheet[1]}

    geojson = body(export(client, "geojson"))
    (feature,) = json.loads(geojson)["features"]
    assert not set(RESTRICTED) & set(feature["properties"])
    assert b"Toktosunova" not in geojson

    assert len(exports_logged()) == 4
    assert all(not set(RESTRICTED) & set(e.changes["columns"][1]) for e in exports_logged())


@pytest.mark.parametrize(
    "role", [Role.PROGRAMME_COORDINATOR, Role.CIVIL_SOCIETY, Role.LIVESTOCK_REGISTRAR]
)
def test_aggregate_only_roles_are_refused_and_nothing_is_logged(
    role: Role, login: Callable[[User], Client], jeti_oguz_incident: Incident
) -> None:
    for fmt in ("csv", "xlsx", "hxl", "geojson"):
        response = export(login(user_of(role)), fmt)
        assert response.status_code == 403
        assert response.json()["detail"]
    assert exports_logged() == []


def test_a_user_of_another_municipality_does_not_find_it(
    karakol_outsider: Client, jeti_oguz_incident: Incident
) -> None:
    karakol_outsider.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = export(karakol_outsider, "csv", unit=JETI_OGUZ)
    # Readers of Karakol: no such unit (404); aggregate-only roles: no records at all (403).
    assert response.status_code in (403, 404)
    plain = export(karakol_outsider, "csv")
    if plain.status_code == 200:
        assert all(row[LABELS["unit"]] != JETI_OGUZ for row in csv_rows(plain))
    else:
        assert plain.status_code == 403


def test_police_of_another_municipality_get_nothing_of_it(
    login: Callable[[User], Client], jeti_oguz_incident: Incident
) -> None:
    client = login(user_of(Role.POLICE_OFFICER, KARAKOL))
    assert export(client, "csv", unit=JETI_OGUZ).status_code == 404
    assert csv_rows(export(client, "csv")) == []
    assert exports_logged()[-1].changes["rows"] == [None, 0]


def test_anonymous_requests_are_refused(client: Client, jeti_oguz_incident: Incident) -> None:
    assert export(client, "csv").status_code == 401
    assert exports_logged() == []


def test_an_unknown_format_is_a_clear_422(
    login: Callable[[User], Client], jeti_oguz_incident: Incident
) -> None:
    response = export(login(user_of(Role.POLICE_OFFICER)), "pdf")
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["loc"] == ["path", "fmt"]
    assert all(name in error["msg"] for name in ("csv", "xlsx", "hxl", "geojson"))


def test_bad_filters_are_422_as_for_the_list(
    login: Callable[[User], Client], jeti_oguz_incident: Incident
) -> None:
    client = login(user_of(Role.POLICE_OFFICER))
    assert export(client, "csv", **{"from": "2003-12-31", "to": "2003-01-01"}).status_code == 422
    assert export(client, "csv", iccs="abc").status_code == 422
    assert exports_logged() == []


# ---------------------------------------------------------------------------------------------
# What the files hold


def test_filters_narrow_the_export_like_the_list(
    login: Callable[[User], Client], jeti_oguz_incident: Incident
) -> None:
    IncidentFactory.create(occurred_on=dt.date(2003, 2, 1), iccs_id="0101")
    client = login(user_of(Role.POLICE_OFFICER))
    assert len(csv_rows(export(client, "csv"))) == 2
    (row,) = csv_rows(export(client, "csv", iccs="05"))
    assert row[LABELS["iccs"]] == "05025"
    listed = client.get("/api/v1/incidents", {**TEST_YEAR, "iccs": "05"}).json()
    assert [item["id"] for item in listed["items"]] == [int(row[LABELS["id"]])]
    assert exports_logged()[-1].changes["filters"] == [None, {**TEST_YEAR, "iccs": "05"}]


def test_formula_cells_are_escaped_in_csv_hxl_and_xlsx(login: Callable[[User], Client]) -> None:
    IncidentFactory.create(
        occurred_on=dt.date(2003, 3, 3),
        external_ref='=HYPERLINK("http://x")',
        narrative="@SUM(A1:A9)",
        reporter_name="-2+3",
        reporter_contact="\tcmd",
    )
    client = login(user_of(Role.POLICE_OFFICER))
    (row,) = csv_rows(export(client, "csv"))
    assert row[LABELS["external_ref"]] == '\'=HYPERLINK("http://x")'
    assert row[LABELS["narrative"]] == "'@SUM(A1:A9)"
    assert row[LABELS["reporter_name"]] == "'-2+3"
    assert row[LABELS["reporter_contact"]] == "'\tcmd"

    hxl = list(csv.reader(io.StringIO(body(export(client, "hxl")).decode("utf-8-sig"))))
    assert '\'=HYPERLINK("http://x")' in hxl[2]

    sheet = openpyxl.load_workbook(io.BytesIO(body(export(client, "xlsx")))).active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    cells = dict(zip(header, sheet[2], strict=True))
    ref = cells[LABELS["external_ref"]]
    assert ref.value == '\'=HYPERLINK("http://x")' and ref.data_type == "s"


def test_xlsx_cells_are_typed_and_hxl_carries_the_hashtags(
    login: Callable[[User], Client], jeti_oguz_incident: Incident
) -> None:
    Incident.objects.filter(pk=jeti_oguz_incident.pk).update(
        victims_female_18_29=2, offenders_male_14_17=1
    )
    client = login(user_of(Role.POLICE_OFFICER))
    sheet = openpyxl.load_workbook(io.BytesIO(body(export(client, "xlsx")))).active
    assert sheet is not None
    cells = dict(zip([cell.value for cell in sheet[1]], sheet[2], strict=True))
    assert cells[LABELS["occurred_on"]].is_date
    assert cells[LABELS["occurred_on"]].value == dt.datetime(2003, 6, 15)
    assert cells[LABELS["victims_female_18_29"]].value == 2
    assert cells[LABELS["victims_total"]].value == 2
    assert cells[LABELS["offenders_total"]].value == 1
    assert cells[LABELS["latitude"]].value == pytest.approx(42.337)
    assert cells[LABELS["attempted"]].value is False
    assert cells[LABELS["unit"]].value == JETI_OGUZ and cells[LABELS["unit"]].data_type == "s"

    header, hashtags, row = list(
        csv.reader(io.StringIO(body(export(client, "hxl")).decode("utf-8-sig")))
    )
    tagged = dict(zip(hashtags, row, strict=True))
    assert tagged["#date+occurred"] == "2003-06-15"
    assert tagged["#adm3+code"] == JETI_OGUZ
    assert tagged["#crime+code+iccs"] == "05025"
    assert tagged["#affected+victims+f+adults+age18_29"] == "2"
    assert tagged["#offenders+m+children+age14_17"] == "1"
    assert len(set(hashtags)) == len(hashtags) == len(header)


def test_geojson_is_a_feature_collection_with_points_where_the_user_may_see_them(
    login: Callable[[User], Client], jeti_oguz_incident: Incident
) -> None:
    IncidentFactory.create(occurred_on=dt.date(2003, 1, 9), latitude=None, longitude=None)
    response = export(login(user_of(Role.POLICE_OFFICER)), "geojson")
    assert response["Content-Type"] == "application/geo+json"
    collection = json.loads(body(response))
    assert collection["type"] == "FeatureCollection"
    first, second = collection["features"]
    assert first["geometry"] == {"type": "Point", "coordinates": [78.224, 42.337]}
    assert first["properties"]["id"] == jeti_oguz_incident.pk
    assert second["geometry"] is None


def test_every_row_is_masked_as_core_masking_says(
    login: Callable[[User], Client], jeti_oguz_incident: Incident
) -> None:
    # A domestic violence incident: its exact location is restricted row by row where the
    # model declares it (kenesh.core.masking); the export hides exactly what masking hides.
    violence = IncidentFactory.create(
        occurred_on=dt.date(2003, 4, 4), iccs_id="0201", relationship="intimate_partner"
    )
    violence.save()  # derives the categories
    lcpc = user_of(Role.LCPC_COORDINATOR)
    police = user_of(Role.POLICE_OFFICER)
    for user in (lcpc, police):
        features = json.loads(body(export(login(user), "geojson")))["features"]
        for feature in features:
            incident = Incident.objects.get(pk=feature["properties"]["id"])
            hidden = hidden_fields(user, incident)
            assert (feature["geometry"] is None) == bool({"latitude", "longitude"} & hidden)
            for key in {"latitude", "longitude"} & hidden:
                assert feature["properties"][key] is None
    police_features = json.loads(body(export(login(police), "geojson")))["features"]
    assert all(feature["geometry"] is not None for feature in police_features)


def test_the_export_reads_a_constant_number_of_queries(login: Callable[[User], Client]) -> None:
    client = login(user_of(Role.POLICE_OFFICER))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            body(export(client, "csv"))
        return len(captured)

    IncidentFactory.create(occurred_on=dt.date(2003, 1, 1))
    few = queries()
    IncidentFactory.create_batch(30, occurred_on=dt.date(2003, 2, 2))
    assert queries() == few


# ---------------------------------------------------------------------------------------------
# The list page's download links


def test_the_list_page_offers_downloads_that_keep_its_valid_filters(
    login: Callable[[User], Client], jeti_oguz_incident: Incident
) -> None:
    client = login(user_of(Role.POLICE_OFFICER))
    page = client.get("/incidents/", {**TEST_YEAR, "iccs": "05", "status": "no-such-status"})
    assert page.status_code == 200
    html = page.content.decode()
    expected = urlencode({**TEST_YEAR, "iccs": "05"}).replace("&", "&amp;")
    for fmt in ("csv", "xlsx", "hxl", "geojson"):
        assert f'href="{EXPORT}/{fmt}?{expected}"' in html
    assert "no-such-status" not in html.split('id="incident-export"')[1].split("</nav>")[0]

    fragment = client.get("/incidents/", {**TEST_YEAR}, HTTP_HX_REQUEST="true")
    assert f'href="{EXPORT}/csv?{urlencode(TEST_YEAR).replace("&", "&amp;")}"' in (
        fragment.content.decode()
    )

    (row,) = csv_rows(client.get(f"{EXPORT}/csv?{urlencode({**TEST_YEAR, 'iccs': '05'})}"))
    assert row[LABELS["id"]] == str(jeti_oguz_incident.pk)


def test_the_list_page_of_an_outsider_links_to_nothing_of_jeti_oguz(
    karakol_outsider: Client, jeti_oguz_incident: Incident
) -> None:
    page = karakol_outsider.get("/incidents/", {"unit": JETI_OGUZ})
    if page.status_code == 403:  # aggregate-only roles see statistics, not the register
        return
    assert page.status_code == 200
    links = page.content.decode().split('id="incident-export"')[1].split("</nav>")[0]
    assert JETI_OGUZ not in links


# ---------------------------------------------------------------------------------------------
# The command


def test_the_command_writes_the_file_as_the_user_sees_it_and_audits_it(
    tmp_path: Path, jeti_oguz_incident: Incident
) -> None:
    lcpc = user_of(Role.LCPC_COORDINATOR)
    out = tmp_path / "incidents.csv"
    stdout = io.StringIO()
    call_command(
        "export", "incidents", "csv", "--out", str(out), "--user", lcpc.username,
        "--language", "en", "from=2003-01-01", "to=2003-12-31", stdout=stdout,
    )  # fmt: skip
    assert "1 row written" in stdout.getvalue()
    (row,) = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"), newline="")))
    assert row[LABELS["id"]] == str(jeti_oguz_incident.pk)
    assert not {LABELS[key] for key in RESTRICTED} & set(row)
    (entry,) = exports_logged()
    assert entry.actor == lcpc
    assert entry.changes["channel"] == [None, "command"]
    assert entry.changes["rows"] == [None, 1]
    assert entry.changes["filters"] == [None, TEST_YEAR]


def test_the_command_without_a_user_is_the_trusted_operator(
    tmp_path: Path, jeti_oguz_incident: Incident
) -> None:
    out = tmp_path / "incidents.xlsx"
    call_command(
        "export", "incidents", "xlsx", "--out", str(out), "--language", "en",
        f"unit={JETI_OGUZ}", "from=2003-01-01", "to=2003-12-31", stdout=io.StringIO(),
    )  # fmt: skip
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    cells = dict(zip([cell.value for cell in sheet[1]], sheet[2], strict=True))
    assert cells[LABELS["narrative"]].value.startswith("Three sheep")
    (entry,) = exports_logged()
    assert entry.actor is None
    assert entry.unit_path == jeti_oguz().path


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["incidents", "csv", "colour=red"], "Unknown filter colour"),
        (["incidents", "csv", "from=15.06.2003"], "YYYY-MM-DD"),
        (["incidents", "csv", "from"], "NAME=VALUE"),
        (["incidents", "pdf"], "csv, xlsx, hxl, geojson"),
        (["livestock", "csv"], "There is no export"),
        (["incidents", "csv", f"unit={KARAKOL}"], "No such unit in your area"),
        (["incidents", "csv", "unit=99999999999999"], "No such unit in your area"),
    ],
)
def test_the_command_refuses_bad_input_and_writes_nothing(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    police = user_of(Role.POLICE_OFFICER)
    out = tmp_path / "out.csv"
    with pytest.raises(CommandError, match=message):
        call_command(
            "export", *arguments, "--out", str(out), "--user", police.username,
            "--language", "en",
        )  # fmt: skip
    assert list(tmp_path.iterdir()) == []
    assert exports_logged() == []


def test_the_command_refuses_aggregate_only_users(tmp_path: Path) -> None:
    civil = user_of(Role.CIVIL_SOCIETY)
    with pytest.raises(CommandError, match="aggregates only"):
        call_command(
            "export", "incidents", "csv", "--out", str(tmp_path / "x.csv"),
            "--user", civil.username, "--language", "en",
        )  # fmt: skip
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# The masking sweep of every format: no restricted value for anyone without restricted access


def file_text(fmt: str, content: bytes) -> str:
    """Everything a file says, as text: an XLSX workbook's cell values, other formats decoded."""
    if fmt != "xlsx":
        return content.decode("utf-8-sig")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return "\n".join(str(cell.value) for line in sheet.iter_rows() for cell in line)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "hxl", "geojson"])
def test_no_format_leaks_a_restricted_value_to_anyone_without_restricted_access(
    fmt: str,
) -> None:
    unit = MunicipalityFactory.create()
    incident = sensitive_incident(unit, occurred_on=dt.date(2003, 5, 5))
    police = police_of(unit)
    seen = file_text(fmt, body(export(login_client(police), fmt)))
    assert sorted(leaks(seen)) == sorted(SENTINELS)  # the positive control sees them all
    for name, viewer in viewers_without_restricted(unit).items():
        response = export(login_client(viewer), fmt)
        if response.status_code != 200:
            assert response.status_code in (401, 403), name
            continue
        text = file_text(fmt, body(response))
        assert leaks(text) == [], name
        if viewer is not None and unit.path.startswith(viewer.role_assignments.get().unit.path):
            assert str(incident.pk) in text, name  # the row is there, masked


def test_a_sensitive_incident_has_no_point_but_its_settlement_for_the_lcpc(
    login: Callable[[User], Client],
) -> None:
    settlement = AdministrativeUnit.objects.get(code="41702210830010")  # a village of Jeti-Oguz
    incident = sensitive_incident(
        jeti_oguz(), occurred_on=dt.date(2003, 5, 5), settlement=settlement
    )
    features = json.loads(body(export(login(user_of(Role.LCPC_COORDINATOR)), "geojson")))
    (feature,) = features["features"]
    assert feature["properties"]["id"] == incident.pk
    assert feature["geometry"] is None
    assert feature["properties"]["latitude"] is None
    assert feature["properties"]["settlement_name"] == localized_name(settlement, "en")
    police_features = json.loads(body(export(login(user_of(Role.POLICE_OFFICER)), "geojson")))
    assert police_features["features"][0]["geometry"]["coordinates"] == [78.234568, 42.345679]
