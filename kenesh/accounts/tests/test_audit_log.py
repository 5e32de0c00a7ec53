"""The audit log records every change made through services and cannot be changed itself."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from kenesh.accounts.models import User
from kenesh.core.models import AppendOnlyError, AuditAction, AuditEntry
from kenesh.geo.models import AdministrativeUnit
from kenesh.orgs.models import Organisation, OrganisationKind
from kenesh.orgs.services import organisation_create, organisation_update

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


def _organisation(actor: User) -> Organisation:
    return organisation_create(
        actor=actor,
        data={
            "kind": OrganisationKind.NGO,
            "unit": AdministrativeUnit.objects.get(code="41702210830000"),
            "name_ru": "Женский совет Джети-Огуза",
        },
    )


def test_a_create_records_who_what_and_the_new_values() -> None:
    actor = User.objects.get(username="lcpc.jetioguz")
    organisation = _organisation(actor)
    entry = AuditEntry.objects.get(model="organisation", object_id=str(organisation.pk))
    assert entry.action == AuditAction.CREATE
    assert entry.actor == actor and entry.actor_username == "lcpc.jetioguz"
    assert entry.changes["name_ru"] == [None, "Женский совет Джети-Огуза"]
    assert entry.unit_path == organisation.unit.path


def test_an_update_records_only_the_changed_fields_before_and_after() -> None:
    actor = User.objects.get(username="lcpc.jetioguz")
    organisation = _organisation(actor)
    organisation_update(
        actor=actor, organisation=organisation, data={"phone": "+996 555 000111", "kind": "ngo"}
    )
    entry = AuditEntry.objects.filter(action=AuditAction.UPDATE).latest("id")
    assert entry.changes == {"phone": ["", "+996 555 000111"]}


def test_an_update_that_changes_nothing_writes_no_entry() -> None:
    actor = User.objects.get(username="lcpc.jetioguz")
    organisation = _organisation(actor)
    before = AuditEntry.objects.count()
    organisation_update(actor=actor, organisation=organisation, data={"kind": "ngo"})
    assert AuditEntry.objects.count() == before


def test_a_rejected_write_leaves_neither_object_nor_entry() -> None:
    from django.core.exceptions import ValidationError

    counts = (Organisation.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError):
        organisation_create(
            actor=None,
            data={
                "kind": "ngo",
                "unit": AdministrativeUnit.objects.get(code="41702210830000"),
                "name_ru": "x",
                "email": "not an email",
            },
        )
    assert (Organisation.objects.count(), AuditEntry.objects.count()) == counts


def test_entries_cannot_be_changed_or_deleted() -> None:
    entry = AuditEntry.objects.first()
    assert entry is not None
    entry.object_repr = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().update(object_repr="tampered")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert not AuditEntry.objects.filter(object_repr="tampered").exists()


def test_the_audit_page_names_objects_and_fields_in_the_readers_language(
    client_as: ClientAs,
) -> None:
    actor = User.objects.get(username="lcpc.jetioguz")
    organisation = _organisation(actor)
    organisation_update(actor=actor, organisation=organisation, data={"phone": "+996 555 000111"})
    page = client_as("admin").get(
        "/audit/", {"model": "organisation", "action": "update"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "Organisation #" in text and "Phone" in text and "+996 555 000111" in text
    assert '<option value="organisation" selected>' in text
