# The audit log now belongs to core (core.0003); its table stays, so only the state moves.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_audit_keeps_deleted_actors'),
        ('core', '0003_audit_entry_moves_to_core'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='AuditEntry')],
            database_operations=[],
        ),
    ]
