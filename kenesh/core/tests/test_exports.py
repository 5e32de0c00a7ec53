"""The export mechanism: each format read back by an independent reader (csv, openpyxl, json,
shapely), formula cells escaped, types kept, and the streamed formats never holding the rows."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import gc
import io
import itertools
import json
import tracemalloc
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import shapely.geometry
from django.http import Http404, StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja.errors import HttpError

from kenesh.core import exports
from kenesh.core.exports import (
    CHUNK_ROWS,
    ExportColumn,
    ExportFormat,
    ExportKind,
    ExportSelection,
    ExportSpec,
    ExportTooLarge,
    PointGeometry,
    ValueType,
    cell_text,
    columns_for,
    csv_stream,
    export_download,
    export_format_or_404,
    export_kinds,
    export_response,
    export_to_file,
    geojson_stream,
    hxl_stream,
    masked_rows,
    write_export,
    write_xlsx,
)
from kenesh.core.formulas import unescape_cell
from kenesh.core.masking import RowRule
from kenesh.core.models import AuditAction, AuditEntry
from kenesh.core.modules import Module, register, unregister
from kenesh.core.permissions import Resource, Role
from kenesh.core.scope import Grant

BISHKEK = zoneinfo.ZoneInfo("Asia/Bishkek")

SPEC = ExportSpec(
    kind="thefts",
    label="Thefts",
    columns=(
        ExportColumn("code", "Code", "#crime+code"),
        ExportColumn("occurred_on", "Date", "#date+occurred", ValueType.DATE),
        ExportColumn("reported_at", "Reported", "#date+reported", ValueType.DATETIME),
        ExportColumn("heads", "Heads", "#affected+num", ValueType.INT),
        ExportColumn("value", "Value, KGS", "#value+kgs", ValueType.DECIMAL),
        ExportColumn("share", "Share", "#indicator+share", ValueType.FLOAT),
        ExportColumn("recovered", "Recovered", "#status+recovered", ValueType.BOOL),
        ExportColumn("place", "Place", "#loc+name"),
        ExportColumn("note", "Note", "#description"),
    ),
    point=PointGeometry(lon="lon", lat="lat"),
)

FORMULAS = ["=1+2", "+996 555 123 456", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def row(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "code": "0502",
        "occurred_on": dt.date(2024, 3, 5),
        "reported_at": dt.datetime(2024, 3, 5, 8, 30, tzinfo=dt.UTC),
        "heads": 3,
        "value": decimal.Decimal("120000.50"),
        "share": 0.25,
        "recovered": False,
        "place": "Тамга",
        "note": "Кой уурдалды, ночью",
        "lon": 77.9412345678,
        "lat": 42.1587654321,
    }
    base.update(overrides)
    return base


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def stream_bytes(chunks: Iterator[bytes]) -> bytes:
    return b"".join(chunks)


# ---------------------------------------------------------------------------------------------
# CSV and HXL


def test_csv_starts_with_a_byte_order_mark_and_reads_back_with_labels_as_header() -> None:
    data = stream_bytes(csv_stream(SPEC, [row()]))
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data  # RFC 4180 line ends
    header, values = read_csv(data)
    assert header == [str(column.label) for column in SPEC.columns]
    assert dict(zip(header, values, strict=True)) == {
        "Code": "0502",
        "Date": "2024-03-05",
        # Local time with its offset: 08:30 UTC is 14:30 in Bishkek.
        "Reported": "2024-03-05T14:30:00+06:00",
        "Heads": "3",
        "Value, KGS": "120000.50",
        "Share": "0.25",
        "Recovered": "false",
        "Place": "Тамга",
        "Note": "Кой уурдалды, ночью",
    }
    assert dt.datetime.fromisoformat(values[2]) == row()["reported_at"]


def test_csv_decimals_use_a_point_and_no_exponent_in_every_language() -> None:
    rows = [row(value=decimal.Decimal("1E+3"), share=1234.5), row(value=decimal.Decimal("-0.05"))]
    for language in ("ru", "ky", "en"):
        with translation.override(language):
            _, first, second = read_csv(stream_bytes(csv_stream(SPEC, rows)))
        assert first[4:6] == ["1000", "1234.5"]
        assert second[4] == "-0.05"  # a typed number, not text: not escaped


def test_csv_text_cells_starting_a_formula_are_escaped_and_unescape_to_the_original() -> None:
    rows = [row(note=text, place=text) for text in FORMULAS]
    _, *lines = read_csv(stream_bytes(csv_stream(SPEC, rows)))
    for text, line in zip(FORMULAS, lines, strict=True):
        assert line[7] == line[8] == "'" + text
        assert unescape_cell(line[8]) == text


def test_csv_header_labels_are_translated_and_escaped() -> None:
    spec = ExportSpec(
        kind="t",
        label="t",
        columns=(
            ExportColumn("a", _("Municipality"), "#adm3+name"),
            ExportColumn("b", "=evil", "#x"),
        ),
    )
    with translation.override("ru"):
        ru_header = read_csv(stream_bytes(csv_stream(spec, [])))[0]
    with translation.override("en"):
        en_header = read_csv(stream_bytes(csv_stream(spec, [])))[0]
    assert en_header == ["Municipality", "'=evil"]
    assert ru_header == ["Муниципалитет", "'=evil"]


def test_a_streamed_csv_keeps_the_language_it_was_made_in() -> None:
    spec = ExportSpec(kind="t", label="t", columns=(ExportColumn("a", _("Municipality"), "#a"),))
    with translation.override("ru"):
        chunks = csv_stream(spec, [{"a": _("Municipality")}])
    with translation.override("en"):
        data = stream_bytes(chunks)
    assert read_csv(data) == [["Муниципалитет"], ["Муниципалитет"]]


def test_empty_values_are_empty_cells_and_missing_keys_too() -> None:
    values = read_csv(
        stream_bytes(csv_stream(SPEC, [{"code": "01", "heads": None, "value": "", "share": None}]))
    )[1]
    assert values == ["01", "", "", "", "", "", "", "", ""]


def test_not_a_number_and_infinity_are_written_empty() -> None:
    values = read_csv(
        stream_bytes(csv_stream(SPEC, [row(share=float("nan"), value=decimal.Decimal("Infinity"))]))
    )[1]
    assert values[4:6] == ["", ""]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("heads", "=1+2"),
        ("heads", 1.5),
        ("heads", True),
        ("value", "=1+2"),
        ("share", "@x"),
        ("occurred_on", "=TODAY()"),
        ("reported_at", "2024-01-01"),
        ("recovered", "yes"),
    ],
)
def test_a_text_in_a_typed_column_is_refused_not_written_unescaped(key: str, value: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        stream_bytes(csv_stream(SPEC, [row(**{key: value})]))


def test_hxl_puts_the_hashtag_row_under_the_header() -> None:
    data = stream_bytes(hxl_stream(SPEC, [row(), row(code="0401")]))
    assert data.startswith(b"\xef\xbb\xbf")
    header, hashtags, first, second = read_csv(data)
    assert header == [str(column.label) for column in SPEC.columns]
    assert hashtags == [column.hxl for column in SPEC.columns]
    assert hashtags[:2] == ["#crime+code", "#date+occurred"]
    assert first[0] == "0502" and second[0] == "0401"


def test_hashtags_must_follow_hxl_syntax() -> None:
    for bad in ("date", "#Date", "#date+", "#date +occurred", "#1date", "=#date"):
        with pytest.raises(ValueError):
            ExportColumn("a", "A", bad)
    ExportColumn("a", "A", "#affected+f+adult")


def test_a_spec_refuses_repeated_keys_and_odd_kinds() -> None:
    with pytest.raises(ValueError):
        ExportSpec(kind="t", label="t", columns=(ExportColumn("a", "A", "#a"),) * 2)
    with pytest.raises(ValueError):
        ExportSpec(kind="../etc", label="t", columns=())


def test_without_leaves_the_named_columns_out() -> None:
    narrow = SPEC.without({"note", "place"})
    assert [c.key for c in narrow.columns] == [c.key for c in SPEC.columns][:7]
    header = read_csv(stream_bytes(csv_stream(narrow, [row()])))[0]
    assert "Note" not in header and "Place" not in header


# ---------------------------------------------------------------------------------------------
# XLSX


def read_xlsx(spec: ExportSpec, rows: list[dict[str, Any]]) -> Any:
    buffer = io.BytesIO()
    count = write_xlsx(spec, rows, buffer)
    assert count == len(rows)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer).active


def test_xlsx_cells_are_typed() -> None:
    sheet = read_xlsx(SPEC, [row()])
    header = [cell.value for cell in sheet[1]]
    assert header == [str(column.label) for column in SPEC.columns]
    cells = {label: cell for label, cell in zip(header, sheet[2], strict=True)}
    assert cells["Code"].value == "0502" and cells["Code"].data_type == "s"
    assert cells["Heads"].value == 3 and cells["Heads"].data_type == "n"
    assert cells["Value, KGS"].value == pytest.approx(120000.5)
    assert cells["Share"].value == 0.25
    assert cells["Recovered"].value is False and cells["Recovered"].data_type == "b"
    assert cells["Date"].is_date and cells["Date"].number_format == "yyyy-mm-dd"
    assert cells["Date"].value == dt.datetime(2024, 3, 5)
    assert cells["Reported"].is_date
    assert cells["Reported"].value == dt.datetime(2024, 3, 5, 14, 30)  # Bishkek time
    assert cells["Place"].value == "Тамга"
    assert sheet.freeze_panes == "A2"


def test_xlsx_text_starting_a_formula_is_escaped_text_never_a_formula() -> None:
    sheet = read_xlsx(SPEC, [row(note=text) for text in FORMULAS])
    notes = [line[8] for line in sheet.iter_rows(min_row=2)]
    # Without lxml, a carriage return in text comes back as a line feed (XML 1.0, 2.11); with
    # lxml it is written as a character reference and kept. Escaped either way.
    written = ["'" + text.replace("\r", "\n") for text in FORMULAS]
    assert [cell.value.replace("\r", "\n") for cell in notes] == written
    assert all(cell.data_type == "s" for cell in notes)


def test_xlsx_drops_characters_xml_cannot_hold_and_caps_long_text() -> None:
    sheet = read_xlsx(SPEC, [row(note="a\x00b\x07c\nd", place="x" * 40_000)])
    assert sheet.cell(2, 9).value == "abc\nd"
    assert len(sheet.cell(2, 8).value) == 32_767


def test_xlsx_with_more_rows_than_a_sheet_holds_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 4)
    write_xlsx(SPEC, [row()] * 3, io.BytesIO())
    with pytest.raises(ExportTooLarge, match="CSV"):
        write_xlsx(SPEC, [row()] * 4, io.BytesIO())


# ---------------------------------------------------------------------------------------------
# GeoJSON


def test_geojson_is_a_feature_collection_of_points_in_longitude_latitude_order() -> None:
    rows = [
        row(),
        row(lon=None, lat=None),  # no point (masked, or never recorded)
        row(lon=200.0, lat=42.0),  # out of range
        row(lon="", lat=""),
        row(lon=float("nan"), lat=1.0),
    ]
    collection = json.loads(stream_bytes(geojson_stream(SPEC, rows)))
    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection  # RFC 7946 section 4: WGS 84 only
    features = collection["features"]
    assert len(features) == len(rows)
    assert all(set(f) == {"type", "geometry", "properties"} for f in features)
    assert all(f["type"] == "Feature" for f in features)
    point = shapely.geometry.shape(features[0]["geometry"])
    assert point.is_valid and point.geom_type == "Point"
    assert features[0]["geometry"]["coordinates"] == [77.941235, 42.158765]
    assert [f["geometry"] for f in features[1:]] == [None] * 4


def test_geojson_properties_are_keyed_by_column_and_typed() -> None:
    properties = json.loads(stream_bytes(geojson_stream(SPEC, [row(note="=1+2")])))["features"][0][
        "properties"
    ]
    assert properties == {
        "code": "0502",
        "occurred_on": "2024-03-05",
        "reported_at": "2024-03-05T14:30:00+06:00",
        "heads": 3,
        "value": 120000.5,
        "share": 0.25,
        "recovered": False,
        "place": "Тамга",
        # JSON is not a spreadsheet: text is kept as it is.
        "note": "=1+2",
    }


def test_geojson_is_utf8_without_escapes_and_an_empty_collection_is_valid() -> None:
    data = stream_bytes(geojson_stream(SPEC, [row()]))
    assert "Тамга".encode() in data
    assert json.loads(stream_bytes(geojson_stream(SPEC, []))) == {
        "type": "FeatureCollection",
        "features": [],
    }


def test_geojson_without_a_declared_point_has_null_geometries() -> None:
    spec = ExportSpec(kind="t", label="t", columns=SPEC.columns)
    features = json.loads(stream_bytes(geojson_stream(spec, [row()])))["features"]
    assert features[0]["geometry"] is None


# ---------------------------------------------------------------------------------------------
# Streaming


class CountingRows:
    """A generator of many rows that remembers how many were taken."""

    def __init__(self, total: int):
        self.total = total
        self.taken = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for index in range(self.total):
            self.taken += 1
            yield row(heads=index)


@pytest.mark.parametrize("writer", [csv_stream, hxl_stream, geojson_stream])
def test_a_stream_takes_rows_only_as_it_is_read(writer: Any) -> None:
    rows = CountingRows(200_000)
    chunks = writer(SPEC, rows)
    assert rows.taken == 0
    list(itertools.islice(chunks, 3))
    assert 0 < rows.taken <= 2 * CHUNK_ROWS


def peak_memory(writer: Any, count: int) -> tuple[int, int]:
    """The peak of memory allocated while ``count`` rows are streamed, and the output's size."""
    rows = CountingRows(count)
    total = 0
    tracemalloc.start()
    try:
        for chunk in writer(SPEC, rows):
            total += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows.taken == count
    return peak, total


