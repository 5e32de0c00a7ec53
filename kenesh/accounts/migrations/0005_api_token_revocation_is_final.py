# Every token has an expiry; a revoked token has a reason; a user's token prefixes are unique
# (longer prefixes from now on); and a revoked token stays revoked: a trigger refuses to clear or
# change `revoked_at` or its reason, whatever writes the row (the ORM, the admin, raw SQL).
#
# SQLite drops a table's triggers when Django rebuilds the table to alter it: a later migration
# that alters accounts_apitoken on SQLite must create the trigger again. The test
# kenesh/accounts/tests/test_token_lifecycle.py tries raw SQL on both databases and fails if
# the trigger is gone.

from django.db import migrations, models

TRIGGER = "accounts_apitoken_revocation_is_final"
MESSAGE = "A revoked API token stays revoked: revoked_at and revoked_reason cannot change."

SQLITE_CREATE = f"""
CREATE TRIGGER {TRIGGER}
BEFORE UPDATE OF revoked_at, revoked_reason ON accounts_apitoken
FOR EACH ROW
WHEN OLD.revoked_at IS NOT NULL
    AND (NEW.revoked_at IS NOT OLD.revoked_at OR NEW.revoked_reason IS NOT OLD.revoked_reason)
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END
"""

POSTGRESQL_CREATE = [
    f"""
    CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.revoked_at IS NOT NULL AND (
            NEW.revoked_at IS DISTINCT FROM OLD.revoked_at
            OR NEW.revoked_reason IS DISTINCT FROM OLD.revoked_reason
        ) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END
    $$
    """,
    f"""
    CREATE TRIGGER {TRIGGER} BEFORE UPDATE ON accounts_apitoken
    FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()
    """,
]


def create_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
    elif vendor == "postgresql":
        for statement in POSTGRESQL_CREATE:
            schema_editor.execute(statement, params=None)


def drop_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
    elif vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON accounts_apitoken")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()")


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_api_token_expiry_and_revocation_reason"),
    ]

    operations = [
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="expires at"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="prefix",
            field=models.CharField(db_index=True, max_length=12, verbose_name="prefix"),
        ),
        migrations.AlterModelOptions(
            name="apitoken",
            options={
                "ordering": ["-created_at", "-id"],
                "verbose_name": "API token",
                "verbose_name_plural": "API tokens",
            },
        ),
        migrations.AddConstraint(
            model_name="apitoken",
            constraint=models.UniqueConstraint(
                fields=("user", "prefix"), name="accounts_apitoken_unique_prefix"
            ),
        ),
        migrations.AddConstraint(
            model_name="apitoken",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("revoked_at__isnull", True), ("revoked_reason", "")),
                    models.Q(
                        ("revoked_at__isnull", False),
                        (
                            "revoked_reason__in",
                            ["owner", "administrator", "password_changed", "deactivated"],
                        ),
                    ),
                    _connector="OR",
                ),
                name="accounts_apitoken_revocation_has_reason",
            ),
        ),
        # After the alterations: on SQLite they rebuild the table, which would drop it.
        migrations.RunPython(create_trigger, drop_trigger),
    ]
