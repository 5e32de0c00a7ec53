"""Writes on geography: loading the national classifier (SOATE), population and livestock counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kenesh.core.audit import audit_create, audit_update, snapshot
from kenesh.geo.models import (
    AdministrativeUnit,
    Level,
    LivestockCount,
    PopulationCount,
    UnitKind,
)

if TYPE_CHECKING:
    from kenesh.accounts.models import User

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_GEOGRAPHY = DATA_DIR / "soate_demo.csv"
COUNTRY_CODE = "41700000000000"

# ISO 3166-2:KG by the oblast digits of the SOATE code.
ISO_BY_OBLAST = {
    "02": "KG-Y",
    "03": "KG-J",
    "04": "KG-N",
    "05": "KG-B",
    "06": "KG-O",
    "07": "KG-T",
    "08": "KG-C",
    "11": "KG-GB",
    "21": "KG-GO",
}
SOURCE_KINDS = {"Country", "RegionAndCity", "District", "Countryside", "Village"}
_CODE = re.compile(r"^417\d{11}$")
_DOUBLED_WORD = re.compile(r"\b(\w{4,})\1\b")
_SPACES = re.compile(r"\s+")


def clean_name(name: str) -> str:
    """Undo the classifier's typing slips: doubled words ("районрайон"), stray spaces."""
    return _DOUBLED_WORD.sub(r"\1", _SPACES.sub(" ", name).strip())