@pytest.mark.parametrize("writer", [csv_stream, hxl_stream, geojson_stream])
def test_streaming_memory_stays_flat_as_rows_grow(writer: Any) -> None:
    # A few thousand rows keep the test quick under tracemalloc; 200,000 rows peak the same
    # (measured: see docs/exports.md).
    small_peak, small_total = peak_memory(writer, 4_000)
    large_peak, large_total = peak_memory(writer, 16_000)
    assert large_total > 4 * small_total * 0.99  # four times the output...
    assert large_peak < 1.25 * small_peak  # ...in the same memory
    assert large_peak < 3_000_000


def test_write_export_writes_each_format_to_a_file_and_counts_rows() -> None:
    for fmt in ExportFormat:
        buffer = io.BytesIO()
        assert write_export(SPEC, fmt, (row() for _ in range(7)), buffer) == 7
        assert buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# HTTP answers


@pytest.mark.parametrize(
    ("fmt", "content_type", "filename"),
    [
        (ExportFormat.CSV, "text/csv; charset=utf-8", "thefts-2024-05-01.csv"),
        (ExportFormat.HXL, "text/csv; charset=utf-8", "thefts-2024-05-01-hxl.csv"),
        (ExportFormat.GEOJSON, "application/geo+json", "thefts-2024-05-01.geojson"),
    ],
)
def test_streamed_formats_answer_with_a_streaming_response(
    fmt: ExportFormat, content_type: str, filename: str
) -> None:
    response = export_response(SPEC, fmt, [row()], day=dt.date(2024, 5, 1))
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["Cache-Control"] == "private, no-store"
    assert b"0502" in b"".join(response.streaming_content)  # type: ignore[arg-type]


