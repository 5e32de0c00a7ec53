"""Load test: 50 users at once against ``kenesh serve`` on loopback, for at most 60 seconds.

The server runs as production runs it (``kenesh serve``: gunicorn, debug off, its default
workers and threads) on the national data set of ``bench.national`` (built there, or here when
missing), 300,000 incidents by default (``--size 3m`` for the larger one). Each virtual user
logs in once through the login form (CSRF token and cookie, as a browser does); once all have,
for ``--seconds`` (45 by default, never more than 60) each asks what its role asks, waiting a
random think time between requests (``--think`` seconds on average, 0 for back-to-back):

- 45 municipal users (the police officers and LCPC coordinators of the national set, each in
  their own municipality): the dashboard, the incident list (first pages), the incident API
  and the crime statistics page of their municipality;
- 5 programme coordinators (``--coordinators``): the dashboard, the crime statistics page and
  the national statistics API.

Reported: requests per second, p50/p95/p99 overall and per kind of request, and errors (any
answer but 200, or a failed connection), which must be none. Threads and ``http.client``,
one keep-alive connection per user; the client shares the machine with the server, so the
figures are a floor.

    make bench BENCH=load
    make bench BENCH="load --size 3m --think 5 --seconds 60 --users 50 --coordinators 0"
"""

from __future__ import annotations

import http.client
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from bench.national import SIZES, database_url, percentile

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "kenesh-demo"
CLOSED_BY_SERVER = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def options(argv: list[str]) -> dict[str, str]:
    found = {"size": "300k", "seconds": "45", "users": "50", "think": "1.0", "coordinators": "5"}
    for name in found:
        flag = f"--{name}"
        if flag in argv:
            found[name] = argv[argv.index(flag) + 1]
    if found["size"] not in SIZES:
        raise SystemExit(f"unknown size {found['size']!r}; choose from {', '.join(SIZES)}")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Request:
    kind: str
    path: str


@dataclass
class VirtualUser:
    username: str
    requests: list[tuple[float, Request]]  # (weight, request)
    cookies: dict[str, str] = field(default_factory=dict)


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.times[kind].append(seconds)
            if error:
                self.errors.append(f"{kind}: {error}")


def virtual_users(count: int, coordinators: int) -> list[VirtualUser]:
    """The users and what each asks, from the national set in the database."""
    from kenesh.accounts.models import RoleAssignment

    municipal = list(
        RoleAssignment.objects.filter(
            user__username__regex=r"^(police|lcpc)\.4\d+$", unit__level="municipality"
        )
        .select_related("user", "unit")
        .order_by("unit__code", "user__username")
    )
    if not municipal:
        raise SystemExit("The database holds no national accounts: build it with bench.national.")
    users = []
    for index in range(count):
        if index < coordinators:
            users.append(
                VirtualUser(
                    "coordinator",
                    [
                        (3, Request("dashboard", "/")),
                        (2, Request("crime statistics page", "/analysis/crime/")),
                        (1, Request("statistics API, national", "/api/v1/incidents/stats")),
                    ],
                )
            )
            continue
        assignment = municipal[(index - coordinators) % len(municipal)]
        code = assignment.unit.code
        users.append(
            VirtualUser(
                assignment.user.username,
                [
                    (3, Request("dashboard", "/")),
                    (3, Request("incident list page", "/incidents/")),
                    (1, Request("incident list page", "/incidents/?page=2")),
                    (2, Request("incident list API", "/api/v1/incidents?limit=50")),
                    (
                        2,
                        Request(
                            "crime statistics page", "/analysis/crime/?" + urlencode({"unit": code})
                        ),
                    ),
                ],
            )
        )
    return users


def _cookie_header(user: VirtualUser) -> str:
    return "; ".join(f"{name}={value}" for name, value in user.cookies.items())


def _remember(user: VirtualUser, response: http.client.HTTPResponse) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        cookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            user.cookies[name] = morsel.value


def log_in(connection: http.client.HTTPConnection, user: VirtualUser) -> None:
    """The login form, as a browser fills it: its CSRF token and cookie, then the POST."""
    connection.request("GET", "/login/")
    response = connection.getresponse()
    page = response.read().decode()
    _remember(user, response)
    token = CSRF_INPUT.search(page)
    if response.status != 200 or token is None:
        raise RuntimeError(f"login page: {response.status}")
    body = urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": user.username, "password": PASSWORD}
    )
    connection.request(
        "POST",
        "/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": _cookie_header(user),
            "Referer": f"http://{connection.host}:{connection.port}/login/",
        },
    )
    response = connection.getresponse()
    response.read()
    _remember(user, response)
    if response.status != 302 or "sessionid" not in user.cookies:
        raise RuntimeError(f"{user.username}: login answered {response.status}")


