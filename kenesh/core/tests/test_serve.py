"""``kenesh serve`` as `make demo` runs it: real gunicorn and a real Celery worker on the broker
in the data directory, the embedded SQLite database, no secrets given.

One server is started for the module (about half a minute: the demo programme, static files,
the processes); each test asks it one thing over HTTP.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kenesh.incidents.tests.import_support import HEADER, row

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "kenesh-demo"  # kenesh.portal.demo.DEMO_PASSWORD

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="the embedded server runs on SQLite: tested once, in the SQLite run",
)


@dataclass
class Server:
    port: int
    data_dir: Path
    process: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str]

    def request(
        self,
        path: str,
        *,
        method: str = "GET",
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[http.client.HTTPResponse, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response, response.read()
        finally:
            connection.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _kenesh(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "kenesh", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return result.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("kenesh-data")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KENESH_", "DJANGO_")) and k not in ("DATABASE_URL", "REDIS_URL")
    }
    env["KENESH_DATA_DIR"] = str(data_dir)
    _kenesh(env, "demo", "--no-serve")
    port = _free_port()
    log = data_dir / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "kenesh", "serve", "--port", str(port), "--workers", "2"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = Server(port, data_dir, process, log, env)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if running.request("/healthz")[0].status == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _log_in(server: Server, username: str) -> str:
    response, page = server.request("/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1).decode(), "username": username, "password": PASSWORD}
    )
    response, _ = server.request(
        "/login/",
        method="POST",
        body=form,
        headers={
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{server.port}/login/",
        },
    )
    assert response.status == 302, response.status
    return "; ".join(c.split(";")[0] for c in response.headers.get_all("Set-Cookie") or [])


def _first_load(server: Server, path: str, cookie: str = "") -> tuple[int, list[str]]:
    """Bytes over the wire for a page and everything it links from /static/, as a browser
    that accepts compression first loads them; and the assets' cache headers."""
    headers = {"Accept-Encoding": "br, gzip", "Cookie": cookie}
    response, page = server.request(path, headers=headers)
    assert response.status == 200
    total, caching = len(page), []
    for asset in sorted(set(re.findall(rb'(?:href|src)="(/static/[^"]+)"', page))):
        response, body = server.request(asset.decode(), headers=headers)
        assert response.status == 200, asset
        assert response.getheader("Content-Encoding") in ("br", "gzip") or len(body) < 1024, asset
        total += len(body)
        caching.append(response.getheader("Cache-Control", ""))
    return total, caching


def test_the_first_start_keeps_a_generated_secret_key_readable_by_its_owner_only(
    server: Server,
) -> None:
    key = server.data_dir / "secret_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(key.read_text().strip()) >= 50


def test_the_login_page_and_the_dashboard_load_under_150_kb_with_cached_static_files(
    server: Server,
) -> None:
    login, caching = _first_load(server, "/login/")
    dashboard, _ = _first_load(server, "/", _log_in(server, "coordinator"))
    assert login < 150_000 and dashboard < 150_000, (login, dashboard)
    assert caching and all(
        "immutable" in value and "max-age=315360000" in value for value in caching
    )


def test_a_missing_page_is_the_translated_404_page_not_the_debug_one(server: Server) -> None:
    response, body = server.request("/no/such/page/")
    assert response.status == 404
    text = body.decode()
    assert "Табылган жок" in text  # Kyrgyz, the default language
    assert "URLconf" not in text and "DEBUG = True" not in text


def test_plain_http_works_and_https_through_a_proxy_gets_secure_cookies_and_hsts(
    server: Server,
) -> None:
    plain, _ = server.request("/login/")
    assert plain.status == 200
    assert plain.getheader("Strict-Transport-Security") is None
    assert "Secure" not in (plain.getheader("Set-Cookie") or "")
    proxied, _ = server.request("/login/", headers={"X-Forwarded-Proto": "https"})
    assert proxied.status == 200
    assert "max-age=" in (proxied.getheader("Strict-Transport-Security") or "")
    assert "; Secure" in (proxied.getheader("Set-Cookie") or "")


def _children(pid: int) -> list[tuple[int, str]]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append((int(entry.name), command))
    return found


def test_an_import_runs_in_the_worker_reports_progress_and_survives_a_web_restart(
    server: Server,
) -> None:
    token = _kenesh(server.env, "token", "create", "police.jetioguz").strip()
    rows = 20_000
    sheet = io.StringIO()
    writer = csv.writer(sheet)
    writer.writerow(HEADER)
    for number in range(rows):
        values = row(external_ref=f"SERVE-{number:06d}")
        writer.writerow([values.get(column, "0") for column in HEADER])
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nincidents\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n{sheet.getvalue()}\r\n--{boundary}--\r\n"
    ).encode()
    auth = {"Authorization": f"Bearer {token}"}
    started = time.monotonic()
    response, answer = server.request(
        "/api/v1/imports",
        method="POST",
        body=body,
        headers={**auth, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status == 202, answer
    job = json.loads(answer)
    assert job["status"] in ("queued", "running")  # answered before the import ran
    assert time.monotonic() - started < 10

    def poll() -> dict[str, Any] | None:
        try:
            response, answer = server.request(f"/api/v1/imports/{job['id']}", headers=auth)
        except OSError:
            return None  # the web process is starting again
        return json.loads(answer) if response.status == 200 else None

    # The page moves while the import holds SQLite's writer: progress comes through the cache.
    deadline = time.monotonic() + 240
    while not (0 < int(job["processed_rows"]) < rows):
        assert job["status"] in ("queued", "running"), job
        assert time.monotonic() < deadline, server.log.read_text()[-3000:]
        time.sleep(0.2)
        job = poll() or job

    # The web process is killed and started again by `kenesh serve`; the worker goes on.
    web = [pid for pid, command in _children(server.process.pid) if "gunicorn" in command]
    assert len(web) == 1
    os.kill(web[0], signal.SIGKILL)
    while job["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, server.log.read_text()[-3000:]
        time.sleep(0.3)
        job = poll() or job
    assert job["status"] == "succeeded", job
    assert job["created"] == rows
    restarted = [pid for pid, command in _children(server.process.pid) if "gunicorn" in command]
    assert len(restarted) == 1 and restarted != web