@pytest.mark.django_db  # closing a response signals request_finished, which checks connections
def test_xlsx_answers_with_a_file_written_before_the_answer() -> None:
    response = export_response(SPEC, ExportFormat.XLSX, [row()], day=dt.date(2024, 5, 1))
    assert response["Content-Type"] == ExportFormat.XLSX.content_type
    assert response["Content-Disposition"] == 'attachment; filename="thefts-2024-05-01.xlsx"'
    body = b"".join(response.streaming_content)  # type: ignore[arg-type]
    assert response["Content-Length"] == str(len(body))
    response.close()
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None and sheet.cell(2, 1).value == "0502"


def test_an_xlsx_answer_dropped_unread_deletes_its_temporary_file() -> None:
    response = export_response(SPEC, ExportFormat.XLSX, [row()])
    spooled = response._iterator  # type: ignore[attr-defined]
    del response, spooled
    # An unclosed file would warn here (ResourceWarning, an error under pytest's settings).
    gc.collect()


def test_an_xlsx_too_large_raises_before_any_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    with pytest.raises(ExportTooLarge):
        export_response(SPEC, ExportFormat.XLSX, [row()] * 5)


def test_the_filename_carries_todays_date_by_default() -> None:
    response = export_response(SPEC, ExportFormat.CSV, [])
    today = dt.datetime.now(BISHKEK).date().isoformat()
    assert f"thefts-{today}.csv" in response["Content-Disposition"]