def run_user(
    user: VirtualUser,
    port: int,
    start: threading.Barrier,
    seconds: float,
    think: float,
    tally: Tally,
    seed: int,
) -> None:
    """Log in, wait for every other user to have logged in, then ask until the time is up."""
    rng = random.Random(seed)  # noqa: S311 - load mix, not security
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    try:
        log_in(connection, user)
        tally.add("login", time.perf_counter() - started, None)
    except (OSError, RuntimeError, http.client.HTTPException) as exc:
        tally.add("login", time.perf_counter() - started, str(exc))
        start.abort()
        return
    try:
        start.wait()
    except threading.BrokenBarrierError:
        return
    deadline = time.monotonic() + seconds
    weights = [weight for weight, _request in user.requests]
    while time.monotonic() < deadline:
        if think:
            time.sleep(rng.uniform(0, 2 * think))
            if time.monotonic() >= deadline:
                break
        request = rng.choices([r for _w, r in user.requests], weights=weights)[0]
        start = time.perf_counter()
        error = None
        # The server closes a keep-alive connection idle for a few seconds; as a browser does,
        # a request that finds it closed is sent again once on a new connection.
        for attempt in (1, 2):
            try:
                connection.request("GET", request.path, headers={"Cookie": _cookie_header(user)})
                response = connection.getresponse()
                response.read()
                error = None if response.status == 200 else f"{request.path}: {response.status}"
                break
            except (OSError, http.client.HTTPException) as exc:
                error = f"{request.path}: {exc!r}"
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                if attempt == 2 or not isinstance(exc, CLOSED_BY_SERVER):
                    break
        tally.add(request.kind, time.perf_counter() - start, error)
    connection.close()


def wait_until_up(port: int, server: subprocess.Popen[bytes], limit: float = 180.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"kenesh serve stopped (exit code {server.returncode})")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("kenesh serve did not answer /healthz in time")


def main() -> None:
    chosen = options(sys.argv[1:])
    size = chosen["size"]
    os.environ["DATABASE_URL"] = database_url(size)
    os.environ.pop("KENESH_DEBUG", None)
    os.environ.setdefault("KENESH_SECRET_KEY", "bench-load-not-a-secret-" + "x" * 30)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from bench.national import ensure_database

    ensure_database(size, SIZES[size], rebuild=False)
    users = virtual_users(int(chosen["users"]), int(chosen["coordinators"]))
    from django.db import connections

    connections.close_all()

    port = free_port()
    data_dir = ROOT / "var" / "bench-load"  # static files collected once, kept between runs
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, KENESH_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    log = tempfile.NamedTemporaryFile(prefix="kenesh-load-", suffix=".log", delete=False)  # noqa: SIM115
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "kenesh", "serve", "--port", str(port), "--no-worker"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until_up(port, server)
        run(users, port, float(chosen["seconds"]), float(chosen["think"]), size)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        print(f"  server log: {log.name}")


def run(users: list[VirtualUser], port: int, seconds: float, think: float, size: str) -> None:
    seconds = min(seconds, 60.0)  # bounded, whatever was asked
    tally = Tally()
    logged_in = 0.0

    def begin() -> None:
        nonlocal logged_in
        logged_in = time.monotonic()

    start = threading.Barrier(len(users), action=begin)
    threads = [
        threading.Thread(target=run_user, args=(user, port, start, seconds, think, tally, index))
        for index, user in enumerate(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - logged_in if logged_in else 0.0
    if not elapsed:
        raise SystemExit(f"logins failed: {tally.errors[:3]}")
    requests = {kind: times for kind, times in tally.times.items() if kind != "login"}
    every = [one for times in requests.values() for one in times]
    logins = tally.times.get("login", [])
    coordinators = sum(user.username == "coordinator" for user in users)
    print(
        f"load: {len(users)} users ({coordinators} programme coordinators) for {elapsed:.0f} s "
        f"after logging in, on the {size} national set, think time "
        f"{think:g} s on average; {len(every)} requests, {len(every) / elapsed:.1f} requests/s, "
        f"{len(tally.errors)} errors"
    )
    print(f"  {'request':<28} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    rows = [
        ("all requests", every),
        *sorted(requests.items()),
        ("login (each user, before)", logins),
    ]
    for kind, times in rows:
        if not times:
            continue
        print(
            f"  {kind:<28} {len(times):>6} {percentile(times, 0.5) * 1000:>8.0f} "
            f"{percentile(times, 0.95) * 1000:>8.0f} {percentile(times, 0.99) * 1000:>8.0f}"
        )
    for error in tally.errors[:10]:
        print(f"  error: {error}")
    if tally.errors:
        raise SystemExit(f"{len(tally.errors)} requests failed")
