"""Loading the national classifier: the shipped subset, the real file's shape, bad rows."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from kenesh.geo.models import AdministrativeUnit, Level, UnitKind
from kenesh.geo.services import DEMO_GEOGRAPHY, clean_name, geography_load_text

pytestmark = pytest.mark.django_db


def test_the_shipped_subset_has_issyk_kul_whole_with_three_languages() -> None:
    with DEMO_GEOGRAPHY.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    issyk_kul = [row for row in rows if row["code"].startswith("41702")]
    assert len(issyk_kul) > 250
    assert all(row["name_ky"] and row["name_ru"] and row["name_en"] for row in rows)
    loaded = AdministrativeUnit.objects.filter(code__startswith="41702").count()
    assert loaded == len(issyk_kul)


def test_the_tree_has_the_expected_levels_and_paths() -> None:
    jeti_oguz = AdministrativeUnit.objects.get(code="41702210830000")
    assert jeti_oguz.level == Level.MUNICIPALITY and jeti_oguz.kind == UnitKind.AIYL_AIMAK
    assert jeti_oguz.path == "/41700000000000/41702000000000/41702210000000/41702210830000/"
    assert jeti_oguz.parent is not None and jeti_oguz.parent.level == Level.RAYON
    karakol = AdministrativeUnit.objects.get(code="41702410000010")
    assert (karakol.level, karakol.kind) == (Level.MUNICIPALITY, UnitKind.OBLAST_CITY)
    assert karakol.parent is not None and karakol.parent.level == Level.OBLAST
    oblast = AdministrativeUnit.objects.get(code="41702000000000")
    assert oblast.iso_code == "KG-Y"
    settlements_below_cities = AdministrativeUnit.objects.filter(parent__kind=UnitKind.OBLAST_CITY)
    assert all(unit.level == Level.SETTLEMENT for unit in settlements_below_cities)


def test_every_unit_path_is_its_parents_path_plus_its_code() -> None:
    for unit in AdministrativeUnit.objects.select_related("parent"):
        expected = (unit.parent.path if unit.parent else "/") + unit.code + "/"
        assert unit.path == expected


def test_loading_the_same_file_twice_changes_nothing() -> None:
    text = DEMO_GEOGRAPHY.read_text(encoding="utf-8")
    report = geography_load_text(text=text)
    assert report.ok and report.created == 0 and report.updated == 0
    assert report.unchanged == AdministrativeUnit.objects.count()


def test_the_national_file_shape_without_ky_and_en_loads_and_cleans_quirks() -> None:
    text = (
        "code,name_ru,kind,parent_code\n"
        "41709000000000,Тестовая  область,RegionAndCity,\n"
        "41709220000000,Тонский районрайон,District,41709000000000\n"
        "41709220801000,Тестовый айылный аймак,Countryside,41709220000000\n"
        "41709220801010,Тест,Village,41709220801000\n"
    )
    report = geography_load_text(text=text)
    assert report.ok, report.errors
    assert report.created == 4
    rayon = AdministrativeUnit.objects.get(code="41709220000000")
    assert rayon.name_ru == "Тонский район"
    assert AdministrativeUnit.objects.get(code="41709000000000").parent.code == "41700000000000"  # type: ignore[union-attr]
    assert AdministrativeUnit.objects.get(code="41709220801010").level == Level.SETTLEMENT


def test_children_listed_before_their_parents_still_load() -> None:
    text = (
        "code,name_ru,kind,parent_code\n"
        "41709220801000,Тестовый айылный аймак,Countryside,41709220000000\n"
        "41709220000000,Тестовый район,District,41709000000000\n"
        "41709000000000,Тестовая область,RegionAndCity,\n"
    )
    assert geography_load_text(text=text).created == 3


def test_every_bad_row_is_reported_and_nothing_is_written() -> None:
    before = AdministrativeUnit.objects.count()
    text = (
        "code,name_ru,kind,parent_code\n"
        "41709000000000,Тестовая область,RegionAndCity,\n"
        "12345,Короткий код,District,41709000000000\n"
        "41709220000000,,District,41709000000000\n"
        "41709230000000,Район,Planet,41709000000000\n"
        "41709240000000,Сирота,District,41799000000000\n"
    )
    report = geography_load_text(text=text)
    assert not report.ok
    located = {(error.line, error.column) for error in report.errors}
    assert {(3, "code"), (4, "name_ru"), (5, "kind")} <= located
    assert AdministrativeUnit.objects.count() == before


def test_an_orphan_is_reported_with_its_line() -> None:
    report = geography_load_text(
        text="code,name_ru,kind,parent_code\n41709240000000,Сирота,District,41799000000000\n"
    )
    assert [(e.line, e.column) for e in report.errors] == [(2, "parent_code")]


def test_a_file_without_the_required_columns_is_refused() -> None:
    report = geography_load_text(text="код,название\n1,2\n")
    assert not report.ok and report.errors[0].line == 1


def test_the_command_loads_a_file_and_reports_bad_ones(tmp_path: Path, settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"  # commands speak the site language; the default is Kyrgyz
    good = tmp_path / "good.csv"
    good.write_text(
        "code,name_ru,kind,parent_code\n41709000000000,Тестовая область,RegionAndCity,\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("load-geography", str(good), stdout=out)
    assert "1 units were created" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name_ru,kind,parent_code\n1,x,District,\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("load-geography", str(bad), stderr=err)
    assert "line 2" in err.getvalue()
    with pytest.raises(CommandError, match="No such file"):
        call_command("load-geography", str(tmp_path / "missing.csv"))


def test_clean_name_fixes_doubled_words_and_spaces() -> None:
    assert clean_name("  Тонский   районрайон ") == "Тонский район"
    assert clean_name("Ак-Суу") == "Ак-Суу"


def test_validity_dates_are_loaded_and_bad_dates_reported() -> None:
    import datetime as dt

    text = (
        "code,name_ru,kind,parent_code,valid_from,valid_to\n"
        "41709000000000,Тестовая область,RegionAndCity,,,\n"
        "41709220000000,Тестовый район,District,41709000000000,1994-01-01,2024-06-30\n"
    )
    assert geography_load_text(text=text).ok
    rayon = AdministrativeUnit.objects.get(code="41709220000000")
    assert (rayon.valid_from, rayon.valid_to) == (dt.date(1994, 1, 1), dt.date(2024, 6, 30))
    bad = (
        "code,name_ru,kind,parent_code,valid_from,valid_to\n"
        "41709230000000,Район,District,41709000000000,30.06.2024,\n"
        "41709240000000,Район,District,41709000000000,2024-06-30,2020-01-01\n"
    )
    report = geography_load_text(text=bad)
    assert [(e.line, e.column) for e in report.errors] == [(2, "valid_from"), (3, "valid_to")]


def test_the_whole_national_classifier_loads_as_published_and_reloads_unchanged() -> None:
    from django.db.models import Count

    from kenesh.geo.services import DATA_DIR, geography_load_file

    national = DATA_DIR / "soate_national.csv"
    with national.open(encoding="utf-8") as handle:
        rows = len(list(csv.DictReader(handle)))
    report = geography_load_file(path=national)
    assert report.ok, report.errors[:5]
    assert report.created + report.updated + report.unchanged == rows == 2438
    levels = dict(
        AdministrativeUnit.objects.values_list("level").annotate(n=Count("pk")).order_by()
    )
    assert levels[Level.OBLAST] == 9  # seven oblasts and the cities of Bishkek and Osh
    assert levels[Level.COUNTRY] == 1
    assert levels[Level.MUNICIPALITY] > 450  # 452 aiyl aimaks before the 2024 reform, cities
    # The demo's Kyrgyz and English names survive a load of the Russian-only national file.
    assert AdministrativeUnit.objects.get(code="41702210830000").name_ky == "Жети-Өгүз айыл аймагы"
    again = geography_load_file(path=national)
    assert (again.created, again.updated) == (0, 0)


def test_moving_a_unit_below_its_own_municipality_is_a_row_error_not_a_crash() -> None:
    before = list(AdministrativeUnit.objects.values_list("code", "path").order_by("code"))
    report = geography_load_text(
        text="code,name_ru,kind,parent_code\n"
        "41702210000000,Жети-Огузский район,District,41702210830000\n"
    )
    assert [(e.line, e.column) for e in report.errors] == [(2, "parent_code")]
    assert list(AdministrativeUnit.objects.values_list("code", "path").order_by("code")) == before


def test_dates_that_contradict_the_stored_ones_are_a_row_error() -> None:
    import datetime as dt

    AdministrativeUnit.objects.filter(code="41702210830000").update(valid_from=dt.date(2020, 1, 1))
    report = geography_load_text(
        text="code,name_ru,kind,parent_code,valid_from,valid_to\n"
        "41702210830000,Джети-Огузский айылный аймак,Countryside,41702210000000,,2019-01-01\n"
    )
    assert not report.ok and report.errors[0].line == 2
    assert AdministrativeUnit.objects.get(code="41702210830000").valid_to is None


def test_a_unit_that_moves_takes_everything_below_it_along() -> None:
    rayon = AdministrativeUnit.objects.get(code="41702210000000")
    chuy = AdministrativeUnit.objects.get(code="41708000000000")
    rayon.parent = chuy
    rayon.full_clean()
    rayon.save()
    village = AdministrativeUnit.objects.get(code="41702210830010")
    assert village.path == f"{chuy.path}41702210000000/41702210830000/41702210830010/"
    for unit in AdministrativeUnit.objects.filter(path__startswith=rayon.path):
        assert unit.parent is None or unit.path == unit.parent.path + unit.code + "/"