def test_an_unknown_format_is_a_404_naming_the_formats_there_are() -> None:
    assert export_format_or_404("hxl") is ExportFormat.HXL
    with pytest.raises(Http404, match="csv, xlsx, hxl, geojson"):
        export_format_or_404("pdf")


def test_every_format_has_a_label_content_type_and_suffix() -> None:
    for fmt in ExportFormat:
        assert fmt.label and fmt.content_type and fmt.suffix
    assert [fmt for fmt in ExportFormat if not fmt.streamed] == [ExportFormat.XLSX]


def test_cell_text_of_each_type() -> None:
    assert cell_text(True, ValueType.BOOL) == "true"
    assert cell_text(-7, ValueType.INT) == "-7"
    assert cell_text("12", ValueType.INT) == "12"
    assert cell_text(dt.datetime(2024, 1, 2, 3, 4, 5), ValueType.DATETIME) == "2024-01-02T03:04:05"
    assert cell_text(dt.datetime(2024, 1, 1, 20, tzinfo=dt.UTC), ValueType.DATE) == "2024-01-02"
    assert cell_text(0, ValueType.INT) == "0"
    assert cell_text(False, ValueType.BOOL) == "false"


# ---------------------------------------------------------------------------------------------
# Kinds, masking and audit: with stand-ins for a model and users (core knows no domain app)

