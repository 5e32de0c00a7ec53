"""On PostgreSQL the audit log is append-only in the database itself: a trigger refuses every
UPDATE and DELETE of its table, from the ORM or from raw SQL (migration core.0006)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, models, transaction

from kenesh.accounts.tests.factories import UserFactory
from kenesh.core.audit import audit_create
from kenesh.core.models import AppendOnlyError, AuditEntry
from kenesh.geo.models import AdministrativeUnit

pytestmark = pytest.mark.django_db

only_on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the append-only trigger exists on PostgreSQL only (SQLite relies on the model's "
    "refusal); this test runs in the PostgreSQL pass",
)


@pytest.fixture
def entry() -> AuditEntry:
    actor = UserFactory.create()
    return audit_create(actor, AdministrativeUnit.objects.first())  # type: ignore[arg-type]


def unguarded() -> models.QuerySet[AuditEntry]:
    """The ORM without the model's own refusal: what code that bypasses it would run."""
    return models.QuerySet(AuditEntry)


def assert_unchanged(entry: AuditEntry) -> None:
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.object_repr, stored.action, stored.at) == (
        entry.object_repr,
        entry.action,
        entry.at,
    )


@only_on_postgresql
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE accounts_auditentry SET object_repr = 'rewritten' WHERE id = %s",
        "DELETE FROM accounts_auditentry WHERE id = %s",
    ],
    ids=["update", "delete"],
)
def test_raw_sql_cannot_change_or_delete_an_audit_entry(entry: AuditEntry, statement: str) -> None:
    with (
        pytest.raises(DatabaseError, match="audit log is append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [entry.pk])

    assert_unchanged(entry)


@only_on_postgresql
def test_the_orm_without_the_models_guard_cannot_change_an_audit_entry(entry: AuditEntry) -> None:
    with pytest.raises(DatabaseError, match="UPDATE of accounts_auditentry"), transaction.atomic():
        unguarded().filter(pk=entry.pk).update(object_repr="rewritten")

    assert_unchanged(entry)


@only_on_postgresql
def test_the_orm_without_the_models_guard_cannot_delete_an_audit_entry(entry: AuditEntry) -> None:
    with pytest.raises(DatabaseError, match="DELETE of accounts_auditentry"), transaction.atomic():
        unguarded().filter(pk=entry.pk).delete()

    assert_unchanged(entry)


def test_the_model_refuses_changes_before_they_reach_the_database(entry: AuditEntry) -> None:
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(object_repr="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    entry.object_repr = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()

    assert AuditEntry.objects.get(pk=entry.pk).object_repr != "rewritten"


def test_deleting_a_user_leaves_their_audit_entries_untouched(entry: AuditEntry) -> None:
    actor = entry.actor
    assert actor is not None
    actor_id = actor.pk

    actor.delete()  # on PostgreSQL, any UPDATE or DELETE of the log would raise here

    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.actor_id, stored.actor_username) == (actor_id, actor.username)
