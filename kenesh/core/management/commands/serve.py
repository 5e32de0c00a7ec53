"""``kenesh serve``: run Kenesh on this machine as production runs it.

gunicorn serves the application (debug off, static files compressed by WhiteNoise with
long-lived cache headers, a fixed number of threads and so of database connections) and a
Celery worker with its beat runs background jobs: on Redis when ``REDIS_URL`` is set, otherwise
on a broker in the data directory that needs no server. The command supervises both: a process
that dies is started again, and Ctrl+C or SIGTERM stops both. See docs/deployment.md.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kenesh.core.network import machine_addresses

# A process that dies more often than this within RESTART_WINDOW seconds is not restarted again.
MAX_RESTARTS = 5
RESTART_WINDOW = 60.0


class Command(BaseCommand):
    help = "Serve Kenesh with gunicorn and a background worker, as production runs it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default=os.environ.get("KENESH_ADDR", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("KENESH_WEB_WORKERS", "0")) or min(os.cpu_count() or 1, 4),
            help="Web worker processes (default: one per core, at most 4).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("KENESH_WEB_THREADS", "4")),
            help="Threads per web worker; each keeps at most one database connection.",
        )
        parser.add_argument(
            "--timeout", type=int, default=120, help="Seconds before a stuck request is killed."
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start a background worker (workers run on other machines).",
        )
        parser.add_argument(
            "--migrate",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Apply migrations first (default: on the embedded SQLite database only).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        embedded = not settings.DATABASE_URL
        if options["migrate"] if options["migrate"] is not None else embedded:
            call_command("migrate", interactive=False, verbosity=0)
        started = time.monotonic()
        if collect_static():
            self.stdout.write(f"Static files collected in {time.monotonic() - started:.1f} s.")

        addr, port = options["addr"], options["port"]
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings", PYTHONUNBUFFERED="1")
        env["KENESH_ALLOWED_HOSTS"] = ",".join(allowed_hosts(addr))
        if not settings.REDIS_URL:
            env["KENESH_EMBEDDED_WORKER"] = "1"
        commands = {"web": web_command(addr, port, options)}
        if not options["no_worker"]:
            commands["worker"] = worker_command(embedded=embedded)
        supervisor = Supervisor(commands, env, self.stdout.write, self.stderr.write)

        self.stdout.write(self.style.SUCCESS(f"Serving Kenesh on http://{display(addr)}:{port}/"))
        if addr in ("0.0.0.0", "::"):  # noqa: S104 - the operator asked for every interface
            for address in sorted(machine_addresses()):
                self.stdout.write(f"  on this network: http://{display(address)}:{port}/")
        if "worker" in commands:
            broker = "Redis" if settings.REDIS_URL else f"the queue in {settings.QUEUE_DIR}"
            self.stdout.write(f"Background jobs: a Celery worker on {broker}.")
        self.stdout.write("Ctrl+C stops.")
        self.stdout.flush()
        code = supervisor.run()
        if code:
            raise CommandError(f"Kenesh stopped: a process kept failing (exit code {code}).")


def collect_static() -> bool:
    """Collect and compress the static files unless the sources are what was collected last
    time (compressing takes seconds; most starts change nothing). True when collected."""
    import hashlib

    from django.contrib.staticfiles.apps import StaticFilesConfig
    from django.contrib.staticfiles.finders import get_finders

    from kenesh.core.staticfiles import UNUSED

    ignored = [*StaticFilesConfig.ignore_patterns, *UNUSED]
    fingerprint = hashlib.sha256(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    for finder in get_finders():
        for path, storage in sorted(finder.list(ignored), key=lambda item: item[0]):
            stat = os.stat(storage.path(path))
            fingerprint.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    stamp = Path(settings.STATIC_ROOT) / ".collected"
    if stamp.exists() and stamp.read_text() == fingerprint.hexdigest():
        return False
    call_command("collectstatic", interactive=False, verbosity=0, ignore_patterns=UNUSED)
    stamp.write_text(fingerprint.hexdigest())
    return True


def display(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def allowed_hosts(addr: str) -> list[str]:
    """The configured hosts, plus this machine's own addresses when serving on every interface
    (so phones on the office network reach it by address)."""
    hosts = list(settings.ALLOWED_HOSTS)
    extra: set[str] = set()
    if addr in ("0.0.0.0", "::"):  # noqa: S104
        extra = machine_addresses()
    elif addr not in ("127.0.0.1", "localhost", "::1"):
        extra = {addr}
    for address in sorted(extra):
        host = display(address)
        if host not in hosts:
            hosts.append(host)
    return hosts


def web_command(addr: str, port: int, options: dict[str, Any]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"{display(addr)}:{port}",
        "--worker-class",
        "gthread",
        "--workers",
        str(options["workers"]),
        "--threads",
        str(options["threads"]),
        "--timeout",
        str(options["timeout"]),
        "--graceful-timeout",
        "30",
        # Recycle a worker now and then: memory a long-lived process gathers goes back.
        "--max-requests",
        "5000",
        "--max-requests-jitter",
        "500",
        "--no-control-socket",
        "--access-logfile",
        "-",
        "--access-logformat",
        '%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
    ]


def worker_command(*, embedded: bool) -> list[str]:
    return [
        sys.executable,
        "-m",
        "celery",
        "--app",
        "config",
        "worker",
        "--beat",
        "--schedule",
        str(settings.CELERY_BEAT_SCHEDULE_FILENAME),
        # SQLite has one writer: one job at a time. A database server takes two.
        "--concurrency",
        "1" if embedded else "2",
        "--loglevel",
        "WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]


class Supervisor:
    """Start the processes, restart one that dies, stop all on SIGINT or SIGTERM."""

    def __init__(
        self, commands: dict[str, list[str]], env: dict[str, str], out: Any, err: Any
    ) -> None:
        self.commands, self.env, self.out, self.err = commands, env, out, err
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.deaths: dict[str, list[float]] = {name: [] for name in commands}
        self.stopping = False

    def start(self, name: str) -> None:
        self.processes[name] = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
            self.commands[name], env=self.env, cwd=Path(settings.BASE_DIR)
        )

    def stop(self, *_: Any) -> None:
        self.stopping = True

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        for name in self.commands:
            self.start(name)
        failed = 0
        try:
            while not self.stopping:
                time.sleep(0.5)
                for name, code in self.exited():
                    now = time.monotonic()
                    recent = [t for t in self.deaths[name] if now - t < RESTART_WINDOW] + [now]
                    self.deaths[name] = recent
                    if len(recent) > MAX_RESTARTS:
                        self.err(f"The {name} process keeps failing (exit code {code}).")
                        failed = code or 1
                        self.stopping = True
                        break
                    self.err(f"The {name} process ended (exit code {code}); starting it again.")
                    self.start(name)
        finally:
            self.terminate()
        return failed

    def exited(self) -> Iterator[tuple[str, int]]:
        for name, process in list(self.processes.items()):
            code = process.poll()
            if code is not None:
                yield name, code

    def terminate(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 40
        for process in self.processes.values():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
