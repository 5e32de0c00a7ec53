"""The ICCS reference table shipped with Kenesh and loaded by migration."""

from __future__ import annotations

import pytest

from kenesh.incidents.models import IccsCategory, iccs_level, iccs_parent_code
from kenesh.incidents.reference import iccs_load, iccs_rows

# The codes the product needs first (shared/reference/README.md), with their parents.
NEEDED = [
    "0101", "010321", "0201", "02011", "020111", "0207", "0208", "0301", "0401", "04014",
    "0501", "0502", "050211", "05022", "05025", "06", "07", "08", "09061", "09062", "11",
]  # fmt: skip


def _ancestors(code: str) -> list[str]:
    chain, parent = [], iccs_parent_code(code)
    while parent is not None:
        chain.append(parent)
        parent = iccs_parent_code(parent)
    return chain


@pytest.mark.django_db
def test_every_needed_code_and_its_parents_are_loaded() -> None:
    loaded = set(IccsCategory.objects.values_list("code", flat=True))
    for code in NEEDED:
        assert code in loaded
        assert set(_ancestors(code)) <= loaded, code


@pytest.mark.django_db
def test_every_section_of_the_classification_is_there() -> None:
    sections = set(IccsCategory.objects.filter(level=1).values_list("code", flat=True))
    assert sections == {f"{n:02d}" for n in range(1, 12)}


@pytest.mark.django_db
def test_levels_and_parents_follow_the_code_digits() -> None:
    for category in IccsCategory.objects.all():
        assert category.level == {2: 1, 4: 2, 5: 3, 6: 4}[len(category.code)]
        if category.level == 1:
            assert category.parent_id is None
        else:
            assert category.parent_id is not None
            assert category.code.startswith(category.parent_id)
            assert category.parent is not None
            assert category.parent.level == category.level - 1 or (
                category.level == 4 and category.parent.level == 3
            )


@pytest.mark.django_db
def test_names_are_written_in_three_languages() -> None:
    for category in IccsCategory.objects.all():
        assert category.name_en and category.name_ru and category.name_ky, category.code


@pytest.mark.django_db
def test_loading_again_changes_nothing() -> None:
    before = list(IccsCategory.objects.order_by("code").values())
    assert iccs_load(IccsCategory) == len(before)
    assert list(IccsCategory.objects.order_by("code").values()) == before


def test_the_file_lists_parents_before_it_is_used() -> None:
    rows = iccs_rows()
    seen: set[str] = set()
    for row in rows:
        assert row.parent_code is None or row.parent_code in seen
        seen.add(row.code)


@pytest.mark.parametrize(("code", "level", "parent"), [
    ("05", 1, None), ("0502", 2, "05"), ("05025", 3, "0502"), ("050211", 4, "05021"),
])  # fmt: skip
def test_level_and_parent_of_a_code(code: str, level: int, parent: str | None) -> None:
    assert iccs_level(code) == level
    assert iccs_parent_code(code) == parent
