"""An import job run by a real Celery worker on Redis, as in production.

The worker is another process, so it must see the same database: this runs in the PostgreSQL
pass of ``make test`` (the SQLite test database lives in this process's memory) with committed
transactions. Redis at 127.0.0.1:6379, database 11, and a queue of this run's own, so parallel
runs do not take each other's tasks. Without Redis the test is skipped, or fails when ``CI`` is
set.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection

from kenesh.accounts.models import User
from kenesh.core.models import ImportJob, ImportStatus
from kenesh.incidents.imports.spec import incident_import_start
from kenesh.incidents.models import Incident
from kenesh.incidents.tasks import incident_import_run
from kenesh.incidents.tests.import_support import row, sheet

REDIS_DB = 11
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
PROJECT_ROOT = Path(__file__).resolve().parents[3]
TIMEOUT_S = 90


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping())
    except redis.exceptions.RedisError:
        return False


@pytest.fixture
def redis_url() -> str:
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs a database a worker process can open; the SQLite test database is in "
            "memory (this test runs in the PostgreSQL pass)"
        )
    if not _redis_reachable():
        if os.environ.get("CI"):
            pytest.fail("Redis on 127.0.0.1:6379 is unreachable and CI is set")
        pytest.skip("Redis on 127.0.0.1:6379 is unreachable (set CI to fail instead)")
    return REDIS_URL


def _database_url() -> str:
    settings = connection.settings_dict
    user = quote(settings["USER"] or "postgres")
    password = f":{quote(settings['PASSWORD'])}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


@pytest.fixture
def worker(redis_url: str) -> Iterator[str]:
    """A Celery worker process on its own queue, against the test database."""
    from config.celery import app

    queue = f"kenesh-test-{uuid.uuid4().hex[:12]}"
    env = {**os.environ, "REDIS_URL": redis_url, "DATABASE_URL": _database_url()}
    log = tempfile.NamedTemporaryFile(prefix="celery-worker-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    _forget_broker(app)
    app.conf.update(broker_url=redis_url, result_backend=redis_url, task_always_eager=False)
    try:
        yield queue
    finally:
        _forget_broker(app)
        app.conf.update(**saved)
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        print(Path(log.name).read_text(errors="replace")[-3000:])  # shown when the test fails
        Path(log.name).unlink()


def _forget_broker(app: Any) -> None:
    """Drop the connections made with the previous broker settings (Celery caches them)."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


def test_a_real_worker_runs_an_uploaded_import_job(
    demo_restored_afterwards: None, transactional_db: None, worker: str
) -> None:
    user = User.objects.get(username="police.jetioguz")
    rows = [row(external_ref=f"CEL-{i}") for i in range(25)]
    job = incident_import_start(
        actor=user,
        filename="incidents.csv",
        content=sheet(rows),
        language="en",
        enqueue=lambda pk: incident_import_run.apply_async((pk,), queue=worker),
    )
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        job = ImportJob.objects.defer("content").get(pk=job.pk)
        if job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
            break
        time.sleep(0.2)
    assert job.status == ImportStatus.SUCCEEDED, (job.status, job.message, job.errors)
    assert (job.created_count, job.processed_rows, job.total_rows) == (25, 25, 25)
    assert job.started_at is not None and job.finished_at is not None
    assert sorted(
        Incident.objects.filter(import_job=job).values_list("external_ref", flat=True)
    ) == sorted(data["external_ref"] for data in rows)
