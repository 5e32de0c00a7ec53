"""Working group pages: list, detail with members, create, edit and adding a member."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from kenesh.accounts.models import User
from kenesh.core.models import AuditAction, AuditEntry
from kenesh.geo.models import AdministrativeUnit
from kenesh.orgs.models import Membership, MemberType, Organisation, Person, WorkingGroup

JETI_OGUZ = "41702210830000"
KARAKOL = "41702410000010"
COUNTRY = "41700000000000"
AK_DEBE = "41702210805000"  # a municipality of the demo geography without a working group

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


def group_of(code: str) -> WorkingGroup:
    return WorkingGroup.objects.select_related("unit", "lcpc").get(unit__code=code)


def edit_data(group: WorkingGroup, **overrides: Any) -> dict[str, Any]:
    data = {
        "unit": group.unit_id,
        "name_ky": group.name_ky,
        "name_ru": group.name_ru,
        "name_en": group.name_en,
        "lcpc": group.lcpc_id or "",
        "established_on": group.established_on.isoformat() if group.established_on else "",
    }
    data.update(overrides)
    return data


def new_member(**overrides: Any) -> dict[str, Any]:
    data = {
        "person": "",
        "full_name": "Асанова Нургуль",
        "sex": "female",
        "phone": "+996 700 111222",
        "email": "",
        "position": "Социальный работник",
        "organisation": "",
        "member_type": MemberType.CIVIL_SOCIETY,
        "role_in_group": "Член рабочей группы",
        "valid_from": "2024-01-15",
        "valid_to": "",
    }
    data.update(overrides)
    return data


def counts() -> tuple[int, int, int, int]:
    return (
        WorkingGroup.objects.count(),
        Membership.objects.count(),
        Person.objects.count(),
        AuditEntry.objects.count(),
    )


# Lists


def test_an_anonymous_visitor_is_sent_to_the_login_page() -> None:
    group = group_of(JETI_OGUZ)
    for url in (
        "/working-groups/",
        "/working-groups/new/",
        f"/working-groups/{group.pk}/",
        f"/working-groups/{group.pk}/edit/",
        f"/working-groups/{group.pk}/members/new/",
    ):
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url


def test_a_municipal_user_lists_only_the_group_of_their_municipality(client_as: ClientAs) -> None:
    response = client_as("civil.jetioguz").get("/working-groups/")
    assert response.status_code == 200
    assert [group.unit.code for group in response.context["page_obj"]] == [JETI_OGUZ]
    page = response.content.decode()
    assert f'href="/working-groups/{group_of(JETI_OGUZ).pk}/"' in page
    assert f'href="/working-groups/{group_of(KARAKOL).pk}/"' not in page


def test_the_list_never_shows_the_group_of_another_municipality(karakol_outsider: Client) -> None:
    response = karakol_outsider.get("/working-groups/")
    assert [group.unit.code for group in response.context["page_obj"]] == [KARAKOL]
    page = response.content.decode()
    jeti_oguz = group_of(JETI_OGUZ)
    assert f'href="/working-groups/{jeti_oguz.pk}/"' not in page
    assert jeti_oguz.name not in page
    fragment = karakol_outsider.get("/working-groups/", HTTP_HX_REQUEST="true").content.decode()
    assert f'href="/working-groups/{jeti_oguz.pk}/"' not in fragment


def test_the_coordinator_lists_the_ten_groups_with_their_member_counts(
    client_as: ClientAs,
) -> None:
    response = client_as("coordinator").get("/working-groups/")
    groups = list(response.context["page_obj"])
    assert len(groups) == 10
    for group in groups:
        assert group.member_count == group.memberships.count()


def test_an_htmx_request_gets_the_table_fragment_only(client_as: ClientAs) -> None:
    response = client_as("coordinator").get("/working-groups/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert "<table" in fragment
    assert f'href="/working-groups/{group_of(KARAKOL).pk}/"' in fragment


def test_a_user_without_any_role_gets_403_on_the_list(client_as: ClientAs) -> None:
    User.objects.create_user("no.roles", is_demo=True)
    assert client_as("no.roles").get("/working-groups/").status_code == 403


# Detail


def test_the_detail_lists_the_members(client_as: ClientAs) -> None:
    group = group_of(JETI_OGUZ)
    response = client_as("civil.jetioguz").get(f"/working-groups/{group.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert group.name in page
    members = group.memberships.select_related("person")
    assert members.exists()
    for membership in members:
        assert membership.person.full_name in page
    assert group.lcpc is not None
    assert f'href="/organisations/{group.lcpc.pk}/"' in page
    # Civil society reads working groups but does not edit them.
    assert f'href="/working-groups/{group.pk}/edit/"' not in page
    assert f'href="/working-groups/{group.pk}/members/new/"' not in page


def test_the_detail_offers_edit_and_add_member_to_those_who_may(client_as: ClientAs) -> None:
    group = group_of(JETI_OGUZ)
    page = client_as("lcpc.jetioguz").get(f"/working-groups/{group.pk}/").content.decode()
    assert f'href="/working-groups/{group.pk}/edit/"' in page
    assert f'href="/working-groups/{group.pk}/members/new/"' in page


def test_a_user_of_another_municipality_gets_404_on_the_detail(karakol_outsider: Client) -> None:
    group = group_of(JETI_OGUZ)
    assert karakol_outsider.get(f"/working-groups/{group.pk}/").status_code == 404


def test_an_unknown_working_group_gets_404(client_as: ClientAs) -> None:
    assert client_as("lcpc.jetioguz").get("/working-groups/999999/").status_code == 404


# Edit


def test_civil_society_may_not_edit_the_working_group(client_as: ClientAs) -> None:
    group = group_of(JETI_OGUZ)
    before = counts()
    client = client_as("civil.jetioguz")
    assert client.get(f"/working-groups/{group.pk}/edit/").status_code == 403
    response = client.post(f"/working-groups/{group.pk}/edit/", edit_data(group, name_ru="Renamed"))
    assert response.status_code == 403
    assert counts() == before
    assert group_of(JETI_OGUZ).name == group.name
    assert client_as("police.jetioguz").get(f"/working-groups/{group.pk}/edit/").status_code == 403


def test_a_user_of_another_municipality_gets_404_on_edit(karakol_outsider: Client) -> None:
    group = group_of(JETI_OGUZ)
    before = counts()
    assert karakol_outsider.get(f"/working-groups/{group.pk}/edit/").status_code == 404
    response = karakol_outsider.post(
        f"/working-groups/{group.pk}/edit/", edit_data(group, name_ru="Renamed")
    )
    assert response.status_code == 404
    assert counts() == before
    assert group_of(JETI_OGUZ).name == group.name


def test_the_edit_form_shows_dates_as_the_date_picker_reads_them(client_as: ClientAs) -> None:
    group = group_of(JETI_OGUZ)
    for language in ("ky", "ru", "en"):
        page = client_as("lcpc.jetioguz").get(
            f"/working-groups/{group.pk}/edit/", HTTP_ACCEPT_LANGUAGE=language
        )
        assert 'value="2017-03-01"' in page.content.decode(), language


def test_a_good_edit_saves_and_audits_the_change(client_as: ClientAs) -> None:
    group = group_of(JETI_OGUZ)
    groups, memberships, people, entries = counts()
    response = client_as("lcpc.jetioguz").post(
        f"/working-groups/{group.pk}/edit/",
        edit_data(group, name_ky="Жети-Өгүз айыл аймагынын иштиктүү тобу"),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/working-groups/{group.pk}/"
    assert group_of(JETI_OGUZ).name_ky == "Жети-Өгүз айыл аймагынын иштиктүү тобу"
    assert counts() == (groups, memberships, people, entries + 1)
    entry = AuditEntry.objects.filter(model="workinggroup", object_id=str(group.pk)).first()
    assert entry is not None
    assert entry.action == AuditAction.UPDATE
    assert entry.actor_username == "lcpc.jetioguz"
    assert entry.changes == {"name_ky": [group.name_ky, "Жети-Өгүз айыл аймагынын иштиктүү тобу"]}


def test_a_bad_edit_answers_400_keeps_what_was_typed_and_changes_nothing(
    client_as: ClientAs,
) -> None:
    group = group_of(JETI_OGUZ)
    before = counts()
    response = client_as("lcpc.jetioguz").post(
        f"/working-groups/{group.pk}/edit/",
        edit_data(group, name_ru="Новое название", established_on="31.02.2017"),
    )
    assert response.status_code == 400
    assert "established_on" in response.context["form"].errors
    page = response.content.decode()
    assert 'value="Новое название"' in page
    assert 'value="31.02.2017"' in page
    assert counts() == before
    assert group_of(JETI_OGUZ).name == group.name


def test_the_lcpc_of_another_municipality_cannot_be_chosen(client_as: ClientAs) -> None:
    group = group_of(JETI_OGUZ)
    karakol_lcpc = group_of(KARAKOL).lcpc
    assert karakol_lcpc is not None
    before = counts()
    response = client_as("admin").post(
        f"/working-groups/{group.pk}/edit/", edit_data(group, lcpc=karakol_lcpc.pk)
    )
    assert response.status_code == 400
    assert counts() == before
    assert group_of(JETI_OGUZ).lcpc_id == group.lcpc_id


# Create


def test_civil_society_and_police_may_not_create_a_working_group(client_as: ClientAs) -> None:
    before = counts()
    for username in ("civil.jetioguz", "police.jetioguz"):
        client = client_as(username)
        assert client.get("/working-groups/new/").status_code == 403
        response = client.post("/working-groups/new/", {"unit": "", "name_ru": "Группа"})
        assert response.status_code == 403
    assert counts() == before


def test_a_municipality_has_one_working_group(client_as: ClientAs) -> None:
    before = counts()
    response = client_as("lcpc.jetioguz").post(
        "/working-groups/new/",
        {"unit": AdministrativeUnit.objects.get(code=JETI_OGUZ).pk, "name_ru": "Вторая группа"},
    )
    assert response.status_code == 400
    assert "unit" in response.context["form"].errors
    assert 'value="Вторая группа"' in response.content.decode()
    assert counts() == before


def test_the_administrator_creates_a_working_group_and_it_is_audited(client_as: ClientAs) -> None:
    unit = AdministrativeUnit.objects.get(code=AK_DEBE)
    groups, memberships, people, entries = counts()
    response = client_as("admin").post(
        "/working-groups/new/",
        {"unit": unit.pk, "name_ru": "Ак-Дөбө иштиктүү тобу", "established_on": "2024-03-01"},
    )
    created = WorkingGroup.objects.get(unit=unit)
    assert response.status_code == 302
    assert response["Location"] == f"/working-groups/{created.pk}/"
    assert created.established_on == dt.date(2024, 3, 1)
    assert counts() == (groups + 1, memberships, people, entries + 1)
    entry = AuditEntry.objects.get(model="workinggroup", object_id=str(created.pk))
    assert entry.action == AuditAction.CREATE and entry.actor_username == "admin"


def test_a_post_without_a_csrf_token_is_rejected(client_as: ClientAs) -> None:
    group = group_of(JETI_OGUZ)
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="lcpc.jetioguz"))
    before = counts()
    response = client.post(f"/working-groups/{group.pk}/edit/", edit_data(group, name_ru="Renamed"))
    assert response.status_code == 403
    response = client.post(f"/working-groups/{group.pk}/members/new/", new_member())
    assert response.status_code == 403
    assert counts() == before


# Members


def test_adding_a_new_person_as_member_creates_both_and_audits_both(client_as: ClientAs) -> None:
    group = group_of(JETI_OGUZ)
    groups, memberships, people, entries = counts()
    response = client_as("lcpc.jetioguz").post(
        f"/working-groups/{group.pk}/members/new/", new_member()
    )
    assert response.status_code == 302
    assert response["Location"] == f"/working-groups/{group.pk}/"
    membership = Membership.objects.get(working_group=group, person__full_name="Асанова Нургуль")
    assert membership.person.unit_id == group.unit_id
    assert membership.member_type == MemberType.CIVIL_SOCIETY
    assert counts() == (groups, memberships + 1, people + 1, entries + 2)
    audited = set(
        AuditEntry.objects.filter(actor_username="lcpc.jetioguz").values_list("model", flat=True)
    )
    assert {"person", "membership"} <= audited


def test_an_existing_person_of_the_municipality_can_be_added(client_as: ClientAs) -> None:
    group = group_of(JETI_OGUZ)
    person = Person.objects.create(full_name="Осмонов Улан", unit=group.unit)
    groups, memberships, people, entries = counts()
    response = client_as("localgov.jetioguz").post(
        f"/working-groups/{group.pk}/members/new/",
        new_member(person=person.pk, full_name=""),
    )
    assert response.status_code == 302
    assert counts() == (groups, memberships + 1, people, entries + 1)


def test_a_person_of_another_municipality_cannot_be_added(client_as: ClientAs) -> None:
    group = group_of(JETI_OGUZ)
    stranger = Person.objects.filter(unit__code=KARAKOL).first()
    assert stranger is not None
    before = counts()
    response = client_as("admin").post(
        f"/working-groups/{group.pk}/members/new/",
        new_member(person=stranger.pk, full_name=""),
    )
    assert response.status_code == 400
    assert counts() == before


def test_a_bad_member_form_answers_400_keeps_what_was_typed_and_writes_nothing(
    client_as: ClientAs,
) -> None:
    group = group_of(JETI_OGUZ)
    before = counts()
    response = client_as("lcpc.jetioguz").post(
        f"/working-groups/{group.pk}/members/new/",
        new_member(full_name="", member_type="", phone="+996 700 999888"),
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "member_type" in form.errors
    assert form.non_field_errors()
    assert 'value="+996 700 999888"' in response.content.decode()
    assert counts() == before


def test_an_end_date_before_the_start_is_refused_and_writes_nothing(client_as: ClientAs) -> None:
    group = group_of(JETI_OGUZ)
    before = counts()
    response = client_as("lcpc.jetioguz").post(
        f"/working-groups/{group.pk}/members/new/",
        new_member(valid_from="2024-05-01", valid_to="2024-01-01"),
    )
    assert response.status_code == 400
    assert counts() == before


@pytest.mark.parametrize(
    "username", ["police.jetioguz", "civil.jetioguz", "registrar.jetioguz", "coordinator"]
)
def test_members_are_added_only_by_those_who_may_edit(client_as: ClientAs, username: str) -> None:
    group = group_of(JETI_OGUZ)
    before = counts()
    client = client_as(username)
    assert client.get(f"/working-groups/{group.pk}/members/new/").status_code == 403
    assert client.post(f"/working-groups/{group.pk}/members/new/", new_member()).status_code == 403
    assert counts() == before


def test_a_user_of_another_municipality_gets_404_on_adding_a_member(
    karakol_outsider: Client,
) -> None:
    group = group_of(JETI_OGUZ)
    before = counts()
    assert karakol_outsider.get(f"/working-groups/{group.pk}/members/new/").status_code == 404
    response = karakol_outsider.post(f"/working-groups/{group.pk}/members/new/", new_member())
    assert response.status_code == 404
    assert counts() == before


def test_the_member_form_offers_only_people_and_organisations_of_the_municipality(
    client_as: ClientAs,
) -> None:
    group = group_of(JETI_OGUZ)
    form = (
        client_as("lcpc.jetioguz").get(f"/working-groups/{group.pk}/members/new/").context["form"]
    )
    assert set(form.fields["organisation"].queryset.values_list("unit__code", flat=True)) == {
        JETI_OGUZ
    }
    assert not form.fields["person"].queryset.exclude(unit__code=JETI_OGUZ).exists()
    assert not Organisation.objects.filter(
        pk__in=form.fields["organisation"].queryset, unit__code=KARAKOL
    ).exists()


def test_the_member_form_offers_organisations_of_the_municipality_and_above_it(
    client_as: ClientAs,
) -> None:
    group = group_of(JETI_OGUZ)
    form = client_as("admin").get(f"/working-groups/{group.pk}/members/new/").context["form"]
    offered = set(form.fields["organisation"].queryset.values_list("unit__code", flat=True))
    assert offered == {JETI_OGUZ, COUNTRY}  # the ministry, the partner and the donor


def test_an_organisation_of_another_municipality_is_refused_and_writes_nothing(
    client_as: ClientAs,
) -> None:
    group = group_of(JETI_OGUZ)
    karakol_school = Organisation.objects.get(unit__code=KARAKOL, kind="school")
    before = counts()
    response = client_as("admin").post(
        f"/working-groups/{group.pk}/members/new/", new_member(organisation=karakol_school.pk)
    )
    assert response.status_code == 400
    assert "organisation" in response.context["form"].errors
    assert counts() == before


def test_a_new_member_may_work_for_a_national_organisation(client_as: ClientAs) -> None:
    group = group_of(JETI_OGUZ)
    ministry = Organisation.objects.get(unit__code=COUNTRY, kind="ministry")
    response = client_as("admin").post(
        f"/working-groups/{group.pk}/members/new/", new_member(organisation=ministry.pk)
    )
    assert response.status_code == 302
    person = Person.objects.get(full_name="Асанова Нургуль")
    assert person.organisation == ministry
