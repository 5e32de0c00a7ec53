# The audit log moves from accounts to core (the platform's ground floor): the model's state
# changes app, the table stays where it is (accounts_auditentry). docs/adr/0007-module-layout.md

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0002_import_mapping'),
        ('accounts', '0002_audit_keeps_deleted_actors'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AuditEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('actor_username', models.CharField(blank=True, max_length=150, verbose_name='username')),
                        ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='when')),
                        ('action', models.CharField(choices=[('create', 'created'), ('update', 'updated'), ('delete', 'deleted')], max_length=8, verbose_name='action')),
                        ('app_label', models.CharField(max_length=100, verbose_name='application')),
                        ('model', models.CharField(max_length=100, verbose_name='object type')),
                        ('object_id', models.CharField(max_length=64, verbose_name='object id')),
                        ('object_repr', models.CharField(max_length=200, verbose_name='object')),
                        ('unit_path', models.CharField(blank=True, db_index=True, max_length=255, verbose_name='unit path')),
                        ('changes', models.JSONField(default=dict, verbose_name='changes')),
                        ('actor', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                    ],
                    options={
                        'verbose_name': 'audit entry',
                        'verbose_name_plural': 'audit log',
                        'db_table': 'accounts_auditentry',
                        'ordering': ['-at', '-id'],
                        'indexes': [models.Index(fields=['app_label', 'model', 'object_id'], name='accounts_au_app_lab_0efdd2_idx')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
