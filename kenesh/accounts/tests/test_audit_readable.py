"""The audit page reads like the objects it names: a foreign key shows whom or what it points to
(a user by name and username, a unit by its name), never a bare id; every field label and
choice is in the reader's language; restricted values say they are hidden. The objects are read
with one query per model, however many entries the page holds."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kenesh.accounts.models import RoleAssignment, User
from kenesh.accounts.selectors import AuditChange, audit_rows, user_label
from kenesh.core.audit import audit_create
from kenesh.core.models import AuditAction, AuditEntry
from kenesh.core.permissions import Role
from kenesh.geo.models import AdministrativeUnit
from kenesh.incidents.models import IccsCategory, Incident

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
JETI_OGUZ = "41702210830000"


def gettext_in(language: str, message: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


@pytest.fixture
def assignment() -> RoleAssignment:
    """A police role for the Karakol LCPC coordinator at Jeti-Oguz, created by the
    administrator (the demo has no such assignment)."""
    user = User.objects.get(username="lcpc.karakol")
    created = RoleAssignment.objects.create(
        user=user,
        role=Role.POLICE_OFFICER,
        unit=AdministrativeUnit.objects.get(code=JETI_OGUZ),
    )
    audit_create(User.objects.get(username="admin"), created)
    return created


def audit_page(client: Client, language: str, **filters: str) -> tuple[str, list[AuditChange]]:
    response = client.get("/audit/", filters, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    rows = response.context["audit_rows"]
    assert len(rows) == 1
    return response.content.decode(), rows[0].changes


def test_a_role_assignment_names_its_user_and_unit_instead_of_their_ids(
    client_as: ClientAs, assignment: RoleAssignment
) -> None:
    user = assignment.user
    assert user.get_full_name(), "demo users have names"
    page, changes = audit_page(
        client_as("admin"), "ru", model="roleassignment", object_id=str(assignment.pk)
    )
    by_label = {change.label: change for change in changes}

    user_field = gettext_in("ru", "user")  # the model's name: the field declares none
    assert user_field == "пользователь"
    assert by_label[user_field] == AuditChange(
        user_field, None, f"{user.get_full_name()} (lcpc.karakol)"
    )
    assert "User</span>" not in page and "user</span>" not in page
    assert f"Пользователь</span>: ∅ → {user.get_full_name()} (lcpc.karakol)" in page
    assert f"∅ → {user.pk}</div>" not in page

    unit_field = gettext_in("ru", "unit")
    assert str(by_label[unit_field].after) == assignment.unit.name_ru
    # Who made the change: by name and username too.
    admin = User.objects.get(username="admin")
    assert admin.get_full_name()
    assert f"<td>{admin.get_full_name()} (admin)</td>" in page


def test_a_choice_shows_its_label_in_the_readers_language(
    client_as: ClientAs, assignment: RoleAssignment
) -> None:
    for language in ("ru", "en"):
        page, changes = audit_page(
            client_as("admin"), language, model="roleassignment", object_id=str(assignment.pk)
        )
        role = {change.label: change for change in changes}[gettext_in(language, "role")]
        assert str(role.after) == gettext_in(language, "Police officer")
    assert "→ police</div>" not in page


def test_a_key_to_another_field_a_deleted_object_and_a_restricted_value_read_well(
    client_as: ClientAs,
) -> None:
    """An incident's ICCS category is keyed by its code, not its id; a unit deleted since keeps
    its id; the narrative, restricted, says it is hidden and not its fingerprint."""
    before, after = IccsCategory.objects.order_by("code")[:2]
    AuditEntry.objects.create(
        action=AuditAction.UPDATE,
        app_label="incidents",
        model="incident",
        object_id="1",
        object_repr="incident",
        changes={
            "iccs_id": [before.code, after.code],
            "settlement_id": [987654, None],
            "narrative": ["restricted:0123456789abcdef", "restricted:fedcba9876543210"],
        },
    )
    page, changes = audit_page(client_as("admin"), "en", model="incident", object_id="1")
    with translation.override("en"):
        labels = {
            field.name: str(field.verbose_name)
            for field in Incident._meta.concrete_fields
            if field.name in ("iccs", "settlement", "narrative")
        }
    by_label = {change.label: change for change in changes}
    assert by_label[labels["iccs"]].before == str(before)
    assert by_label[labels["iccs"]].after == str(after)
    assert by_label[labels["settlement"]] == AuditChange(labels["settlement"], "#987654", None)
    narrative = by_label[labels["narrative"]]
    assert str(narrative.before) == str(narrative.after) == "hidden (restricted)"
    assert "restricted:" not in page


def test_the_objects_named_are_read_with_one_query_per_model_whatever_the_page_holds() -> None:
    users = list(User.objects.order_by("pk"))
    units = list(AdministrativeUnit.objects.order_by("pk")[:12])
    for i in range(12):
        AuditEntry.objects.create(
            actor=users[i % len(users)],
            actor_username=users[i % len(users)].username,
            action=AuditAction.CREATE,
            app_label="accounts",
            model="roleassignment",
            object_id=f"9000{i}",
            object_repr="assignment",
            changes={
                "user_id": [None, users[(i + 1) % len(users)].pk],
                "unit_id": [None, units[i].pk],
                "role": [None, "police"],
            },
        )
    entries = list(AuditEntry.objects.filter(object_id__startswith="9000"))

    def queries(count: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            rows = audit_rows(entries[:count])
        assert all(isinstance(row.changes[1].after, str) for row in rows)
        return len(captured.captured_queries)

    assert queries(2) == queries(12) == 2  # the users (actors among them) and the units
    rows = audit_rows(entries)
    assert {row.actor for row in rows} <= {user_label(user) for user in users}


def test_a_user_without_a_name_is_shown_by_username() -> None:
    user = User(username="nameless")
    assert user_label(user) == "nameless"
    named = User(username="asel", first_name="Асель", last_name="Токтогулова")
    assert user_label(named) == "Асель Токтогулова (asel)"
