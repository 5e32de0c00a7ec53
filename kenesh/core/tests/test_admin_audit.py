"""Changes made in the Django admin land in the audit log like any other."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from kenesh.accounts.models import RoleAssignment, User
from kenesh.core.models import AuditAction, AuditEntry
from kenesh.geo.models import AdministrativeUnit
from kenesh.orgs.models import Organisation

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


def test_an_organisation_changed_in_the_admin_is_audited(client_as: ClientAs) -> None:
    admin: Client = client_as("admin")
    organisation = Organisation.objects.filter(unit__code="41702210830000").first()
    assert organisation is not None
    response = admin.post(
        f"/admin/orgs/organisation/{organisation.pk}/change/",
        {
            "kind": organisation.kind,
            "unit": organisation.unit_id,
            "name_ky": organisation.name_ky,
            "name_ru": organisation.name_ru,
            "name_en": organisation.name_en,
            "address": "Жети-Огуз, ул. Ленина 1",
            "phone": organisation.phone,
            "email": "",
            "website": "",
        },
    )
    assert response.status_code == 302, response.content[:500]
    entry = AuditEntry.objects.filter(model="organisation", object_id=str(organisation.pk)).latest(
        "id"
    )
    assert entry.action == AuditAction.UPDATE and entry.actor_username == "admin"
    assert entry.changes == {"address": ["", "Жети-Огуз, ул. Ленина 1"]}


def test_a_role_given_in_the_admin_user_page_is_audited(client_as: ClientAs) -> None:
    admin: Client = client_as("admin")
    user = User.objects.get(username="civil.jetioguz")
    karakol = AdministrativeUnit.objects.get(code="41702410000010")
    existing = list(user.role_assignments.all())
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": "",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "role_assignments-TOTAL_FORMS": str(len(existing) + 1),
        "role_assignments-INITIAL_FORMS": str(len(existing)),
        "role_assignments-MIN_NUM_FORMS": "0",
        "role_assignments-MAX_NUM_FORMS": "1000",
    }
    for i, assignment in enumerate(existing):
        data.update(
            {
                f"role_assignments-{i}-id": str(assignment.pk),
                f"role_assignments-{i}-user": str(user.pk),
                f"role_assignments-{i}-role": assignment.role,
                f"role_assignments-{i}-unit": str(assignment.unit_id),
            }
        )
    n = len(existing)
    data.update(
        {
            f"role_assignments-{n}-user": str(user.pk),
            f"role_assignments-{n}-role": "civil",
            f"role_assignments-{n}-unit": str(karakol.pk),
        }
    )
    response = admin.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.content[:2000]
    assignment = RoleAssignment.objects.get(user=user, unit=karakol)
    entry = AuditEntry.objects.get(model="roleassignment", object_id=str(assignment.pk))
    assert entry.action == AuditAction.CREATE and entry.actor_username == "admin"


def test_a_deletion_in_the_admin_audits_every_row_it_cascades_to(client_as: ClientAs) -> None:
    from kenesh.orgs.models import Membership, WorkingGroup

    admin: Client = client_as("admin")
    group = WorkingGroup.objects.get(unit__code="41702410000010")
    member_ids = {str(pk) for pk in group.memberships.values_list("pk", flat=True)}
    assert member_ids
    response = admin.post(f"/admin/orgs/workinggroup/{group.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk__in=member_ids).exists()
    deleted = set(
        AuditEntry.objects.filter(action=AuditAction.DELETE, model="membership").values_list(
            "object_id", flat=True
        )
    )
    assert member_ids <= deleted
    assert AuditEntry.objects.filter(
        action=AuditAction.DELETE, model="workinggroup", object_id=str(group.pk)
    ).exists()


def test_deleting_a_user_leaves_their_audit_entries_untouched(client_as: ClientAs) -> None:
    admin: Client = client_as("admin")
    user = User.objects.get(username="civil.jetioguz")
    role_assignment = user.role_assignments.get()
    from kenesh.core.audit import audit_update, snapshot

    organisation = Organisation.objects.filter(unit__code="41702210830000").first()
    assert organisation is not None
    before = snapshot(organisation)
    organisation.address = "Жети-Өгүз"
    organisation.save()
    audit_update(user, organisation, before)
    entries = list(AuditEntry.objects.filter(actor=user).values_list("pk", "actor_id"))
    assert entries
    response = admin.post(f"/admin/accounts/user/{user.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(
        action=AuditAction.DELETE, model="roleassignment", object_id=str(role_assignment.pk)
    ).exists()
    assert (
        list(
            AuditEntry.objects.filter(pk__in=[pk for pk, _ in entries]).values_list(
                "pk", "actor_id"
            )
        )
        == entries
    )


def test_only_administrators_get_into_the_django_admin(client_as: ClientAs) -> None:
    assert client_as("admin").get("/admin/").status_code == 200
    staff = User.objects.get(username="lcpc.jetioguz")
    staff.is_staff = True
    staff.save()
    response = client_as("lcpc.jetioguz").get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    page = client_as("lcpc.jetioguz").get("/")
    assert "/admin/" not in page.content.decode()
