"""Programmes as data, and the area lists of the analysis pages built from them."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest
from django.db import IntegrityError
from django.utils import translation

from kenesh.accounts.models import User
from kenesh.geo.models import AdministrativeUnit, Level
from kenesh.orgs.models import Programme
from kenesh.orgs.programmes import ALL, area_catalogue
from kenesh.portal.demo import JETI_OGUZ, KARAKOL

pytestmark = pytest.mark.django_db


def all_municipalities() -> list[AdministrativeUnit]:
    return list(AdministrativeUnit.objects.filter(level=Level.MUNICIPALITY).order_by("code"))


def test_the_demo_programme_holds_the_ten_pilots_with_donor_and_partner() -> None:
    programme = Programme.objects.get()
    assert programme.municipalities.count() == 10
    assert programme.donor is not None and programme.donor.kind == "donor"
    assert programme.partner is not None
    assert set(programme.municipalities.values_list("code", flat=True)) >= {JETI_OGUZ, KARAKOL}


def test_a_programme_cannot_end_before_it_starts() -> None:
    with pytest.raises(IntegrityError):
        Programme.objects.create(
            name_ru="Обратный", start=dt.date(2024, 1, 1), end=dt.date(2023, 1, 1)
        )


def test_pilots_come_first_then_the_others_each_alphabetically() -> None:
    units = all_municipalities()
    assert len(units) > 10
    catalogue = area_catalogue(units)
    pilots, others = catalogue.pilots(), catalogue.others()
    assert {unit.code for unit in pilots} == set(
        Programme.objects.get().municipalities.values_list("code", flat=True)
    )
    assert catalogue.ordered() == pilots + others
    labels = [catalogue.municipality_label(unit).casefold() for unit in others]
    assert labels == sorted(labels)


def test_municipalities_sharing_a_name_are_told_apart_by_their_rayon() -> None:
    units = all_municipalities()
    with translation.override("en"):
        catalogue = area_catalogue(units)
        shared = [unit for unit in units if unit.name == "Ak-Bulun Aiyl Aimak"]
        assert len(shared) == 2  # the demo geography holds two
        labels = {catalogue.municipality_label(unit) for unit in shared}
        assert len(labels) == 2
        for label in labels:
            assert label.startswith("Ak-Bulun Aiyl Aimak (")
        # A name held once stays as it is.
        karakol = next(unit for unit in units if unit.code == KARAKOL)
        assert catalogue.municipality_label(karakol) == karakol.name


def test_the_coordinator_opens_on_the_programme_not_on_the_first_code() -> None:
    catalogue = area_catalogue(all_municipalities())
    area = catalogue.default()
    assert area is not None and area.kind == "programme"
    assert len(area.municipalities) == 10
    choices = cast(list[tuple[str, list[tuple[str, str]]]], catalogue.choices())
    _group, first_options = choices[0]
    assert first_options[0][0] == f"programme:{Programme.objects.get().pk}"
    assert "(10 " in first_options[0][1]
    values = [value for _group, options in choices for value, _label in options]
    assert ALL in values
    assert any(value.startswith("oblast:") for value in values)


def test_a_one_municipality_user_gets_their_municipality_and_no_wider_area() -> None:
    jeti_oguz = AdministrativeUnit.objects.get(code=JETI_OGUZ)
    catalogue = area_catalogue([jeti_oguz])
    area = catalogue.default()
    assert area is not None and area.unit == jeti_oguz
    assert catalogue.choices() == [(JETI_OGUZ, jeti_oguz.name)]
    # A wider area is not a way round scope: none is offered, none is resolved.
    programme = Programme.objects.get()
    resolved = catalogue.resolve(f"programme:{programme.pk}")
    assert resolved is None
    assert catalogue.resolve(KARAKOL) is None
    assert catalogue.resolve("oblast:41702000000000") is None
    assert catalogue.resolve("programme:999999") is None


def test_an_oblast_covers_only_its_municipalities() -> None:
    catalogue = area_catalogue(all_municipalities())
    area = catalogue.resolve("oblast:41702000000000")
    assert area is not None and area.municipalities
    assert all(unit.code.startswith("41702") for unit in area.municipalities)


def test_the_catalogue_costs_a_fixed_number_of_queries(django_assert_max_num_queries) -> None:
    units = all_municipalities()
    with django_assert_max_num_queries(3):
        area_catalogue(units).choices()


def test_programmes_are_kept_in_the_admin_with_an_audit(client_as) -> None:
    admin = client_as("admin")
    assert admin.get("/admin/orgs/programme/").status_code == 200
    assert User.objects.filter(username="admin").exists()


def test_every_signed_in_user_reads_the_programmes_through_the_api(client_as) -> None:
    programme = Programme.objects.get()
    response = client_as("police.karakol").get("/api/v1/programmes")
    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["id"] == programme.pk
    assert item["donor"] == programme.donor_id
    assert len(item["municipalities"]) == 10 and JETI_OGUZ in item["municipalities"]


def test_the_programmes_api_wants_a_signed_in_user(client) -> None:
    assert client.get("/api/v1/programmes").status_code == 401
