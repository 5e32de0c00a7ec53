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
