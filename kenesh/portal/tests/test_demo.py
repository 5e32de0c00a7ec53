"""The demo programme: complete, idempotent, and never loaded into real data."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from kenesh.accounts.models import RoleAssignment, User
from kenesh.core.models import AuditEntry
from kenesh.geo.models import AdministrativeUnit, LivestockCount, PopulationCount
from kenesh.orgs.models import Membership, Organisation, OrganisationKind, WorkingGroup
from kenesh.portal.demo import DEMO_USERS, demo_load

pytestmark = pytest.mark.django_db


def test_ten_pilot_municipalities_in_several_oblasts_each_with_a_working_group() -> None:
    groups = WorkingGroup.objects.select_related("unit")
    assert groups.count() == 10
    oblasts = {group.unit.path.split("/")[2] for group in groups}
    assert len(oblasts) >= 4
    for group in groups:
        kinds = set(Organisation.objects.filter(unit=group.unit).values_list("kind", flat=True))
        assert {
            OrganisationKind.POLICE_STATION,
            OrganisationKind.LCPC,
            OrganisationKind.LOCAL_GOVERNMENT,
        } <= kinds
        assert group.memberships.count() >= 5
        assert PopulationCount.objects.filter(unit=group.unit).count() == 3
        assert LivestockCount.objects.filter(unit=group.unit).count() == 15
    assert Organisation.objects.filter(kind=OrganisationKind.DONOR).exists()
    assert Organisation.objects.filter(kind=OrganisationKind.INTERNATIONAL_PARTNER).exists()


def test_every_demo_account_exists_with_its_role() -> None:
    for username, role, code, _first, _last in DEMO_USERS:
        user = User.objects.get(username=username)
        assert user.is_demo and user.check_password("kenesh-demo")
        assert RoleAssignment.objects.filter(user=user, role=role, unit__code=code).exists()


def test_loading_the_demo_twice_changes_nothing() -> None:
    models = [
        AdministrativeUnit,
        Organisation,
        WorkingGroup,
        Membership,
        User,
        RoleAssignment,
        AuditEntry,
    ]
    before = [model.objects.count() for model in models]  # type: ignore[attr-defined]
    demo_load()
    assert [model.objects.count() for model in models] == before  # type: ignore[attr-defined]


def test_the_demo_refuses_a_database_with_real_users() -> None:
    User.objects.create_user("real.person", password="x-long-password-1")
    before = Organisation.objects.count()
    with pytest.raises(CommandError, match="not demo accounts"):
        call_command("demo", "--no-serve", stdout=io.StringIO())
    assert Organisation.objects.count() == before


def test_the_demo_command_prints_the_accounts_and_password() -> None:
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    text = out.getvalue()
    assert "kenesh-demo" in text
    for username, *_rest in DEMO_USERS:
        assert username in text
