"""Background jobs: Celery on Redis when REDIS_URL is set, in-process otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]


def test_without_redis_jobs_run_in_process() -> None:
    from config.celery import app

    if os.environ.get("REDIS_URL"):
        return  # this run is configured with a broker; the subprocess test covers both
    assert app.conf.task_always_eager is True
    assert settings.CELERY_BROKER_URL == "memory://"


def test_with_redis_url_celery_uses_it_as_broker() -> None:
    probe = (
        "import django; django.setup();"
        "from config.celery import app;"
        "print(app.conf.broker_url, app.conf.task_always_eager)"
    )
    env = {
        **os.environ,
        "REDIS_URL": "redis://127.0.0.1:6379/3",
        "KENESH_SECRET_KEY": "test-only-secret-key-for-the-probe-0123456789",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["redis://127.0.0.1:6379/3", "False"]