JETI_OGUZ = "/41702000000000/41702210000000/41702210830000/"
KARAKOL = "/41702000000000/41702410000010/"


def sensitive(iccs_id: str, categories: str) -> bool:
    return "|domestic_violence|" in categories


class CaseModel:
    """Stands in for a model with a restricted column and a per-row restricted location."""

    scope_resource = "incidents"
    restricted_fields = ("narrative",)
    restricted_when = {
        ("lat", "lon"): RowRule(needs=("iccs_id", "categories"), test=sensitive),
    }


class SignedIn:
    is_authenticated = True
    is_active = True
    is_superuser = False
    pk = None

    def __init__(self, *grants: tuple[Role, str]) -> None:
        self._kenesh_grants = tuple(Grant(role.value, path) for role, path in grants)

    def get_username(self) -> str:
        return "stand-in"


POLICE: Any = SignedIn((Role.POLICE_OFFICER, JETI_OGUZ))
LCPC: Any = SignedIn((Role.LCPC_COORDINATOR, JETI_OGUZ))
POLICE_HERE_LCPC_THERE: Any = SignedIn(
    (Role.POLICE_OFFICER, JETI_OGUZ), (Role.LCPC_COORDINATOR, KARAKOL)
)
CASE_MODEL: Any = CaseModel
CASE_SPEC = ExportSpec(
    kind="cases",
    label="Cases",
    columns=(
        ExportColumn("id", "Id", "#event+id", ValueType.INT),
        ExportColumn("narrative", "Narrative", "#description"),
        ExportColumn("lat", "Latitude", "#geo+lat", ValueType.FLOAT),
        ExportColumn("lon", "Longitude", "#geo+lon", ValueType.FLOAT),
        ExportColumn("place", "Settlement", "#loc+name"),
    ),
    point=PointGeometry(lon="lon", lat="lat"),
)


def case(pk: int, path: str = JETI_OGUZ, categories: str = "|other|") -> dict[str, Any]:
    return {
        "id": pk,
        "narrative": f"told by neighbour {pk}",
        "lat": 42.3,
        "lon": 78.1,
        "place": "Tamga",
        "iccs_id": "0201",
        "categories": categories,
        "path": path,
    }


def test_restricted_columns_are_absent_for_a_user_who_may_see_them_nowhere() -> None:
    assert [c.key for c in columns_for(LCPC, CASE_SPEC, CASE_MODEL).columns] == [
        "id",
        "lat",
        "lon",
        "place",
    ]
    assert columns_for(POLICE, CASE_SPEC, CASE_MODEL) == CASE_SPEC
    assert columns_for(None, CASE_SPEC, CASE_MODEL) == CASE_SPEC  # the trusted operator


def test_masked_rows_apply_core_masking_row_by_row() -> None:
    rows = [
        case(1),
        case(2, categories="|domestic_violence|"),
        case(3, path=KARAKOL, categories="|domestic_violence|"),
    ]

    def seen(user: Any) -> list[Any]:
        return list(masked_rows(user, iter(rows), model=CASE_MODEL, path_key="path"))

    police = seen(POLICE_HERE_LCPC_THERE)
    assert police[0]["narrative"] == "told by neighbour 1" and police[0]["lat"] == 42.3
    assert police[1]["narrative"] == "told by neighbour 2" and police[1]["lat"] == 42.3
    # Where they are not police, the row is masked like anyone's: no narrative, and no point
    # in a sensitive category, only the settlement's name.
    assert police[2]["narrative"] is None and police[2]["lat"] is police[2]["lon"] is None
    assert police[2]["place"] == "Tamga"
    lcpc = seen(LCPC)
    assert [row["narrative"] for row in lcpc] == [None, None, None]
    assert (lcpc[0]["lat"], lcpc[1]["lat"]) == (42.3, None)
    assert seen(None) == rows


