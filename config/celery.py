"""The Celery application. Workers: ``celery -A config worker``.

Without ``REDIS_URL`` tasks run in-process (``task_always_eager``), so the embedded
installation needs no broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("kenesh")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic tasks (``celery -A config beat``): import jobs whose worker died are failed rather
# than left running (kenesh.core.imports.import_jobs_sweep); security events older than
# SECURITY_LOG_DAYS are deleted (kenesh.accounts.services.security_log_purge).
IMPORT_SWEEP_EVERY_S = 300.0
SECURITY_LOG_PURGE_EVERY_S = 86400.0
app.conf.beat_schedule = {
    "import-jobs-sweep": {"task": "core.import_jobs_sweep", "schedule": IMPORT_SWEEP_EVERY_S},
    "security-log-purge": {
        "task": "accounts.security_log_purge",
        "schedule": SECURITY_LOG_PURGE_EVERY_S,
    },
}
