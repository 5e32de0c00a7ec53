"""Natural keys and updates: ``existing_keys`` finds what is stored (checked against a plain
query, on SQLite and PostgreSQL alike), and a kind that allows updates changes records and
audits each change, while one that does not refuses the row."""

from __future__ import annotations

import io
import random
from typing import Any

import pytest

from kenesh.core.imports import ImportOptions, ImportResult, existing_keys, run_import
from kenesh.core.models import AuditAction, AuditEntry, ImportMapping
from kenesh.core.tests.hostile_sheets import MAPPINGS, MappingSheet, csv_bytes

pytestmark = pytest.mark.django_db


def run(content: bytes, *, updates: bool, **options: Any) -> ImportResult:
    options.setdefault("language", "en")
    spec = MAPPINGS.spec() if updates else MappingSheet()
    return run_import(spec, io.BytesIO(content), ImportOptions(**options))


def test_existing_keys_finds_exactly_the_stored_keys() -> None:
    rng = random.Random(7)
    stored = {(f"kind{rng.randrange(5)}", f"name{n}") for n in range(300)}
    ImportMapping.objects.bulk_create(ImportMapping(kind=k, name=n) for k, n in stored)
    asked = list(stored)[:150] + [(f"kind{rng.randrange(5)}", f"other{n}") for n in range(150)]
    asked += [("kind1", "it's"), ("kind1", "%s"), ("", "")]  # quoting and empty values
    rng.shuffle(asked)
    found = existing_keys(ImportMapping, ("kind", "name"), asked)
    # The reference: the stored rows among those asked, by a plain query.
    expected = {
        (kind, name): pk
        for kind, name, pk in ImportMapping.objects.values_list("kind", "name", "pk")
        if (kind, name) in set(asked)
    }
    assert found == expected
    assert len(found) == 150


def test_existing_keys_of_nothing_is_nothing() -> None:
    assert existing_keys(ImportMapping, ("kind", "name"), []) == {}


def test_existing_keys_takes_more_keys_than_one_query_may_bind() -> None:
    ImportMapping.objects.bulk_create(ImportMapping(kind="k", name=f"n{n}") for n in range(3000))
    keys = [("k", f"n{n}") for n in range(0, 6000, 2)]
    assert len(existing_keys(ImportMapping, ("kind", "name"), keys)) == 1500


def test_a_kind_that_allows_updates_changes_the_record_and_audits_it() -> None:
    ImportMapping.objects.create(kind="k", name="mvd", mapping={"external_ref": "№"})
    ImportMapping.objects.create(kind="k", name="same", mapping={"external_ref": "A"})
    audit_before = AuditEntry.objects.count()
    rows = [["k", "mvd", "№ КУСП"], ["k", "same", "A"], ["k", "new", "B"]]
    result = run(csv_bytes(rows), updates=True)
    assert (result.created, result.updated, result.unchanged, result.rejected) == (1, 1, 1, 0)
    assert ImportMapping.objects.get(name="mvd").mapping == {"external_ref": "№ КУСП"}
    entries = AuditEntry.objects.order_by("-pk")[: AuditEntry.objects.count() - audit_before]
    assert [(e.action, e.model, e.changes["mapping"]) for e in entries] == [
        (
            AuditAction.UPDATE,
            "importmapping",
            [{"external_ref": "№"}, {"external_ref": "№ КУСП"}],
        )
    ]


def test_a_dry_run_of_updates_rolls_back_the_changes_and_their_audit() -> None:
    ImportMapping.objects.create(kind="k", name="mvd", mapping={"external_ref": "№"})
    audit_before = AuditEntry.objects.count()
    result = run(csv_bytes([["k", "mvd", "other"]]), updates=True, dry_run=True)
    assert (result.updated, result.written) == (1, False)
    assert ImportMapping.objects.get(name="mvd").mapping == {"external_ref": "№"}
    assert AuditEntry.objects.count() == audit_before


def test_a_kind_without_updates_refuses_a_changed_row_and_changes_nothing() -> None:
    ImportMapping.objects.create(kind="k", name="mvd", mapping={"external_ref": "№"})
    result = run(csv_bytes([["k", "mvd", "other"]]), updates=False)
    assert [(e.line, e.column) for e in result.errors] == [(2, "name")]
    assert (result.updated, result.written) == (0, False)
    assert ImportMapping.objects.get(name="mvd").mapping == {"external_ref": "№"}


def test_a_spec_updating_rows_of_a_kind_without_updates_is_a_configuration_error() -> None:
    from django.core.exceptions import ImproperlyConfigured

    ImportMapping.objects.create(kind="k", name="mvd", mapping={"external_ref": "№"})

    class Lying(MappingSheet):
        def write(self, rows: Any, present: Any) -> Any:
            self.allows_updates = True  # the spec updates...
            outcome = super().write(rows, present)
            self.allows_updates = False  # ...where its kind says it may not
            return outcome

    with pytest.raises(ImproperlyConfigured):
        run_import(Lying(), io.BytesIO(csv_bytes([["k", "mvd", "x"]])), ImportOptions())
    assert ImportMapping.objects.get(name="mvd").mapping == {"external_ref": "№"}


def test_the_message_counts_updates_for_kinds_that_allow_them() -> None:
    from django.utils import translation

    from kenesh.core.imports import result_message

    ImportMapping.objects.create(kind="k", name="mvd", mapping={})
    with_updates = run(csv_bytes([["k", "mvd", "x"], ["k", "b", ""]]), updates=True)
    without = run(csv_bytes([["k", "c", ""]]), updates=False)
    with translation.override("en"):
        assert result_message(with_updates, dry_run=False) == (
            "1 created, 1 updated, 0 unchanged, 0 rejected."
        )
        assert result_message(without, dry_run=False) == (
            "1 created, 0 already registered, 0 rejected."
        )
