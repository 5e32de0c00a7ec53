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
# Feature packages' tasks (autodiscovery looks for <app>.tasks only).
app.autodiscover_tasks(["kenesh.consultations.intake"])

# Periodic tasks (``celery -A config beat``): import jobs whose worker died are failed rather
# than left running (kenesh.core.imports.import_jobs_sweep); security events older than
# SECURITY_LOG_DAYS are deleted (kenesh.accounts.services.security_log_purge); replies to
# reporters that could not be sent at once are tried again, and reporters of concerns resolved
# four weeks ago are asked whether they really are (kenesh.consultations.intake, docs/intake.md).
IMPORT_SWEEP_EVERY_S = 300.0
SECURITY_LOG_PURGE_EVERY_S = 86400.0
OUTBOX_SEND_EVERY_S = 120.0
CONCERNS_FOLLOW_UP_EVERY_S = 3600.0
app.conf.beat_schedule = {
    "import-jobs-sweep": {"task": "core.import_jobs_sweep", "schedule": IMPORT_SWEEP_EVERY_S},
    "security-log-purge": {
        "task": "accounts.security_log_purge",
        "schedule": SECURITY_LOG_PURGE_EVERY_S,
    },
    "outbox-send": {"task": "consultations.outbox_send", "schedule": OUTBOX_SEND_EVERY_S},
    "concerns-follow-up": {
        "task": "consultations.concerns_follow_up",
        "schedule": CONCERNS_FOLLOW_UP_EVERY_S,
    },
}