@dataclass
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("line %(line)s, column %(column)s: %(message)s") % {
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    line: int
    code: str
    parent_code: str
    source_kind: str
    names: dict[str, str]
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


def _level_and_kind(row: _Row, parent: tuple[str, str] | None) -> tuple[str, str]:
    """Map the classifier's kind to our level and kind, given the parent's (level, kind)."""
    is_city = row.names["ru"].startswith(("г.", "город "))
    if row.source_kind == "Country":
        return Level.COUNTRY, UnitKind.COUNTRY
    if row.source_kind == "RegionAndCity":
        return Level.OBLAST, UnitKind.REPUBLICAN_CITY if is_city else UnitKind.OBLAST
    if row.source_kind == "District":
        # Cities of oblast significance (codes ending in 010) are municipalities in their own
        # right, directly under the oblast: they have a council and a crime prevention centre.
        if row.code.endswith("010") or is_city:
            return Level.MUNICIPALITY, UnitKind.OBLAST_CITY
        return Level.RAYON, UnitKind.RAYON
    if row.source_kind == "Countryside":
        if parent is not None and parent[0] == Level.MUNICIPALITY:
            return Level.SETTLEMENT, UnitKind.SETTLEMENT
        return Level.MUNICIPALITY, UnitKind.CITY if is_city else UnitKind.AIYL_AIMAK
    return Level.SETTLEMENT, UnitKind.SETTLEMENT


def _read_rows(lines: Iterable[str]) -> tuple[list[_Row], list[RowError]]:
    reader = csv.DictReader(lines)
    missing = {"code", "name_ru", "kind", "parent_code"} - set(reader.fieldnames or [])
    if missing:
        return [], [RowError(1, ", ".join(sorted(missing)), _("required column is missing"))]
    rows: list[_Row] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    for line, raw in enumerate(reader, start=2):
        code = (raw.get("code") or "").strip()
        parent_code = (raw.get("parent_code") or "").strip()
        source_kind = (raw.get("kind") or "").strip()
        names = {lang: clean_name(raw.get(f"name_{lang}") or "") for lang in ("ky", "ru", "en")}
        if not _CODE.match(code):
            errors.append(RowError(line, "code", _("a SOATE code has 14 digits starting 417")))
            continue
        if code in seen:
            errors.append(RowError(line, "code", _("the code appears more than once in the file")))
            continue
        seen.add(code)
        if source_kind not in SOURCE_KINDS:
            errors.append(
                RowError(line, "kind", _("unknown kind “%(kind)s”") % {"kind": source_kind})
            )
        if not names["ru"]:
            errors.append(RowError(line, "name_ru", _("the Russian name is empty")))
        if parent_code and not _CODE.match(parent_code):
            errors.append(RowError(line, "parent_code", _("not a SOATE code")))
        if not parent_code and source_kind not in {"Country", "RegionAndCity"}:
            errors.append(
                RowError(line, "parent_code", _("only the country and oblasts may have no parent"))
            )
        period: dict[str, dt.date | None] = {}
        for column in ("valid_from", "valid_to"):
            text = (raw.get(column) or "").strip()
            try:
                period[column] = dt.date.fromisoformat(text) if text else None
            except ValueError:
                errors.append(RowError(line, column, _("not a date (YYYY-MM-DD)")))
                period[column] = None
        if (
            period["valid_from"]
            and period["valid_to"]
            and period["valid_to"] < period["valid_from"]
        ):
            errors.append(RowError(line, "valid_to", _("the end date is before the start date")))
        rows.append(_Row(line, code, parent_code, source_kind, names, **period))
    return rows, errors


def _in_tree_order(rows: list[_Row], errors: list[RowError]) -> list[_Row]:
    """Rows sorted parents first, whatever the file's order; loops and orphans become errors."""
    by_code = {row.code: row for row in rows}
    existing = set(
        AdministrativeUnit.objects.filter(
            code__in={row.parent_code for row in rows if row.parent_code}
        ).values_list("code", flat=True)
    )
    depth: dict[str, int] = {}

    def depth_of(row: _Row) -> int | None:
        chain: list[_Row] = []
        current: _Row | None = row
        while current is not None and current.code not in depth:
            if current in chain:
                errors.append(RowError(row.line, "parent_code", _("the parents form a loop")))
                return None
            chain.append(current)
            parent_code = current.parent_code
            if not parent_code or (parent_code in existing and parent_code not in by_code):
                depth[current.code] = 0
                break
            current = by_code.get(parent_code)
            if current is None:
                errors.append(
                    RowError(
                        chain[-1].line,
                        "parent_code",
                        _("parent %(code)s is neither in the file nor loaded")
                        % {"code": parent_code},
                    )
                )
                return None
        for item in reversed(chain):
            if item.code not in depth:
                depth[item.code] = depth[item.parent_code] + 1
        return depth[row.code]

    ordered = [(depth_of(row), row) for row in rows]
    return [
        row
        for level, row in sorted(ordered, key=lambda p: (p[0] or 0, p[1].code))
        if level is not None
    ]


@transaction.atomic
def geography_load(
    *, lines: Iterable[str], actor: User | None = None, dry_run: bool = False
) -> LoadReport:
    """Load classifier rows (``code,name_ru,kind,parent_code`` and optional ``name_ky``,
    ``name_en``, ``valid_from``, ``valid_to`` as YYYY-MM-DD) into the unit tree: new codes
    are created, known codes updated, all or nothing.

    Oblasts without a parent are placed under the country (created when missing). Every bad
    row is reported with its line and column; if there is any, nothing is written.
    """
    rows, errors = _read_rows(lines)
    report = LoadReport(errors=errors)
    if not rows and not errors:
        report.errors.append(RowError(1, "", _("the file has no rows")))
    if report.errors:
        return report
    has_country_row = any(row.source_kind == "Country" for row in rows)
    if not has_country_row and not AdministrativeUnit.objects.filter(code=COUNTRY_CODE).exists():
        rows.insert(
            0,
            _Row(
                1,
                COUNTRY_CODE,
                "",
                "Country",
                {
                    "ky": "Кыргыз Республикасы",
                    "ru": "Кыргызская Республика",
                    "en": "Kyrgyz Republic",
                },
            ),
        )
    for row in rows:
        if row.source_kind == "RegionAndCity" and not row.parent_code:
            row.parent_code = COUNTRY_CODE
    ordered = _in_tree_order(rows, report.errors)
    if report.errors:
        return report

    units = {
        unit.code: unit
        for unit in AdministrativeUnit.objects.filter(code__in=[r.code for r in rows])
    }
    parents: dict[str, AdministrativeUnit] = {
        unit.code: unit
        for unit in AdministrativeUnit.objects.filter(code__in={r.parent_code for r in rows})
    }
    for row in ordered:
        parent = parents.get(row.parent_code) if row.parent_code else None
        level, kind = _level_and_kind(row, (parent.level, parent.kind) if parent else None)
        values: dict[str, Any] = {
            "name_ru": row.names["ru"],
            "level": level,
            "kind": kind,
            "parent": parent,
            "iso_code": ISO_BY_OBLAST.get(row.code[3:5], "") if level == Level.OBLAST else "",
        }
        for lang in ("ky", "en"):
            if row.names[lang]:
                values[f"name_{lang}"] = row.names[lang]
        for column in ("valid_from", "valid_to"):
            if getattr(row, column) is not None:
                values[column] = getattr(row, column)
        unit = units.get(row.code)
        try:
            if unit is None:
                unit = AdministrativeUnit(code=row.code, **values)
                unit.full_clean(validate_unique=False)
                unit.save()
                audit_create(actor, unit)
                report.created += 1
            else:
                before = snapshot(unit)
                for key, value in values.items():
                    setattr(unit, key, value)
                if snapshot(unit) == before:
                    report.unchanged += 1
                else:
                    unit.full_clean(validate_unique=False)
                    unit.save()  # moves the paths below it too
                    audit_update(actor, unit, before)
                    report.updated += 1
        except ValidationError as exc:
            for column, messages in exc.message_dict.items():
                for message in messages:
                    report.errors.append(RowError(row.line, _COLUMN.get(column, column), message))
            continue
        parents[unit.code] = unit
    if dry_run or report.errors:
        transaction.set_rollback(True)
    return report


# Model fields named as the file's columns, for row errors found by model validation.
_COLUMN = {"parent": "parent_code", "__all__": "", "name_ru": "name_ru", "code": "code"}


def geography_load_file(
    *, path: Path, actor: User | None = None, dry_run: bool = False
) -> LoadReport:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return geography_load(lines=handle, actor=actor, dry_run=dry_run)


def geography_load_text(*, text: str, actor: User | None = None) -> LoadReport:
    return geography_load(lines=io.StringIO(text), actor=actor)


@transaction.atomic
def population_set(
    *, actor: User | None, unit: AdministrativeUnit, year: int, population: int
) -> PopulationCount:
    """Record (or correct) the population of ``unit`` in ``year``."""
    count = PopulationCount.objects.filter(unit=unit, year=year).first()
    if count is None:
        count = PopulationCount(unit=unit, year=year, population=population)
        count.full_clean()
        count.save()
        audit_create(actor, count)
    elif count.population != population:
        before = snapshot(count)
        count.population = population
        count.full_clean()
        count.save()
        audit_update(actor, count, before)
    return count


@transaction.atomic
def livestock_count_set(
    *, actor: User | None, unit: AdministrativeUnit, year: int, species: str, heads: int
) -> LivestockCount:
    """Record (or correct) the head count of one species in ``unit`` in ``year``."""
    count = LivestockCount.objects.filter(unit=unit, year=year, species=species).first()
    if count is None:
        count = LivestockCount(unit=unit, year=year, species=species, heads=heads)
        count.full_clean()
        count.save()
        audit_create(actor, count)
    elif count.heads != heads:
        before = snapshot(count)
        count.heads = heads
        count.full_clean()
        count.save()
        audit_update(actor, count, before)
    return count
