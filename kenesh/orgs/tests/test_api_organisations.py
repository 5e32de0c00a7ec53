"""API: organisations, listed, read, registered and changed within the user's scope and role."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kenesh.core.models import AuditEntry
from kenesh.core.permissions import Role
from kenesh.orgs.models import Organisation, OrganisationKind
from kenesh.orgs.tests.api_support import (
    ELSEWHERE,
    READERS,
    WRITERS,
    assert_error,
    error_fields,
    ids,
    outsider,
    send,
)
from kenesh.portal.demo import JETI_OGUZ

pytestmark = pytest.mark.django_db

JETI_OGUZ_VILLAGE = "41702210830010"
ORGANISATIONS = "/api/v1/organisations"

# Where a user of each role works when they are not of Jeti-Oguz: another municipality, or
# another oblast for the roles held above municipalities.


def jeti_oguz_police_station() -> Organisation:
    return Organisation.objects.get(unit__code=JETI_OGUZ, kind=OrganisationKind.POLICE_STATION)


def new_organisation(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "ngo",
        "unit": JETI_OGUZ,
        "name_ru": "Общественное объединение «Ынтымак»",
        "name_ky": "«Ынтымак» коомдук бирикмеси",
        "name_en": "Yntymak public association",
        "phone": "+996 3946 51234",
        "email": "yntymak@example.kg",
        **overrides,
    }


def counts() -> tuple[int, int]:
    return Organisation.objects.count(), AuditEntry.objects.count()


# Reading


def test_organisations_answer_401_without_credentials(client: Client) -> None:
    assert_error(client.get(ORGANISATIONS), 401)
    assert_error(client.get(f"{ORGANISATIONS}/{jeti_oguz_police_station().pk}"), 401)


def test_a_municipal_user_lists_exactly_the_organisations_of_their_municipality(
    client_as: Any,
) -> None:
    body = client_as("civil.jetioguz").get(ORGANISATIONS, {"limit": 500}).json()

    expected = Organisation.objects.filter(unit__path__contains=f"/{JETI_OGUZ}/")
    assert body["count"] == expected.count() > 0
    assert {item["id"] for item in body["items"]} == set(expected.values_list("pk", flat=True))
    assert {item["unit"] for item in body["items"]} == {JETI_OGUZ}


def test_a_country_wide_user_lists_every_organisation_with_pagination(client_as: Any) -> None:
    client = client_as("coordinator")
    total = Organisation.objects.count()

    first = client.get(ORGANISATIONS, {"limit": 10}).json()
    rest = client.get(ORGANISATIONS, {"limit": 500, "offset": 10}).json()

    assert first["count"] == rest["count"] == total
    assert len(first["items"]) == 10
    assert len(rest["items"]) == total - 10
    listed = [item["id"] for item in first["items"] + rest["items"]]
    assert sorted(listed) == sorted(Organisation.objects.values_list("pk", flat=True))


def test_the_list_filters_by_kind_unit_and_name(client_as: Any) -> None:
    client = client_as("admin")
    station = jeti_oguz_police_station()

    by_kind = client.get(ORGANISATIONS, {"kind": "police_station", "limit": 500}).json()
    by_unit = client.get(ORGANISATIONS, {"unit": JETI_OGUZ, "limit": 500}).json()
    by_name = client.get(ORGANISATIONS, {"q": station.name_en[:12]}).json()

    assert {item["kind"] for item in by_kind["items"]} == {"police_station"}
    assert by_kind["count"] == Organisation.objects.filter(kind="police_station").count()
    assert {item["unit"] for item in by_unit["items"]} == {JETI_OGUZ}
    assert station.pk in [item["id"] for item in by_name["items"]]


def test_an_unknown_kind_filter_gets_422(client_as: Any) -> None:
    assert_error(client_as("admin").get(ORGANISATIONS, {"kind": "bakery"}), 422)


def test_an_organisation_detail_has_its_names_unit_and_contacts(client_as: Any) -> None:
    station = jeti_oguz_police_station()

    response = client_as("police.jetioguz").get(f"{ORGANISATIONS}/{station.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == station.pk
    assert body["kind"] == "police_station"
    assert body["unit"] == JETI_OGUZ
    assert body["unit_name"]
    assert body["name_ru"] == station.name_ru
    assert body["phone"] == station.phone


def test_an_organisation_that_does_not_exist_is_404(client_as: Any) -> None:
    assert_error(client_as("admin").get(f"{ORGANISATIONS}/999999"), 404)


@pytest.mark.parametrize("role", list(ELSEWHERE), ids=str)
def test_a_user_of_another_area_gets_404_and_never_sees_the_organisation(
    client_as: Any, role: Role
) -> None:
    station = jeti_oguz_police_station()
    client = client_as(outsider(role))

    assert_error(client.get(f"{ORGANISATIONS}/{station.pk}"), 404)
    assert station.pk not in ids(client.get(ORGANISATIONS, {"limit": 500}))
    assert station.pk not in ids(client.get(ORGANISATIONS, {"q": station.name_ru}))
    assert_error(client.get(ORGANISATIONS, {"unit": JETI_OGUZ}), 404)


@pytest.mark.parametrize("role", list(ELSEWHERE), ids=str)
def test_a_user_of_another_area_cannot_change_the_organisation(client_as: Any, role: Role) -> None:
    station = jeti_oguz_police_station()
    client = client_as(outsider(role))
    before = counts()

    response = send(client, "patch", f"{ORGANISATIONS}/{station.pk}", {"phone": "0"})

    assert_error(response, 404)
    assert counts() == before
    station.refresh_from_db()
    assert station.phone != "0"


@pytest.mark.parametrize("role", list(ELSEWHERE), ids=str)
def test_a_user_of_another_area_cannot_register_an_organisation_in_jeti_oguz(
    client_as: Any, role: Role
) -> None:
    client = client_as(outsider(role))
    before = counts()

    body = assert_error(send(client, "post", ORGANISATIONS, new_organisation()), 422)

    assert error_fields(body) == {"unit"}
    assert counts() == before


# Registering


@pytest.mark.parametrize("username", WRITERS)
def test_a_writer_registers_an_organisation_and_the_audit_log_records_it(
    client_as: Any, username: str
) -> None:
    response = send(client_as(username), "post", ORGANISATIONS, new_organisation())

    assert response.status_code == 201, response.content
    body = response.json()
    created = Organisation.objects.get(pk=body["id"])
    assert body["unit"] == JETI_OGUZ
    assert body["name_ru"] == created.name_ru == "Общественное объединение «Ынтымак»"
    assert created.email == "yntymak@example.kg"
    entry = AuditEntry.objects.get(model="organisation", object_id=str(created.pk))
    assert entry.action == "create"
    assert entry.actor_username == username
    assert entry.unit_path.endswith(f"/{JETI_OGUZ}/")
    assert entry.changes["name_ru"] == [None, created.name_ru]
    assert entry.changes["kind"] == [None, "ngo"]


def test_an_organisation_can_be_registered_in_a_settlement_of_the_municipality(
    client_as: Any,
) -> None:
    response = send(
        client_as("lcpc.jetioguz"),
        "post",
        ORGANISATIONS,
        new_organisation(kind="school", unit=JETI_OGUZ_VILLAGE),
    )

    assert response.status_code == 201, response.content
    assert response.json()["unit"] == JETI_OGUZ_VILLAGE


@pytest.mark.parametrize("username", READERS)
def test_a_role_without_write_permission_gets_403_and_nothing_is_created(
    client_as: Any, username: str
) -> None:
    before = counts()

    response = send(client_as(username), "post", ORGANISATIONS, new_organisation())

    assert_error(response, 403)
    assert counts() == before


def test_a_municipal_writer_cannot_register_above_their_municipality(client_as: Any) -> None:
    before = counts()

    response = send(
        client_as("lcpc.jetioguz"), "post", ORGANISATIONS, new_organisation(unit="41702210000000")
    )

    assert error_fields(assert_error(response, 422)) == {"unit"}
    assert counts() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (new_organisation(kind="bakery"), "kind"),
        (new_organisation(name_ru=""), "name_ru"),
        (new_organisation(name_ru="x" * 201), "name_ru"),
        (new_organisation(email="not-an-email"), "email"),
        (new_organisation(website="not a web address"), "website"),
        (new_organisation(unit="41799999999999"), "unit"),
        ({"kind": "ngo", "unit": JETI_OGUZ}, "name_ru"),
    ],
    ids=["kind", "empty-name", "long-name", "email", "website", "unit", "missing-name"],
)
def test_bad_input_gets_422_with_the_field_and_nothing_is_created(
    client_as: Any, payload: dict[str, Any], field: str
) -> None:
    before = counts()

    response = send(client_as("lcpc.jetioguz"), "post", ORGANISATIONS, payload)

    body = assert_error(response, 422)
    assert field in error_fields(body)
    assert counts() == before


def test_text_with_a_nul_character_gets_422_on_every_database(client_as: Any) -> None:
    client = client_as("lcpc.jetioguz")
    station = jeti_oguz_police_station()
    before = counts()

    created = send(client, "post", ORGANISATIONS, new_organisation(name_ru="ОППП\x00"))
    changed = send(client, "patch", f"{ORGANISATIONS}/{station.pk}", {"phone": "\x00"})
    searched = client.get(ORGANISATIONS, {"q": "a\x00"})

    for response in (created, changed, searched):
        assert assert_error(response, 422)["errors"][0]["type"] == "string_nul"
    assert counts() == before


def test_registering_the_same_organisation_twice_gets_409(client_as: Any) -> None:
    client = client_as("localgov.jetioguz")
    assert send(client, "post", ORGANISATIONS, new_organisation()).status_code == 201
    before = counts()

    response = send(client, "post", ORGANISATIONS, new_organisation())

    assert [error["type"] for error in assert_error(response, 409)["errors"]] == ["unique_together"]
    assert counts() == before


@pytest.mark.parametrize("field", ["kind", "name_ru", "name_ky", "phone", "website"])
def test_a_change_that_nulls_a_field_gets_422_naming_it(client_as: Any, field: str) -> None:
    station = jeti_oguz_police_station()
    before = counts()

    response = send(
        client_as("lcpc.jetioguz"), "patch", f"{ORGANISATIONS}/{station.pk}", {field: None}
    )

    body = assert_error(response, 422)
    assert error_fields(body) == {field}
    assert body["errors"][0]["type"] == "null_not_allowed"
    assert counts() == before


def test_a_body_that_is_not_json_gets_422(client_as: Any) -> None:
    before = counts()

    response = client_as("admin").post(
        ORGANISATIONS, data="{not json", content_type="application/json"
    )

    assert_error(response, 422)
    assert counts() == before


def test_an_anonymous_registration_gets_401_and_nothing_is_created(client: Client) -> None:
    before = counts()

    assert_error(send(client, "post", ORGANISATIONS, new_organisation()), 401)
    assert counts() == before


# Changing


@pytest.mark.parametrize("username", WRITERS)
def test_a_writer_changes_an_organisation_and_the_audit_log_has_before_and_after(
    client_as: Any, username: str
) -> None:
    station = jeti_oguz_police_station()
    old_phone = station.phone

    response = send(
        client_as(username),
        "patch",
        f"{ORGANISATIONS}/{station.pk}",
        {"phone": "+996 3946 00000", "address": "ул. Ленина, 1"},
    )

    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "+996 3946 00000"
    station.refresh_from_db()
    assert station.address == "ул. Ленина, 1"
    entry = AuditEntry.objects.filter(model="organisation", object_id=str(station.pk)).first()
    assert entry is not None
    assert entry.action == "update"
    assert entry.actor_username == username
    assert entry.changes == {
        "phone": [old_phone, "+996 3946 00000"],
        "address": ["", "ул. Ленина, 1"],
    }


def test_a_change_that_changes_nothing_writes_no_audit_entry(client_as: Any) -> None:
    station = jeti_oguz_police_station()
    before = counts()

    response = send(
        client_as("lcpc.jetioguz"),
        "patch",
        f"{ORGANISATIONS}/{station.pk}",
        {"phone": station.phone},
    )

    assert response.status_code == 200
    assert counts() == before


@pytest.mark.parametrize("username", READERS)
def test_a_role_without_write_permission_gets_403_on_change(client_as: Any, username: str) -> None:
    station = jeti_oguz_police_station()
    before = counts()

    response = send(client_as(username), "patch", f"{ORGANISATIONS}/{station.pk}", {"phone": "0"})

    assert_error(response, 403)
    assert counts() == before
    station.refresh_from_db()
    assert station.phone != "0"


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"name_ru": ""}, "name_ru"), ({"email": "nope"}, "email"), ({"kind": "bakery"}, "kind")],
    ids=["empty-name", "email", "kind"],
)
def test_a_bad_change_gets_422_and_leaves_the_organisation_as_it_was(
    client_as: Any, payload: dict[str, Any], field: str
) -> None:
    station = jeti_oguz_police_station()
    before = counts()

    response = send(client_as("lcpc.jetioguz"), "patch", f"{ORGANISATIONS}/{station.pk}", payload)

    assert field in error_fields(assert_error(response, 422))
    assert counts() == before
    fresh = Organisation.objects.get(pk=station.pk)
    assert (fresh.name_ru, fresh.email, fresh.kind) == (
        station.name_ru,
        station.email,
        station.kind,
    )


def test_a_change_that_would_duplicate_another_organisation_gets_422(client_as: Any) -> None:
    station = jeti_oguz_police_station()
    lcpc = Organisation.objects.get(unit__code=JETI_OGUZ, kind=OrganisationKind.LCPC)
    before = counts()

    response = send(
        client_as("admin"),
        "patch",
        f"{ORGANISATIONS}/{lcpc.pk}",
        {"kind": "police_station", "name_ru": station.name_ru},
    )

    assert_error(response, 422)
    assert counts() == before


@pytest.mark.parametrize(
    "body", [[], [1], 7, "phone", None], ids=["empty", "list", "number", "string", "null"]
)
def test_a_change_that_is_not_a_json_object_gets_422(client_as: Any, body: Any) -> None:
    station = jeti_oguz_police_station()
    before = counts()

    response = send(client_as("lcpc.jetioguz"), "patch", f"{ORGANISATIONS}/{station.pk}", body)

    assert_error(response, 422)
    assert counts() == before
