"""API: working groups and their members, within the user's scope and role."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from kenesh.accounts.models import User
from kenesh.accounts.services import role_assign
from kenesh.core.models import AuditEntry
from kenesh.core.permissions import Role
from kenesh.geo.models import AdministrativeUnit
from kenesh.orgs.models import Membership, Organisation, OrganisationKind, Person, WorkingGroup
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
from kenesh.portal.demo import JETI_OGUZ, KARAKOL

pytestmark = pytest.mark.django_db

ISSYK_KUL_OBLAST = "41702000000000"
AK_DOBO = "41702210805000"  # an aiyl aimak of Jeti-Oguz rayon without a working group
JETI_OGUZ_VILLAGE = "41702210830010"
GROUPS = "/api/v1/working-groups"


def jeti_oguz_group() -> WorkingGroup:
    return WorkingGroup.objects.get(unit__code=JETI_OGUZ)


def counts() -> tuple[int, int, int, int]:
    return (
        WorkingGroup.objects.count(),
        Membership.objects.count(),
        Person.objects.count(),
        AuditEntry.objects.count(),
    )


def new_member(**overrides: Any) -> dict[str, Any]:
    return {
        "person": {
            "full_name": "Асанова Бермет",
            "sex": "female",
            "phone": "+996 700 123456",
            "position": "социальный педагог",
        },
        "member_type": "civil_society",
        "role_in_group": "член группы",
        "valid_from": "2024-01-15",
        **overrides,
    }


# Reading


def test_working_groups_answer_401_without_credentials(client: Client) -> None:
    group = jeti_oguz_group()

    assert_error(client.get(GROUPS), 401)
    assert_error(client.get(f"{GROUPS}/{group.pk}"), 401)
    assert_error(client.get(f"{GROUPS}/{group.pk}/members"), 401)


def test_a_municipal_user_lists_only_the_working_group_of_their_municipality(
    client_as: Any,
) -> None:
    body = client_as("registrar.jetioguz").get(GROUPS).json()

    assert body["count"] == 1
    assert [item["id"] for item in body["items"]] == [jeti_oguz_group().pk]


def test_a_country_wide_user_lists_every_working_group_with_pagination(client_as: Any) -> None:
    client = client_as("coordinator")

    first = client.get(GROUPS, {"limit": 4}).json()
    rest = client.get(GROUPS, {"limit": 4, "offset": 4}).json()

    assert first["count"] == rest["count"] == WorkingGroup.objects.count() == 10
    assert len(first["items"]) == len(rest["items"]) == 4
    assert not {item["id"] for item in first["items"]} & {item["id"] for item in rest["items"]}


def test_the_list_filters_by_unit(client_as: Any) -> None:
    body = client_as("admin").get(GROUPS, {"unit": "41702000000000"}).json()

    assert {item["unit"] for item in body["items"]} == {JETI_OGUZ, KARAKOL}


def test_a_working_group_detail_names_its_municipality_lcpc_and_member_count(
    client_as: Any,
) -> None:
    group = jeti_oguz_group()

    response = client_as("civil.jetioguz").get(f"{GROUPS}/{group.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == group.pk
    assert body["unit"] == JETI_OGUZ
    assert body["name"] == group.name
    assert body["lcpc"] == group.lcpc_id is not None
    assert body["established_on"] == "2017-03-01"
    assert body["member_count"] == group.memberships.count() > 0


def test_the_members_of_a_working_group_are_listed_with_their_people(client_as: Any) -> None:
    group = jeti_oguz_group()

    body = client_as("police.jetioguz").get(f"{GROUPS}/{group.pk}/members", {"limit": 500}).json()

    assert body["count"] == group.memberships.count()
    assert {item["id"] for item in body["items"]} == set(
        group.memberships.values_list("pk", flat=True)
    )
    member = body["items"][0]
    assert set(member["person"]) >= {"id", "full_name", "sex", "organisation"}
    assert member["member_type"] in {"local_government", "police", "lcpc", "civil_society", "other"}


def test_members_paginate(client_as: Any) -> None:
    group = jeti_oguz_group()

    body = client_as("admin").get(f"{GROUPS}/{group.pk}/members", {"limit": 2}).json()

    assert body["count"] == group.memberships.count() > 2
    assert len(body["items"]) == 2


def test_a_working_group_that_does_not_exist_is_404(client_as: Any) -> None:
    assert_error(client_as("admin").get(f"{GROUPS}/999999"), 404)
    assert_error(client_as("admin").get(f"{GROUPS}/999999/members"), 404)


@pytest.mark.parametrize("role", list(ELSEWHERE), ids=str)
def test_a_user_of_another_area_gets_404_and_never_sees_the_working_group(
    client_as: Any, role: Role
) -> None:
    group = jeti_oguz_group()
    client = client_as(outsider(role))

    assert_error(client.get(f"{GROUPS}/{group.pk}"), 404)
    assert_error(client.get(f"{GROUPS}/{group.pk}/members"), 404)
    assert group.pk not in ids(client.get(GROUPS, {"limit": 500}))
    assert_error(client.get(GROUPS, {"unit": JETI_OGUZ}), 404)


@pytest.mark.parametrize("role", list(ELSEWHERE), ids=str)
def test_a_user_of_another_area_can_neither_change_the_group_nor_add_members(
    client_as: Any, role: Role
) -> None:
    group = jeti_oguz_group()
    client = client_as(outsider(role))
    before = counts()

    assert_error(send(client, "patch", f"{GROUPS}/{group.pk}", {"name_ru": "x"}), 404)
    assert_error(send(client, "post", f"{GROUPS}/{group.pk}/members", new_member()), 404)
    assert counts() == before
    assert WorkingGroup.objects.get(pk=group.pk).name == group.name


@pytest.mark.parametrize("role", list(ELSEWHERE), ids=str)
def test_a_user_of_another_area_cannot_form_a_group_in_jeti_oguz_rayon(
    client_as: Any, role: Role
) -> None:
    client = client_as(outsider(role))
    before = counts()

    response = send(client, "post", GROUPS, {"unit": AK_DOBO, "name_ru": "Рабочая группа"})

    assert error_fields(assert_error(response, 422)) == {"unit"}
    assert counts() == before


# Forming a working group


def test_an_administrator_forms_a_working_group_and_the_audit_log_records_it(
    client_as: Any,
) -> None:
    response = send(
        client_as("admin"),
        "post",
        GROUPS,
        {"unit": AK_DOBO, "name_ru": "Рабочая группа Ак-Дёбё", "established_on": "2024-02-01"},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["unit"] == AK_DOBO
    assert body["member_count"] == 0
    assert body["lcpc"] is None
    group = WorkingGroup.objects.get(pk=body["id"])
    entry = AuditEntry.objects.get(model="workinggroup", object_id=str(group.pk))
    assert entry.action == "create"
    assert entry.actor_username == "admin"
    assert entry.changes["name_ru"] == [None, "Рабочая группа Ак-Дёбё"]
    assert entry.changes["established_on"] == [None, "2024-02-01"]


def test_a_municipal_writer_forms_the_group_of_their_municipality_with_its_lcpc(
    client_as: Any,
) -> None:
    writer = User.objects.create_user("lcpc.akdobo", is_demo=True)
    role_assign(
        actor=None,
        user=writer,
        role=Role.LCPC_COORDINATOR,
        unit=AdministrativeUnit.objects.get(code=AK_DOBO),
    )
    lcpc = Organisation.objects.create(
        unit=AdministrativeUnit.objects.get(code=AK_DOBO),
        kind=OrganisationKind.LCPC,
        name_ru="ОППП Ак-Дебе",
    )

    response = send(
        client_as("lcpc.akdobo"),
        "post",
        GROUPS,
        {"unit": AK_DOBO, "name_ru": "РГ", "lcpc": lcpc.pk},
    )

    assert response.status_code == 201, response.content
    assert response.json()["lcpc"] == lcpc.pk
    entry = AuditEntry.objects.get(model="workinggroup", object_id=str(response.json()["id"]))
    assert entry.actor_username == "lcpc.akdobo"
    assert entry.changes["lcpc_id"] == [None, lcpc.pk]


@pytest.mark.parametrize("username", READERS)
def test_a_role_without_write_permission_gets_403_on_forming_a_group(
    client_as: Any, username: str
) -> None:
    before = counts()

    response = send(client_as(username), "post", GROUPS, {"unit": JETI_OGUZ, "name_ru": "Вторая"})

    assert_error(response, 403)
    assert counts() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"unit": JETI_OGUZ_VILLAGE, "name_ru": "Группа села"}, "unit"),  # not a municipality
        ({"unit": "41799999999999", "name_ru": "Нигде"}, "unit"),
        ({"unit": JETI_OGUZ, "name_ru": ""}, "name_ru"),
        ({"unit": JETI_OGUZ}, "name_ru"),
        ({"unit": JETI_OGUZ, "name_ru": "x", "established_on": "1 March"}, "established_on"),
        ({"unit": JETI_OGUZ, "name_ru": "x", "lcpc": 0}, "lcpc"),
    ],
    ids=["settlement", "unknown-unit", "empty-name", "no-name", "date", "lcpc"],
)
def test_bad_input_gets_422_and_no_group_is_formed(
    client_as: Any, payload: dict[str, Any], field: str
) -> None:
    before = counts()

    response = send(client_as("lcpc.jetioguz"), "post", GROUPS, payload)

    assert field in error_fields(assert_error(response, 422))
    assert counts() == before


def test_a_second_group_in_a_municipality_gets_409_naming_the_unit(client_as: Any) -> None:
    before = counts()

    response = send(
        client_as("lcpc.jetioguz"), "post", GROUPS, {"unit": JETI_OGUZ, "name_ru": "Вторая"}
    )

    body = assert_error(response, 409)
    assert [(error["loc"], error["type"]) for error in body["errors"]] == [
        (["body", "unit"], "unique")
    ]
    assert counts() == before


def test_an_lcpc_of_another_municipality_gets_422(client_as: Any) -> None:
    karakol_lcpc = Organisation.objects.get(unit__code=KARAKOL, kind=OrganisationKind.LCPC)
    before = counts()

    response = send(
        client_as("admin"),
        "post",
        GROUPS,
        {"unit": AK_DOBO, "name_ru": "РГ", "lcpc": karakol_lcpc.pk},
    )

    assert error_fields(assert_error(response, 422)) == {"lcpc"}
    assert counts() == before


# Changing a working group


@pytest.mark.parametrize("username", WRITERS)
def test_a_writer_renames_the_group_and_the_audit_log_has_before_and_after(
    client_as: Any, username: str
) -> None:
    group = jeti_oguz_group()

    response = send(
        client_as(username), "patch", f"{GROUPS}/{group.pk}", {"name_ru": "Кеңеш Жети-Өгүз"}
    )

    assert response.status_code == 200, response.content
    assert response.json()["name_ru"] == "Кеңеш Жети-Өгүз"
    assert response.json()["member_count"] == group.memberships.count()
    entry = AuditEntry.objects.filter(model="workinggroup", object_id=str(group.pk)).first()
    assert entry is not None
    assert entry.action == "update"
    assert entry.actor_username == username
    assert entry.changes == {"name_ru": [group.name_ru, "Кеңеш Жети-Өгүз"]}


def test_the_established_date_can_be_cleared(client_as: Any) -> None:
    group = jeti_oguz_group()

    response = send(
        client_as("lcpc.jetioguz"), "patch", f"{GROUPS}/{group.pk}", {"established_on": None}
    )

    assert response.status_code == 200
    assert response.json()["established_on"] is None
    entry = AuditEntry.objects.filter(model="workinggroup", object_id=str(group.pk)).first()
    assert entry is not None
    assert entry.changes == {"established_on": ["2017-03-01", None]}


@pytest.mark.parametrize("username", READERS)
def test_a_role_without_write_permission_gets_403_on_change(client_as: Any, username: str) -> None:
    group = jeti_oguz_group()
    before = counts()

    response = send(client_as(username), "patch", f"{GROUPS}/{group.pk}", {"name_ru": "x"})

    assert_error(response, 403)
    assert counts() == before
    assert WorkingGroup.objects.get(pk=group.pk).name == group.name


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name_ru": ""}, "name_ru"),
        ({"lcpc": 999999}, "lcpc"),
        ({"established_on": "soon"}, "established_on"),
    ],
    ids=["empty-name", "unknown-lcpc", "date"],
)
def test_a_bad_change_gets_422_and_leaves_the_group_as_it_was(
    client_as: Any, payload: dict[str, Any], field: str
) -> None:
    group = jeti_oguz_group()
    before = counts()

    response = send(client_as("localgov.jetioguz"), "patch", f"{GROUPS}/{group.pk}", payload)

    assert field in error_fields(assert_error(response, 422))
    assert counts() == before
    fresh = WorkingGroup.objects.get(pk=group.pk)
    assert (fresh.name, fresh.lcpc_id, fresh.established_on) == (
        group.name,
        group.lcpc_id,
        group.established_on,
    )


@pytest.mark.parametrize(
    "body", [[], [[1.5], -3], 7, "name"], ids=["empty", "list", "number", "string"]
)
def test_a_change_that_is_not_a_json_object_gets_422(client_as: Any, body: Any) -> None:
    group = jeti_oguz_group()
    before = counts()

    response = send(client_as("lcpc.jetioguz"), "patch", f"{GROUPS}/{group.pk}", body)

    assert_error(response, 422)
    assert counts() == before


def test_a_member_whose_person_is_not_a_json_object_gets_422(client_as: Any) -> None:
    group = jeti_oguz_group()
    before = counts()

    response = send(
        client_as("lcpc.jetioguz"),
        "post",
        f"{GROUPS}/{group.pk}/members",
        {"person": ["Асанова Бермет"], "member_type": "other"},
    )

    assert_error(response, 422)
    assert counts() == before


def test_the_lcpc_of_another_municipality_cannot_be_set(client_as: Any) -> None:
    group = jeti_oguz_group()
    karakol_lcpc = Organisation.objects.get(unit__code=KARAKOL, kind=OrganisationKind.LCPC)

    response = send(client_as("admin"), "patch", f"{GROUPS}/{group.pk}", {"lcpc": karakol_lcpc.pk})

    assert error_fields(assert_error(response, 422)) == {"lcpc"}
    assert WorkingGroup.objects.get(pk=group.pk).lcpc_id == group.lcpc_id


# Members


@pytest.mark.parametrize("username", WRITERS)
def test_a_writer_adds_a_new_person_as_member_and_both_are_audited(
    client_as: Any, username: str
) -> None:
    group = jeti_oguz_group()
    members_before = group.memberships.count()

    response = send(client_as(username), "post", f"{GROUPS}/{group.pk}/members", new_member())

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["member_type"] == "civil_society"
    assert body["valid_from"] == "2024-01-15"
    assert body["person"]["full_name"] == "Асанова Бермет"
    assert group.memberships.count() == members_before + 1
    person = Person.objects.get(pk=body["person"]["id"])
    assert person.unit.code == JETI_OGUZ
    person_entry = AuditEntry.objects.get(model="person", object_id=str(person.pk))
    member_entry = AuditEntry.objects.get(model="membership", object_id=str(body["id"]))
    assert person_entry.action == member_entry.action == "create"
    assert person_entry.actor_username == member_entry.actor_username == username
    assert person_entry.changes["full_name"] == [None, "Асанова Бермет"]
    assert member_entry.changes["person_id"] == [None, person.pk]


def test_an_existing_person_of_the_municipality_can_join(client_as: Any) -> None:
    group = jeti_oguz_group()
    person = Person.objects.create(full_name="Осмонов Улан", unit=group.unit)
    before = Person.objects.count()

    response = send(
        client_as("lcpc.jetioguz"),
        "post",
        f"{GROUPS}/{group.pk}/members",
        {"person_id": person.pk, "member_type": "other"},
    )

    assert response.status_code == 201, response.content
    assert response.json()["person"]["id"] == person.pk
    assert Person.objects.count() == before


@pytest.mark.parametrize("username", READERS)
def test_a_role_without_write_permission_gets_403_on_adding_a_member(
    client_as: Any, username: str
) -> None:
    group = jeti_oguz_group()
    before = counts()

    response = send(client_as(username), "post", f"{GROUPS}/{group.pk}/members", new_member())

    assert_error(response, 403)
    assert counts() == before


def test_a_person_of_another_municipality_cannot_be_added(client_as: Any) -> None:
    group = jeti_oguz_group()
    stranger = Person.objects.filter(unit__code=KARAKOL).first()
    assert stranger is not None
    before = counts()

    response = send(
        client_as("lcpc.jetioguz"),
        "post",
        f"{GROUPS}/{group.pk}/members",
        {"person_id": stranger.pk, "member_type": "other"},
    )

    assert error_fields(assert_error(response, 422)) == {"person_id"}
    assert counts() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (new_member(person_id=1), "person"),  # both an existing and a new person
        ({"member_type": "other"}, "person"),  # neither
        (new_member(member_type="friend"), "member_type"),
        (new_member(valid_from="2024-02-01", valid_to="2024-01-01"), "valid_to"),
        (new_member(person={"full_name": ""}), "full_name"),
        (new_member(person={"full_name": "Б", "email": "nope"}), "email"),
        (new_member(person={"full_name": "Б", "organisation": 999999}), "organisation"),
    ],
    ids=["both", "neither", "type", "period", "name", "email", "organisation"],
)
def test_bad_member_input_gets_422_and_nothing_is_added(
    client_as: Any, payload: dict[str, Any], field: str
) -> None:
    group = jeti_oguz_group()
    before = counts()

    response = send(client_as("localgov.jetioguz"), "post", f"{GROUPS}/{group.pk}/members", payload)

    assert field in error_fields(assert_error(response, 422))
    assert counts() == before


def test_the_same_person_cannot_join_twice_from_the_same_date(client_as: Any) -> None:
    group = jeti_oguz_group()
    membership = group.memberships.exclude(valid_from=None).first()
    assert membership is not None and membership.valid_from is not None
    before = counts()

    response = send(
        client_as("lcpc.jetioguz"),
        "post",
        f"{GROUPS}/{group.pk}/members",
        {
            "person_id": membership.person_id,
            "member_type": membership.member_type,
            "valid_from": membership.valid_from.isoformat(),
        },
    )

    assert_error(response, 422)
    assert counts() == before


def test_a_new_persons_organisation_must_be_of_the_groups_municipality_or_above_it(
    client_as: Any,
) -> None:
    # An oblast-wide LCPC coordinator covers both Karakol and Jeti-Oguz, but a Karakol member
    # does not work for a Jeti-Oguz school.
    oblast_user = User.objects.create_user("lcpc.issykkul", is_demo=True)
    role_assign(
        actor=None,
        user=oblast_user,
        role=Role.LCPC_COORDINATOR,
        unit=AdministrativeUnit.objects.get(code=ISSYK_KUL_OBLAST),
    )
    karakol = WorkingGroup.objects.get(unit__code=KARAKOL)
    jeti_oguz_school = Organisation.objects.get(unit__code=JETI_OGUZ, kind=OrganisationKind.SCHOOL)
    before = counts()

    response = send(
        client_as("lcpc.issykkul"),
        "post",
        f"{GROUPS}/{karakol.pk}/members",
        new_member(person={"full_name": "Б", "organisation": jeti_oguz_school.pk}),
    )

    assert error_fields(assert_error(response, 422)) == {"organisation"}
    assert counts() == before


def test_a_new_persons_organisation_may_be_of_a_unit_above_the_municipality(
    client_as: Any,
) -> None:
    group = jeti_oguz_group()
    ministry = Organisation.objects.get(kind=OrganisationKind.MINISTRY)
    karakol_school = Organisation.objects.get(unit__code=KARAKOL, kind=OrganisationKind.SCHOOL)
    client = client_as("admin")
    before = counts()

    refused = send(
        client,
        "post",
        f"{GROUPS}/{group.pk}/members",
        new_member(person={"full_name": "Б", "organisation": karakol_school.pk}),
    )
    accepted = send(
        client,
        "post",
        f"{GROUPS}/{group.pk}/members",
        new_member(person={"full_name": "Б", "organisation": ministry.pk}),
    )

    assert error_fields(assert_error(refused, 422)) == {"organisation"}
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["person"]["organisation"] == ministry.pk
    groups, memberships, people, entries = before
    assert counts() == (groups, memberships + 1, people + 1, entries + 2)


# One membership: read, change, end


def jeti_oguz_membership() -> Membership:
    membership = (
        Membership.objects.filter(working_group__unit__code=JETI_OGUZ, valid_to=None)
        .exclude(valid_from=None)
        .order_by("pk")
        .first()
    )
    assert membership is not None
    return membership


def member_url(membership: Membership, group: WorkingGroup | None = None) -> str:
    group_id = group.pk if group is not None else membership.working_group_id
    return f"{GROUPS}/{group_id}/members/{membership.pk}"


def as_it_was(membership: Membership) -> tuple[Any, ...]:
    fresh = Membership.objects.get(pk=membership.pk)
    return (
        fresh.working_group_id,
        fresh.person_id,
        fresh.member_type,
        fresh.role_in_group,
        fresh.valid_from,
        fresh.valid_to,
    )


def test_one_membership_answers_401_without_credentials(client: Client) -> None:
    membership = jeti_oguz_membership()
    before = as_it_was(membership)

    assert_error(client.get(member_url(membership)), 401)
    assert_error(send(client, "patch", member_url(membership), {"role_in_group": "x"}), 401)
    assert as_it_was(membership) == before


@pytest.mark.parametrize("username", [*WRITERS, *READERS])
def test_everyone_of_the_municipality_reads_one_membership_with_its_person(
    client_as: Any, username: str
) -> None:
    membership = jeti_oguz_membership()

    response = client_as(username).get(member_url(membership))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == membership.pk
    assert body["member_type"] == membership.member_type
    assert body["role_in_group"] == membership.role_in_group
    assert body["valid_from"] == membership.valid_from.isoformat()  # type: ignore[union-attr]
    assert body["valid_to"] is None
    assert body["person"]["id"] == membership.person_id
    assert body["person"]["full_name"] == membership.person.full_name


def test_a_membership_that_does_not_exist_is_404(client_as: Any) -> None:
    group = jeti_oguz_group()
    client = client_as("admin")
    before = counts()

    assert_error(client.get(f"{GROUPS}/{group.pk}/members/999999"), 404)
    assert_error(send(client, "patch", f"{GROUPS}/{group.pk}/members/999999", {}), 404)
    assert counts() == before


def test_a_membership_of_another_group_is_404_under_this_group(client_as: Any) -> None:
    karakol_membership = Membership.objects.filter(working_group__unit__code=KARAKOL).first()
    assert karakol_membership is not None
    before, state = counts(), as_it_was(karakol_membership)
    client = client_as("admin")  # sees both groups; the pair still has to match
    url = member_url(karakol_membership, group=jeti_oguz_group())

    assert_error(client.get(url), 404)
    assert_error(send(client, "patch", url, {"valid_to": "2025-01-01"}), 404)
    assert counts() == before
    assert as_it_was(karakol_membership) == state


@pytest.mark.parametrize("role", list(ELSEWHERE), ids=str)
def test_a_user_of_another_area_gets_404_on_one_membership_and_changes_nothing(
    client_as: Any, role: Role
) -> None:
    membership = jeti_oguz_membership()
    client = client_as(outsider(role))
    before, state = counts(), as_it_was(membership)

    assert_error(client.get(member_url(membership)), 404)
    assert_error(send(client, "patch", member_url(membership), {"valid_to": "2025-01-01"}), 404)
    assert counts() == before
    assert as_it_was(membership) == state


@pytest.mark.parametrize("username", READERS)
def test_a_role_without_write_permission_gets_403_on_changing_a_membership(
    client_as: Any, username: str
) -> None:
    membership = jeti_oguz_membership()
    before, state = counts(), as_it_was(membership)

    response = send(
        client_as(username),
        "patch",
        member_url(membership),
        {"role_in_group": "председатель", "valid_to": "2025-01-01"},
    )

    assert_error(response, 403)
    assert counts() == before
    assert as_it_was(membership) == state


@pytest.mark.parametrize("username", WRITERS)
def test_a_writer_changes_a_membership_and_the_audit_log_has_before_and_after(
    client_as: Any, username: str
) -> None:
    membership = jeti_oguz_membership()
    new_type = "other" if membership.member_type != "other" else "civil_society"
    groups, memberships, people, entries = counts()

    response = send(
        client_as(username),
        "patch",
        member_url(membership),
        {"member_type": new_type, "role_in_group": "заместитель председателя"},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["member_type"] == new_type
    assert body["role_in_group"] == "заместитель председателя"
    assert body["valid_from"] == membership.valid_from.isoformat()  # type: ignore[union-attr]
    assert body["person"]["id"] == membership.person_id
    assert counts() == (groups, memberships, people, entries + 1)
    entry = AuditEntry.objects.filter(model="membership", object_id=str(membership.pk)).first()
    assert entry is not None
    assert entry.action == "update"
    assert entry.actor_username == username
    assert entry.changes == {
        "member_type": [membership.member_type, new_type],
        "role_in_group": [membership.role_in_group, "заместитель председателя"],
    }


def test_setting_the_end_date_ends_the_membership_and_keeps_it_in_the_history(
    client_as: Any,
) -> None:
    membership = jeti_oguz_membership()
    group = jeti_oguz_group()
    client = client_as("lcpc.jetioguz")

    response = send(client, "patch", member_url(membership), {"valid_to": "2024-12-31"})

    assert response.status_code == 200, response.content
    assert response.json()["valid_to"] == "2024-12-31"
    assert not Membership.objects.current().filter(pk=membership.pk).exists()
    listed = client.get(f"{GROUPS}/{group.pk}/members", {"limit": 500})
    assert membership.pk in ids(listed)
    entry = AuditEntry.objects.filter(model="membership", object_id=str(membership.pk)).first()
    assert entry is not None
    assert entry.actor_username == "lcpc.jetioguz"
    assert entry.changes == {"valid_to": [None, "2024-12-31"]}


def test_dates_can_be_cleared_and_left_out_fields_stay_as_they_are(client_as: Any) -> None:
    membership = jeti_oguz_membership()

    response = send(
        client_as("localgov.jetioguz"), "patch", member_url(membership), {"valid_from": None}
    )

    assert response.status_code == 200, response.content
    fresh = Membership.objects.get(pk=membership.pk)
    assert fresh.valid_from is None
    assert (fresh.member_type, fresh.role_in_group) == (
        membership.member_type,
        membership.role_in_group,
    )
    entry = AuditEntry.objects.filter(model="membership", object_id=str(membership.pk)).first()
    assert entry is not None
    assert entry.changes == {"valid_from": [membership.valid_from.isoformat(), None]}  # type: ignore[union-attr]


@pytest.mark.parametrize("field", ["member_type", "role_in_group"])
def test_a_change_that_nulls_the_type_or_role_gets_422_naming_it(
    client_as: Any, field: str
) -> None:
    membership = jeti_oguz_membership()
    before = counts()

    response = send(client_as("localgov.jetioguz"), "patch", member_url(membership), {field: None})

    assert error_fields(assert_error(response, 422)) == {field}
    assert counts() == before
    fresh = Membership.objects.get(pk=membership.pk)
    assert (fresh.member_type, fresh.role_in_group) == (
        membership.member_type,
        membership.role_in_group,
    )


def test_a_change_that_nulls_the_groups_name_gets_422(client_as: Any) -> None:
    group = jeti_oguz_group()
    before = counts()

    response = send(client_as("lcpc.jetioguz"), "patch", f"{GROUPS}/{group.pk}", {"name_ru": None})

    assert error_fields(assert_error(response, 422)) == {"name_ru"}
    assert counts() == before


def test_a_change_that_changes_nothing_writes_no_audit_entry(client_as: Any) -> None:
    membership = jeti_oguz_membership()
    before = counts()

    response = send(
        client_as("lcpc.jetioguz"),
        "patch",
        member_url(membership),
        {"role_in_group": membership.role_in_group},
    )

    assert response.status_code == 200, response.content
    assert counts() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"valid_to": "2016-01-01"}, "valid_to"),  # before the start, 2017-03-01
        ({"valid_from": "2026-01-01", "valid_to": "2025-01-01"}, "valid_to"),
        ({"valid_to": "31.12.2024"}, "valid_to"),
        ({"valid_from": "2024-02-30"}, "valid_from"),
        ({"member_type": "chair"}, "member_type"),
        ({"role_in_group": "x" * 101}, "role_in_group"),
        ({"person_id": 1}, "person_id"),
        ({"working_group": 2}, "working_group"),
    ],
    ids=[
        "end-before-start",
        "period",
        "date-format",
        "no-such-day",
        "type",
        "long-role",
        "person",
        "group",
    ],
)
def test_a_bad_membership_change_gets_422_and_changes_nothing(
    client_as: Any, payload: dict[str, Any], field: str
) -> None:
    membership = jeti_oguz_membership()
    before, state = counts(), as_it_was(membership)

    response = send(client_as("lcpc.jetioguz"), "patch", member_url(membership), payload)

    assert field in error_fields(assert_error(response, 422))
    assert counts() == before
    assert as_it_was(membership) == state


@pytest.mark.parametrize("body", [[], ["valid_to"], 7, "2025-01-01", None], ids=str)
def test_a_membership_change_that_is_not_a_json_object_gets_422(client_as: Any, body: Any) -> None:
    membership = jeti_oguz_membership()
    before, state = counts(), as_it_was(membership)

    response = send(client_as("lcpc.jetioguz"), "patch", member_url(membership), body)

    assert_error(response, 422)
    assert counts() == before
    assert as_it_was(membership) == state


def test_a_change_that_overlaps_another_membership_of_the_person_gets_422(
    client_as: Any,
) -> None:
    membership = jeti_oguz_membership()
    earlier = Membership.objects.create(
        working_group=membership.working_group,
        person=membership.person,
        member_type=membership.member_type,
        valid_from=dt.date(2010, 1, 1),
        valid_to=dt.date(2015, 12, 31),
    )
    before, state = counts(), as_it_was(earlier)

    response = send(client_as("lcpc.jetioguz"), "patch", member_url(earlier), {"valid_to": None})

    assert "person" in error_fields(assert_error(response, 422))
    assert counts() == before
    assert as_it_was(earlier) == state
