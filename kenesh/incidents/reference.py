"""The ICCS reference table shipped with Kenesh (``data/iccs.csv``)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ICCS_FILE = Path(__file__).resolve().parent / "data" / "iccs.csv"


@dataclass(frozen=True)
class IccsRow:
    code: str
    level: int
    parent_code: str | None
    name_en: str
    name_ru: str
    name_ky: str


def iccs_rows(path: Path = ICCS_FILE) -> list[IccsRow]:
    """The rows of the ICCS file, parents before children, each checked for a known parent."""
    from kenesh.incidents.models import iccs_level, iccs_parent_code

    with path.open(encoding="utf-8", newline="") as handle:
        raw = list(csv.DictReader(handle))
    rows = [
        IccsRow(
            code=item["code"],
            level=iccs_level(item["code"]),
            parent_code=iccs_parent_code(item["code"]),
            name_en=item["name_en"],
            name_ru=item["name_ru"],
            name_ky=item["name_ky"],
        )
        for item in raw
    ]
    known = {row.code for row in rows}
    for row in rows:
        if row.parent_code is not None and row.parent_code not in known:
            raise ValueError(f"ICCS {row.code}: parent {row.parent_code} is missing")
    return sorted(rows, key=lambda row: (row.level, row.code))


def iccs_load(model: Any) -> int:
    """Create or update every ICCS category (idempotent). ``model`` may be a migration's
    historical model. Returns the number of rows in the table."""
    for row in iccs_rows():
        model.objects.update_or_create(
            code=row.code,
            defaults={
                "level": row.level,
                "parent_id": row.parent_code,
                "name_en": row.name_en,
                "name_ru": row.name_ru,
                "name_ky": row.name_ky,
            },
        )
    return int(model.objects.count())
