"""The incident import pipeline: reading sheets, every row rule, all-or-nothing, skip-invalid,
re-imports and dry runs (run directly, as the page, API and command all do)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from kenesh.accounts.models import User
from kenesh.core.imports import write_template
from kenesh.core.models import AuditEntry
from kenesh.incidents.imports.spec import IncidentImport
from kenesh.incidents.models import Incident
from kenesh.incidents.tests.factories import IncidentFactory
from kenesh.incidents.tests.import_support import (
    HEADER,
    JETI_OGUZ,
    KARAKOL,
    errors_of,
    import_bytes,
    row,
    sheet,
    xlsx,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_incidents() -> None:
    Incident.objects.all().delete()


def police(username: str = "police.jetioguz") -> User:
    return User.objects.get(username=username)


def test_a_csv_sheet_creates_one_incident_per_row_with_its_values_and_categories() -> None:
    rows = [
        row(external_ref="A-1"),
        row(external_ref="A-2", iccs_code="0201", relationship="family", settlement=""),
    ]
    result = import_bytes(sheet(rows), user=police())
    assert errors_of(result) == []
    assert (result.total_rows, result.created, result.written) == (2, 2, True)
    first = Incident.objects.get(external_ref="A-1")
    assert first.unit.code == JETI_OGUZ
    assert first.settlement is not None and first.settlement.code == "41702210830010"
    assert first.occurred_on == dt.date(2024, 6, 15)
    assert first.occurred_at == dt.time(22, 30)
    assert first.victims_male_30_59 == 1
    assert first.narrative == "Two sheep taken from the pasture."
    assert first.category_list == ["livestock_theft"]
    second = Incident.objects.get(external_ref="A-2")
    assert second.settlement is None
    assert second.category_list == ["domestic_violence"]


def test_an_xlsx_sheet_imports_like_the_csv_one() -> None:
    rows = [row(external_ref="X-1"), row(external_ref="X-2", occurred_on="15.06.2024")]
    result = import_bytes(xlsx(rows))
    assert errors_of(result) == []
    assert sorted(Incident.objects.values_list("external_ref", flat=True)) == ["X-1", "X-2"]
    assert set(Incident.objects.values_list("occurred_on", flat=True)) == {dt.date(2024, 6, 15)}


def test_an_iccs_code_that_lost_its_leading_zero_in_a_spreadsheet_is_recognised() -> None:
    result = import_bytes(sheet([row(iccs_code="5025")]))
    assert errors_of(result) == []
    assert Incident.objects.get().iccs_id == "05025"


def test_a_windows_1251_sheet_with_semicolons_and_russian_words_imports() -> None:
    content = sheet(
        [row(status="solved", narrative="Угнали двух овец", attempted="нет")],
        encoding="cp1251",
        delimiter=";",
    )
    result = import_bytes(content)
    assert errors_of(result) == []
    incident = Incident.objects.get()
    assert (incident.status, incident.narrative, incident.attempted) == (
        "solved",
        "Угнали двух овец",
        False,
    )


def test_a_mapping_reads_columns_under_the_agencys_own_headers() -> None:
    header = ["№ КУСП" if name == "external_ref" else name for name in HEADER]
    data = row(external_ref="K-7")
    data["№ КУСП"] = data.pop("external_ref")
    without = import_bytes(sheet([data], header))
    assert errors_of(without) == [(1, "external_ref", "This column is missing.")]
    result = import_bytes(sheet([data], header), mapping={"external_ref": "№ КУСП"})
    assert errors_of(result) == []
    assert Incident.objects.get().external_ref == "K-7"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_template_with_its_example_row_imports_nothing_and_no_error(fmt: str) -> None:
    buffer = io.BytesIO()
    write_template(IncidentImport(), fmt, buffer)
    result = import_bytes(buffer.getvalue(), user=police())
    assert errors_of(result) == []
    assert (result.total_rows, result.created, result.example_rows) == (0, 0, 1)
    assert not Incident.objects.exists()


def test_the_template_header_is_the_documented_column_list() -> None:
    assert [column.header for column in IncidentImport().columns] == HEADER


BAD_ROWS = [
    ({"external_ref": ""}, "external_ref", "This value is required."),
    ({"external_ref": "x" * 65}, "external_ref", "Ensure this value has at most 64 characters"),
    ({"municipality": "41799999999999"}, "municipality", "No municipality has this code."),
    (
        {"municipality": "41702210000000", "settlement": ""},
        "municipality",
        "Choose a municipality.",
    ),
    ({"settlement": "41702410000011"}, "settlement", "No settlement has this code."),
    ({"iccs_code": "99"}, "iccs_code", "No ICCS category has this code."),
    ({"occurred_on": "2024-13-01"}, "occurred_on", "Enter a date as YYYY-MM-DD or DD.MM.YYYY."),
    ({"occurred_at": "25:00"}, "occurred_at", "Enter a time as HH:MM."),
    ({"occurred_at": "22:30+06:00"}, "occurred_at", "Enter a time as HH:MM."),
    ({"occurred_on": "15.06.24"}, "occurred_on", "Enter a date as YYYY-MM-DD or DD.MM.YYYY."),
    ({"occurred_on": "1.2.3"}, "occurred_on", "Enter a date as YYYY-MM-DD or DD.MM.YYYY."),
    ({"occurred_on": "2024-06-15 garbage"}, "occurred_on", "Enter a date as YYYY-MM-DD"),
    ({"occurred_on": "2024-06-15T99:99"}, "occurred_on", "Enter a date as YYYY-MM-DD"),
    ({"occurred_on": "15.06.1024"}, "occurred_on", "before 1991"),
    ({"narrative": "x" * 10_001}, "narrative", "10000"),
    ({"reported_on": "2024-06-01"}, "reported_on", "cannot be reported before it occurred"),
    ({"latitude": "north"}, "latitude", "Enter a number."),
    ({"latitude": "55.75", "longitude": "37.61"}, "latitude", "does not lie in Kyrgyzstan"),
    ({"longitude": ""}, "longitude", "Give both latitude and longitude, or neither."),
    ({"status": "lost"}, "status", "Choose one of:"),
    ({"attempted": "maybe"}, "attempted", "Enter yes or no."),
    ({"victims_female_0_13": "-1"}, "victims_female_0_13", "Enter a number from 0 to 32767."),
    ({"offenders_male_18_29": "two"}, "offenders_male_18_29", "Enter a whole number."),
]


@pytest.mark.parametrize(("change", "column", "reason"), BAD_ROWS, ids=lambda v: str(v)[:30])
def test_each_bad_value_is_reported_with_line_column_and_reason(
    change: dict[str, str], column: str, reason: str
) -> None:
    rows = [row(external_ref="ok-1"), row(**{"external_ref": "bad-1", **change})]
    result = import_bytes(sheet(rows))
    assert [(line, col) for line, col, _reason in errors_of(result)] == [(3, column)]
    assert reason in result.errors[0].reason
    assert Incident.objects.count() == 0


def test_a_settlement_of_another_municipality_is_refused() -> None:
    other_village = (
        __import__("kenesh.geo.models", fromlist=["AdministrativeUnit"])
        .AdministrativeUnit.objects.filter(level="settlement", path__contains=f"/{KARAKOL}/")
        .first()
    )
    if other_village is None:
        pytest.skip("the demo has no settlement in Karakol")
    result = import_bytes(sheet([row(settlement=other_village.code)]))
    assert errors_of(result) == [(2, "settlement", "The settlement must lie in the municipality.")]


def test_a_date_in_the_future_is_refused() -> None:
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    result = import_bytes(sheet([row(occurred_on=tomorrow, reported_on=tomorrow)]))
    assert {(line, column) for line, column, _reason in errors_of(result)} == {
        (2, "occurred_on"),
        (2, "reported_on"),
    }
    assert all(error.reason == "The date lies in the future." for error in result.errors)


def test_rows_outside_the_users_territory_are_errors_not_in_your_territory() -> None:
    rows = [row(external_ref="J-1"), row(external_ref="K-1", municipality=KARAKOL, settlement="")]
    result = import_bytes(sheet(rows), user=police())
    assert errors_of(result) == [(3, "municipality", "This municipality is not in your territory.")]
    assert Incident.objects.count() == 0
    reader = User.objects.get(username="lcpc.jetioguz")  # reads incidents, may not write them
    result = import_bytes(sheet([row()]), user=reader)
    assert errors_of(result) == [(2, "municipality", "This municipality is not in your territory.")]


def test_every_bad_row_is_listed_and_nothing_is_written_by_default() -> None:
    rows = [row(external_ref=f"R-{i}") for i in range(5)]
    rows[1]["iccs_code"] = "99"
    rows[3]["occurred_on"] = "yesterday"
    rows[3]["attempted"] = "perhaps"
    audit_before = AuditEntry.objects.count()
    result = import_bytes(sheet(rows))
    assert [(line, column) for line, column, _reason in errors_of(result)] == [
        (3, "iccs_code"),
        (5, "occurred_on"),
        (5, "attempted"),
    ]
    assert (result.rejected, result.created, result.written) == (2, 0, False)
    assert Incident.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_errors_spread_over_several_batches_all_roll_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(IncidentImport, "batch_size", 3)
    rows = [row(external_ref=f"B-{i}") for i in range(10)]
    rows[8]["status"] = "lost"
    result = import_bytes(sheet(rows))
    assert errors_of(result)[0][:2] == (10, "status")
    assert Incident.objects.count() == 0


def test_skip_invalid_writes_exactly_the_valid_rows_and_a_rejects_file() -> None:
    rows = [row(external_ref=f"S-{i}") for i in range(4)]
    rows[2]["iccs_code"] = "99"
    rejects = io.StringIO()
    result = import_bytes(sheet(rows), skip_invalid=True, rejects=rejects)
    assert (result.created, result.rejected, result.written) == (3, 1, True)
    assert sorted(Incident.objects.values_list("external_ref", flat=True)) == ["S-0", "S-1", "S-3"]
    lines = list(csv.reader(io.StringIO(rejects.getvalue())))
    assert lines[0] == [*HEADER, "reason"]
    assert len(lines) == 2
    assert lines[1][: len(HEADER)] == [rows[2].get(name, "0") for name in HEADER]
    assert lines[1][-1] == "iccs_code: No ICCS category has this code."


def test_the_same_external_reference_twice_in_a_file_is_an_error_on_the_later_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(IncidentImport, "batch_size", 2)  # the twin lies in a later batch
    rows = [row(external_ref="D-1"), row(external_ref="D-2"), row(external_ref="D-3")]
    rows.append(row(external_ref="D-1", iccs_code="0501"))
    rows.append(row(external_ref="D-3"))
    from kenesh.core.models import ImportJob

    job = ImportJob.objects.create(kind="incidents", filename="d.csv", content=b"")
    result = import_bytes(sheet(rows), job=job, skip_invalid=True, rejects=io.StringIO())
    message = "This external reference appears earlier in the file."
    assert errors_of(result) == [(5, "external_ref", message), (6, "external_ref", message)]
    assert Incident.objects.get(external_ref="D-1").iccs_id == "05025"
    assert set(Incident.objects.values_list("import_job", flat=True)) == {job.pk}


def test_reimporting_the_same_file_creates_and_changes_nothing() -> None:
    content = sheet([row(external_ref=f"I-{i}") for i in range(3)])
    first = import_bytes(content, user=police())
    assert first.created == 3
    before = list(Incident.objects.order_by("pk").values())
    second = import_bytes(content, user=police())
    assert errors_of(second) == []
    assert (second.created, second.unchanged, second.written) == (0, 3, False)
    assert list(Incident.objects.order_by("pk").values()) == before


def test_a_registered_reference_with_other_values_is_an_error_not_an_overwrite() -> None:
    IncidentFactory(external_ref="E-1", iccs_id="0501")
    result = import_bytes(sheet([row(external_ref="E-1")]))
    assert [(line, column) for line, column, _reason in errors_of(result)] == [(2, "external_ref")]
    assert "already registered with other values" in result.errors[0].reason
    assert Incident.objects.get().iccs_id == "0501"


def test_the_same_reference_in_another_municipality_is_another_incident() -> None:
    IncidentFactory(
        external_ref="M-1",
        unit=__import__("kenesh.geo.models", fromlist=["x"]).AdministrativeUnit.objects.get(
            code=KARAKOL
        ),
        latitude=None,
        longitude=None,
    )
    result = import_bytes(sheet([row(external_ref="M-1")]))
    assert (errors_of(result), result.created) == ([], 1)


def test_a_dry_run_validates_everything_and_writes_nothing() -> None:
    good = import_bytes(sheet([row(external_ref="Y-1")]), dry_run=True)
    assert (errors_of(good), good.written) == ([], False)
    bad = import_bytes(sheet([row(external_ref="Y-1", status="lost")]), dry_run=True)
    assert [column for _line, column, _reason in errors_of(bad)] == ["status"]
    assert Incident.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "The file is empty."),
        (b"\xd0\xcf\x11\xe0rest of an old workbook", "Old .xls files cannot be read"),
        (b"PK\x03\x04not really a zip", "The file is not a readable XLSX."),
        # Neither UTF-8 nor Windows-1251 (0x98 is unassigned there).
        (b"external_ref,municipality\n\x98\x98,1\n", "The file is not a readable CSV."),
    ],
)
def test_an_unreadable_file_is_one_error_on_line_1(content: bytes, reason: str) -> None:
    result = import_bytes(content)
    assert len(result.errors) == 1
    assert result.errors[0].line == 1
    assert reason in result.errors[0].reason


def test_a_header_given_twice_makes_the_file_unusable() -> None:
    result = import_bytes(sheet([row()], [*HEADER, "status"]))
    assert errors_of(result) == [(1, "status", "This column appears twice.")]


def test_blank_rows_are_skipped_but_keep_their_line_number() -> None:
    content = (
        sheet([row(external_ref="L-1")])
        + b",,,\r\n"
        + sheet([row(status="lost")])[len(",".join(HEADER)) + 2 :]
    )
    result = import_bytes(content)
    assert [(line, column) for line, column, _reason in errors_of(result)] == [(4, "status")]


@pytest.mark.parametrize(
    ("language", "territory", "required"),
    [
        ("en", "This municipality is not in your territory.", "This value is required."),
        ("ru", "Этот муниципалитет не относится к вашей территории.", "Это значение обязательно."),
        ("ky", "Бул муниципалитет сиздин аймагыңызга кирбейт.", "Бул маани милдеттүү."),
    ],
)
def test_the_report_is_in_the_language_of_the_import(
    language: str, territory: str, required: str
) -> None:
    rows = [row(municipality=KARAKOL, settlement=""), row(external_ref="")]
    result = import_bytes(sheet(rows), user=police(), language=language)
    assert errors_of(result) == [(2, "municipality", territory), (3, "external_ref", required)]


def test_people_counts_are_read_right_whatever_was_remembered_from_earlier_rows() -> None:
    # The 36 count columns are looked up together in a memo of parsed texts; a text first seen
    # late, a bad text after good ones and an empty cell must each come out as if read alone.
    rows = [row(external_ref=f"C-{n}") for n in range(3)]
    rows[1].update(victims_female_0_13="3", offenders_male_14_17="")
    rows[2].update(victims_female_0_13="3", offenders_male_14_17="12", victims_male_60_plus="1")
    # Every text of this row has been seen by now, so it is read from the memo alone.
    rows.append(
        row(
            external_ref="C-3",
            victims_female_0_13="12",
            offenders_male_14_17="",
            victims_male_60_plus="3",
        )
    )
    rows.append(row(external_ref="C-bad", victims_female_0_13="3", offenders_male_18_29="x"))
    result = import_bytes(sheet(rows), skip_invalid=True)
    assert [(line, col) for line, col, _reason in errors_of(result)] == [
        (6, "offenders_male_18_29")
    ]
    got = {
        incident.external_ref: (
            incident.victims_female_0_13,
            incident.offenders_male_14_17,
            incident.victims_male_60_plus,
            incident.victims_male_30_59,
        )
        for incident in Incident.objects.all()
    }
    expected_victims = int(row().get("victims_male_30_59") or 0)
    assert got == {
        "C-0": (int(row().get("victims_female_0_13") or 0),
                int(row().get("offenders_male_14_17") or 0), 0, expected_victims),
        "C-1": (3, 0, 0, expected_victims),
        "C-2": (3, 12, 1, expected_victims),
        "C-3": (12, 0, 3, expected_victims),
    }  # fmt: skip


def test_day_first_dates_and_spreadsheet_timestamps_are_read_as_dates() -> None:
    rows = [
        row(external_ref="D-1", occurred_on="5.6.2024", reported_on="06.06.2024"),
        row(external_ref="D-2", occurred_on="2024-06-05 00:00:00", reported_on="2024-06-06T10:15"),
    ]
    result = import_bytes(sheet(rows))
    assert errors_of(result) == []
    assert set(Incident.objects.values_list("occurred_on", "reported_on")) == {
        (dt.date(2024, 6, 5), dt.date(2024, 6, 6))
    }
