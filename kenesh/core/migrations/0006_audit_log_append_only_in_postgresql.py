# The audit log is append-only in the database itself on PostgreSQL: a trigger refuses every
# UPDATE and DELETE of accounts_auditentry, whatever sends it (the ORM, raw SQL, psql). The model
# refuses them in Python too (AuditEntryQuerySet); this holds for code that bypasses it.
#
# TRUNCATE is left alone: Django's test runner empties the tables of transactional tests with it
# (`flush`), and only the table's owner can truncate, which the application's own role should
# not be in production (docs/security.md). SQLite has no equivalent worth the name (its flush
# uses DELETE); the embedded installation relies on the model's refusal.

from django.db import migrations

FUNCTION = "accounts_auditentry_append_only"
TRIGGER = "accounts_auditentry_append_only"

CREATE = [
    f"""
    CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'The audit log is append-only: % of accounts_auditentry is refused.', TG_OP
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Audit entries are never changed or deleted (docs/security.md).';
    END
    $$
    """,
    f"""
    CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON accounts_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()
    """,
]
DROP = [
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON accounts_auditentry",
    f"DROP FUNCTION IF EXISTS {FUNCTION}()",
]


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0005_audit_action_export"),
    ]

    operations = [
        migrations.RunPython(create_trigger, drop_trigger),
    ]
