"""Scope and permissions: the one mechanism every page, API call and export goes through."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from kenesh.accounts.models import User
from kenesh.accounts.services import role_assign
from kenesh.core.masking import mask, masked_value, may_see_restricted
from kenesh.core.permissions import PERMISSIONS, Action, Resource, Role, role_allows
from kenesh.core.scope import allowed, get_for_user, grants_of
from kenesh.geo.models import AdministrativeUnit, Level
from kenesh.orgs.models import Organisation, WorkingGroup

JETI_OGUZ = "41702210830000"
KARAKOL = "41702410000010"
ISSYK_KUL = "41702000000000"

pytestmark = pytest.mark.django_db


def user(username: str) -> User:
    return User.objects.get(username=username)


def test_write_and_approve_imply_read_and_read_implies_aggregates() -> None:
    for resource, cells in PERMISSIONS.items():
        for role, actions in cells.items():
            if Action.WRITE in actions or Action.APPROVE in actions:
                assert Action.READ in actions, (resource, role)
            if Action.READ in actions:
                assert Action.AGGREGATE in actions, (resource, role)


def test_the_role_table_matches_the_specification_on_sensitive_cells() -> None:
    # Cells transcribed from shared/spec/PRODUCT.md, where a mistake would leak data.
    assert role_allows(Role.POLICE_OFFICER, Action.RESTRICTED, Resource.INCIDENTS)
    assert not role_allows(Role.LCPC_COORDINATOR, Action.RESTRICTED, Resource.INCIDENTS)
    assert not role_allows(Role.PROGRAMME_COORDINATOR, Action.READ, Resource.INCIDENTS)
    assert role_allows(Role.PROGRAMME_COORDINATOR, Action.AGGREGATE, Resource.INCIDENTS)
    assert role_allows(Role.LIVESTOCK_REGISTRAR, Action.RESTRICTED, Resource.LIVESTOCK)
    assert not role_allows(Role.ADMINISTRATOR, Action.READ, Resource.ROAD_VIOLATIONS)
    only_police = {
        role for role in Role.values if role_allows(role, Action.READ, Resource.ROAD_VIOLATIONS)
    }
    assert only_police == {Role.POLICE_OFFICER}
    writers = {
        role for role in Role.values if role_allows(role, Action.WRITE, Resource.ORGANISATIONS)
    }
    assert writers == {Role.ADMINISTRATOR, Role.LCPC_COORDINATOR, Role.LOCAL_GOVERNMENT}
    approvers = {
        role for role in Role.values if role_allows(role, Action.APPROVE, Resource.PRIORITIES)
    }
    assert approvers == {Role.LCPC_COORDINATOR, Role.LOCAL_GOVERNMENT}
    assert {r for r in Role.values if role_allows(r, Action.READ, Resource.ACCOUNTS)} == {
        Role.ADMINISTRATOR
    }


def test_a_municipal_user_sees_only_the_organisations_of_their_municipality() -> None:
    visible = Organisation.objects.visible_to(user("lcpc.jetioguz"))
    assert visible.exists()
    assert set(visible.values_list("unit__code", flat=True)) == {JETI_OGUZ}


def test_a_country_assignment_covers_every_municipality() -> None:
    visible = WorkingGroup.objects.visible_to(user("coordinator"))
    assert visible.count() == WorkingGroup.objects.count() == 10


def test_an_oblast_assignment_covers_the_municipalities_below_it_and_no_others() -> None:
    officer = User.objects.create_user("oblast.officer", is_demo=True)
    role_assign(
        actor=None,
        user=officer,
        role=Role.PROGRAMME_COORDINATOR,
        unit=AdministrativeUnit.objects.get(code=ISSYK_KUL),
    )
    codes = set(WorkingGroup.objects.visible_to(officer).values_list("unit__code", flat=True))
    assert codes == {JETI_OGUZ, KARAKOL}
    expected = {
        code
        for code in WorkingGroup.objects.values_list("unit__code", flat=True)
        if code.startswith("41702")
    }
    assert codes == expected


def test_units_above_ones_own_are_visible_but_siblings_are_not() -> None:
    units = AdministrativeUnit.objects.visible_to(user("lcpc.jetioguz"))
    codes = set(units.values_list("code", flat=True))
    assert {"41700000000000", ISSYK_KUL, "41702210000000", JETI_OGUZ} <= codes
    assert KARAKOL not in codes
    below = set(
        AdministrativeUnit.objects.get(code=JETI_OGUZ).descendants().values_list("code", flat=True)
    )
    assert below and below <= codes
    assert set(units.filter(level=Level.MUNICIPALITY).values_list("code", flat=True)) == {JETI_OGUZ}


def test_an_object_outside_scope_is_not_found_and_one_without_permission_is_forbidden() -> None:
    karakol_lcpc = Organisation.objects.filter(unit__code=KARAKOL).first()
    jeti_oguz_lcpc = Organisation.objects.filter(unit__code=JETI_OGUZ).first()
    assert karakol_lcpc is not None and jeti_oguz_lcpc is not None
    with pytest.raises(Http404):
        get_for_user(Organisation.objects.all(), user("lcpc.jetioguz"), pk=karakol_lcpc.pk)
    with pytest.raises(PermissionDenied):
        get_for_user(
            Organisation.objects.all(), user("police.jetioguz"), Action.WRITE, pk=jeti_oguz_lcpc.pk
        )
    found = get_for_user(
        Organisation.objects.all(), user("lcpc.jetioguz"), Action.WRITE, pk=jeti_oguz_lcpc.pk
    )
    assert found == jeti_oguz_lcpc


def test_garbage_lookups_are_not_found_rather_than_errors() -> None:
    with pytest.raises(Http404):
        get_for_user(Organisation.objects.all(), user("admin"), pk="not-a-number")


def test_a_role_counts_only_where_it_is_held() -> None:
    mixed = User.objects.create_user("mixed", is_demo=True)
    role_assign(
        actor=None,
        user=mixed,
        role=Role.POLICE_OFFICER,
        unit=AdministrativeUnit.objects.get(code=KARAKOL),
    )
    role_assign(
        actor=None,
        user=mixed,
        role=Role.LCPC_COORDINATOR,
        unit=AdministrativeUnit.objects.get(code=JETI_OGUZ),
    )
    jeti_oguz = AdministrativeUnit.objects.get(code=JETI_OGUZ)
    karakol = AdministrativeUnit.objects.get(code=KARAKOL)
    assert allowed(mixed, Action.WRITE, Resource.ORGANISATIONS, jeti_oguz.path)
    assert not allowed(mixed, Action.WRITE, Resource.ORGANISATIONS, karakol.path)
    assert allowed(mixed, Action.READ, Resource.ORGANISATIONS, karakol.path)
    writable = Organisation.objects.where_allowed(mixed, Action.WRITE, Resource.ORGANISATIONS)
    assert set(writable.values_list("unit__code", flat=True)) == {JETI_OGUZ}


def test_inactive_and_anonymous_users_have_no_scope() -> None:
    from django.contrib.auth.models import AnonymousUser

    inactive = user("lcpc.jetioguz")
    inactive.is_active = False
    assert grants_of(inactive) == ()
    assert not Organisation.objects.visible_to(AnonymousUser()).exists()
    assert not Organisation.objects.visible_to(None).exists()


@dataclass
class RestrictedRecord:
    """A stand-in for a record with restricted fields (incidents come with the next issue)."""

    unit: AdministrativeUnit
    narrative: str
    reporter: str
    status: str
    scope_resource = "incidents"
    scope_lookup = "unit"
    restricted_fields = ("narrative", "reporter")


def test_restricted_fields_are_masked_for_everyone_but_police_in_scope() -> None:
    record = RestrictedRecord(
        AdministrativeUnit.objects.get(code=JETI_OGUZ), "what happened", "Асанов", "registered"
    )
    data = {"narrative": record.narrative, "reporter": record.reporter, "status": record.status}
    police = user("police.jetioguz")
    assert may_see_restricted(police, record)  # type: ignore[arg-type]
    assert mask(police, record, data) == data  # type: ignore[arg-type]
    for outsider in ("lcpc.jetioguz", "coordinator", "admin", "police.karakol", "civil.jetioguz"):
        masked = mask(user(outsider), record, data)  # type: ignore[arg-type]
        assert masked == {"narrative": None, "reporter": None, "status": "registered"}, outsider
        assert masked_value(user(outsider), record, "narrative") is None  # type: ignore[arg-type]
        assert masked_value(user(outsider), record, "status") == "registered"  # type: ignore[arg-type]


def test_templates_show_a_mask_instead_of_a_restricted_value() -> None:
    from django.template import Context, Template
    from django.test import RequestFactory
    from django.utils import translation

    record = RestrictedRecord(
        AdministrativeUnit.objects.get(code=JETI_OGUZ), "what happened", "Асанов", "registered"
    )
    page = Template(
        '{% load masking %}{% masked record "narrative" %}|{% masked record "status" %}'
    )
    request = RequestFactory().get("/")
    with translation.override("en"):
        request.user = user("police.jetioguz")
        assert (
            page.render(Context({"record": record, "request": request}))
            == "what happened|registered"
        )
        request.user = user("lcpc.jetioguz")
        assert (
            page.render(Context({"record": record, "request": request})) == "restricted|registered"
        )


def test_the_public_level_covers_the_whole_country_for_anyone_where_the_column_allows() -> None:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.core.permissions import public_allows

    every_unit = AdministrativeUnit.objects.count()
    # Geography is readable by the public; organisations are not published at all.
    assert public_allows(Action.READ, Resource.GEOGRAPHY)
    assert AdministrativeUnit.objects.published(Action.READ).count() == every_unit
    assert not public_allows(Action.AGGREGATE, Resource.ORGANISATIONS)
    assert not Organisation.objects.published().exists()
    # The same for an anonymous visitor and for a municipal user beyond their own unit.
    karakol_lcpc = User.objects.get(username="lcpc.karakol")
    beyond = AdministrativeUnit.objects.exclude(
        pk__in=AdministrativeUnit.objects.in_scope(karakol_lcpc)
    )
    assert beyond.exists()
    assert set(beyond.published(Action.READ)) == set(beyond)
    assert not Organisation.objects.in_scope(AnonymousUser()).exists()
