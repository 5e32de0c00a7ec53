"""Administrative units: SOATE codes, boundaries, validity and the tree."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kenesh.geo.models import AdministrativeUnit, Level, UnitKind, validate_boundary

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[78.1, 42.3], [78.3, 42.3], [78.3, 42.4], [78.1, 42.4], [78.1, 42.3]]],
}


def test_a_closed_polygon_and_a_multipolygon_are_valid_boundaries() -> None:
    validate_boundary(SQUARE)
    validate_boundary({"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"]]})
    validate_boundary(None)


@pytest.mark.parametrize(
    ("boundary", "reason"),
    [
        ({"type": "Point", "coordinates": [78.1, 42.3]}, "Polygon or MultiPolygon"),
        ({"type": "Polygon", "coordinates": [[[78.1, 42.3], [78.3, 42.3], [78.1, 42.3]]]}, "four"),
        (
            {
                "type": "Polygon",
                "coordinates": [[[78.1, 42.3], [78.3, 42.3], [78.3, 42.4], [78.0, 42.0]]],
            },
            "end where it starts",
        ),
        (
            {"type": "Polygon", "coordinates": [[[278, 42], [279, 42], [279, 43], [278, 42]]]},
            "degrees",
        ),
        ({"type": "Polygon", "coordinates": []}, "no coordinates"),
        ("{not json", "not valid JSON"),
    ],
)
def test_a_malformed_boundary_is_refused_with_the_reason(boundary: object, reason: str) -> None:
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError, match=reason):
        validate_boundary(boundary)


@pytest.mark.django_db
def test_a_unit_with_a_bad_soate_code_does_not_validate() -> None:
    parent = AdministrativeUnit.objects.get(code="41702210000000")
    unit = AdministrativeUnit(
        code="12345",
        name_ru="Ошибка",
        level=Level.MUNICIPALITY,
        kind=UnitKind.AIYL_AIMAK,
        parent=parent,
    )
    with pytest.raises(ValidationError) as caught:
        unit.full_clean()
    assert "code" in caught.value.message_dict


@pytest.mark.django_db
def test_a_validity_period_that_ends_before_it_starts_is_refused_by_the_database() -> None:
    import datetime as dt

    from django.db import IntegrityError, transaction

    unit = AdministrativeUnit.objects.get(code="41702210830000")
    unit.valid_from = dt.date(2024, 1, 1)
    unit.valid_to = dt.date(2020, 1, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        unit.save()


@pytest.mark.django_db
def test_current_units_exclude_those_merged_away() -> None:
    import datetime as dt

    unit = AdministrativeUnit.objects.get(code="41702210830000")
    AdministrativeUnit.objects.filter(pk=unit.pk).update(valid_to=dt.date(2024, 6, 30))
    assert not AdministrativeUnit.objects.current().filter(pk=unit.pk).exists()
    assert AdministrativeUnit.objects.current().filter(code="41702410000010").exists()


@pytest.mark.django_db
def test_names_follow_the_active_language_and_fall_back_to_russian() -> None:
    from django.utils import translation

    unit = AdministrativeUnit.objects.get(code="41702210830000")
    with translation.override("ky"):
        assert unit.name == "Жети-Өгүз айыл аймагы"
    with translation.override("en"):
        assert unit.name == "Jeti-Oguz Aiyl Aimak"
    unit.name_en = ""
    with translation.override("en"):
        assert unit.name == unit.name_ru
