"""Rules a working group keeps whatever the entry point: its LCPC and its members are local."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from kenesh.core.models import AuditEntry
from kenesh.orgs.models import (
    Membership,
    MemberType,
    Organisation,
    OrganisationKind,
    Person,
    WorkingGroup,
)
from kenesh.orgs.services import membership_create, working_group_update

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


def test_the_lcpc_of_a_group_must_be_a_crime_prevention_centre() -> None:
    group = WorkingGroup.objects.get(unit__code="41702210830000")
    school = Organisation.objects.get(unit=group.unit, kind=OrganisationKind.SCHOOL)
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        working_group_update(actor=None, working_group=group, data={"lcpc": school})
    assert "lcpc" in caught.value.message_dict
    assert WorkingGroup.objects.get(pk=group.pk).lcpc_id != school.pk
    assert AuditEntry.objects.count() == before


def test_a_person_of_another_municipality_cannot_join_the_group() -> None:
    group = WorkingGroup.objects.get(unit__code="41702210830000")
    outsider = Person.objects.filter(unit__code="41702410000010").first()
    assert outsider is not None
    before = (Membership.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError) as caught:
        membership_create(
            actor=None,
            working_group=group,
            person=outsider,
            data={"member_type": MemberType.OTHER},
        )
    assert "person" in caught.value.message_dict
    assert (Membership.objects.count(), AuditEntry.objects.count()) == before


def test_each_group_has_names_in_three_languages() -> None:
    from django.utils import translation

    group = WorkingGroup.objects.get(unit__code="41702210830000")
    for language, value in (("ky", group.name_ky), ("ru", group.name_ru), ("en", group.name_en)):
        assert value
        with translation.override(language):
            assert group.name == value


def test_a_patch_with_an_unknown_field_is_refused_not_ignored(client_as: ClientAs) -> None:
    group = WorkingGroup.objects.get(unit__code="41702210830000")
    response = client_as("lcpc.jetioguz").patch(
        f"/api/v1/working-groups/{group.pk}",
        data={"unit": "41702410000010"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][-1] == "unit"
    assert WorkingGroup.objects.get(pk=group.pk).unit.code == "41702210830000"


def test_a_person_cannot_work_for_an_organisation_of_another_municipality() -> None:
    from kenesh.orgs.services import person_create

    karakol_unit = WorkingGroup.objects.get(unit__code="41702410000010").unit
    jeti_oguz_school = Organisation.objects.get(
        unit__code="41702210830000", kind=OrganisationKind.SCHOOL
    )
    before = (Person.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError) as caught:
        person_create(
            actor=None,
            data={
                "full_name": "Касымов Улан",
                "unit": karakol_unit,
                "organisation": jeti_oguz_school,
            },
        )
    assert "organisation" in caught.value.message_dict
    assert (Person.objects.count(), AuditEntry.objects.count()) == before
    ministry = Organisation.objects.get(kind=OrganisationKind.MINISTRY)  # national: covers all
    person = person_create(
        actor=None,
        data={"full_name": "Касымов Улан", "unit": karakol_unit, "organisation": ministry},
    )
    assert person.organisation == ministry


def test_a_groups_crime_prevention_centre_keeps_its_kind() -> None:
    from kenesh.orgs.services import organisation_update

    group = WorkingGroup.objects.select_related("lcpc").get(unit__code="41702210830000")
    assert group.lcpc is not None
    with pytest.raises(ValidationError) as caught:
        organisation_update(
            actor=None, organisation=group.lcpc, data={"kind": OrganisationKind.NGO}
        )
    assert "kind" in caught.value.message_dict
    assert Organisation.objects.get(pk=group.lcpc.pk).kind == OrganisationKind.LCPC


def test_the_same_person_cannot_be_a_member_twice_for_overlapping_dates() -> None:
    import datetime as dt

    group = WorkingGroup.objects.get(unit__code="41702210830000")
    member = group.memberships.select_related("person").first()
    assert member is not None
    before = Membership.objects.count()
    with pytest.raises(ValidationError):
        membership_create(
            actor=None,
            working_group=group,
            person=member.person,
            data={"member_type": MemberType.OTHER},
        )
    assert Membership.objects.count() == before
    # After the first membership ends, the person may join again.
    member.valid_to = dt.date(2020, 12, 31)
    member.save()
    again = membership_create(
        actor=None,
        working_group=group,
        person=member.person,
        data={"member_type": MemberType.OTHER, "valid_from": dt.date(2021, 1, 1)},
    )
    assert again.pk is not None


def test_administrators_are_assigned_only_at_the_country() -> None:
    from kenesh.accounts.models import RoleAssignment, User
    from kenesh.accounts.services import role_assign
    from kenesh.core.permissions import Role
    from kenesh.geo.models import AdministrativeUnit

    user = User.objects.create_user("would.be.admin", is_demo=True)
    with pytest.raises(ValidationError):
        role_assign(
            actor=None,
            user=user,
            role=Role.ADMINISTRATOR,
            unit=AdministrativeUnit.objects.get(code="41702210830000"),
        )
    assert not RoleAssignment.objects.filter(user=user).exists()
    country = AdministrativeUnit.objects.get(code="41700000000000")
    assert role_assign(actor=None, user=user, role=Role.ADMINISTRATOR, unit=country).pk
