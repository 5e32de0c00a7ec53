# Tokens expire and say why they were revoked. Tokens made before this migration expire
# TOKEN_LIFETIME_DAYS after they were made, like every later one; those revoked before it were
# revoked by an administrator (the admin or `kenesh token revoke`, the only ways there were).

import datetime

from django.conf import settings
from django.db import migrations, models


def expiry_and_reason_for_existing_tokens(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    lifetime = datetime.timedelta(days=getattr(settings, "TOKEN_LIFETIME_DAYS", 90))
    for token in ApiToken.objects.all().only("pk", "created_at", "revoked_at"):
        token.expires_at = token.created_at + lifetime
        token.revoked_reason = "administrator" if token.revoked_at else ""
        token.save(update_fields=["expires_at", "revoked_reason"])


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_audit_entry_moves_to_core"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="expires at"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("owner", "revoked by its owner"),
                    ("administrator", "revoked by an administrator"),
                    ("password_changed", "the password changed"),
                    ("deactivated", "the user was deactivated"),
                ],
                default="",
                max_length=20,
                verbose_name="why revoked",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(expiry_and_reason_for_existing_tokens, migrations.RunPython.noop),
    ]