def test_a_masked_location_leaves_a_feature_without_geometry() -> None:
    rows = masked_rows(
        LCPC, [case(1, categories="|domestic_violence|")], model=CASE_MODEL, path_key="path"
    )
    spec = columns_for(LCPC, CASE_SPEC, CASE_MODEL)
    (feature,) = json.loads(stream_bytes(geojson_stream(spec, rows)))["features"]
    assert feature["geometry"] is None
    assert feature["properties"] == {"id": 1, "lat": None, "lon": None, "place": "Tamga"}


def select_cases(*, user: Any, params: Any) -> ExportSelection:
    spec = columns_for(user, CASE_SPEC, CASE_MODEL)
    rows = [case(1), case(2, categories="|domestic_violence|")]
    return ExportSelection(
        spec=spec,
        rows=masked_rows(user, rows, model=CASE_MODEL, path_key="path"),
        count=len(rows),
        filters={"from": dt.date(2024, 1, 1), **params},
        unit_path=JETI_OGUZ,
    )


CASES = ExportKind(
    kind="cases",
    label="Cases",
    resource=Resource.INCIDENTS,
    model="example.case",
    select=f"{__name__}.select_cases",
)


@pytest.fixture
def example_module() -> Iterator[None]:
    register(Module(label="example_exports", name="Example", exports=(f"{__name__}.CASES",)))
    try:
        yield
    finally:
        unregister("example_exports")


def test_export_kinds_come_from_the_module_registry(example_module: None) -> None:
    kinds = export_kinds()
    assert kinds["cases"] is CASES
    assert kinds["incidents"].resource is Resource.INCIDENTS  # the first client
    selection = kinds["cases"].selection(user=LCPC, params={"status": "open"})
    assert selection.count == 2 and "narrative" not in [c.key for c in selection.spec.columns]


@pytest.mark.django_db
def test_a_download_is_audited_with_kind_format_filters_rows_and_columns() -> None:
    selection = select_cases(user=LCPC, params={"status": "open"})
    response = export_download(actor=None, kind=CASES, fmt=ExportFormat.HXL, selection=selection)
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert (entry.app_label, entry.model, entry.unit_path) == ("example", "case", JETI_OGUZ)
    assert entry.changes == {
        "kind": [None, "cases"],
        "format": [None, "hxl"],
        "filters": [None, {"from": "2024-01-01", "status": "open"}],
        "rows": [None, 2],
        "columns": [None, ["id", "lat", "lon", "place"]],
        "channel": [None, "api"],
    }
    assert entry.object_repr == "cases (hxl): 2 rows"
    lines = read_csv(b"".join(response.streaming_content))  # type: ignore[arg-type]
    assert lines[1] == ["#event+id", "#geo+lat", "#geo+lon", "#loc+name"]
    assert lines[3] == ["2", "", "", "Tamga"]


@pytest.mark.django_db
def test_an_xlsx_too_large_for_a_sheet_is_a_422_and_not_audited(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    selection = select_cases(user=POLICE, params={})
    with pytest.raises(HttpError) as raised:
        export_download(actor=None, kind=CASES, fmt=ExportFormat.XLSX, selection=selection)
    assert raised.value.status_code == 422
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()


@pytest.mark.django_db
def test_a_file_export_leaves_no_partial_file_when_it_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "cases.csv"
    written = export_to_file(
        actor=None,
        kind=CASES,
        fmt=ExportFormat.CSV,
        selection=select_cases(user=POLICE, params={}),
        path=out,
    )
    assert written == 2 and out.read_bytes().startswith(b"\xef\xbb\xbf")
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert entry.changes["channel"] == [None, "command"] and entry.changes["rows"] == [None, 2]

    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    with pytest.raises(ExportTooLarge):
        export_to_file(
            actor=None,
            kind=CASES,
            fmt=ExportFormat.XLSX,
            selection=select_cases(user=POLICE, params={}),
            path=tmp_path / "cases.xlsx",
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.csv"]
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT).count() == 1
