"""Production settings refuse to start without secrets and pass Django's deployment checks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.test import Client

ROOT = Path(__file__).resolve().parents[3]


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KENESH_", "DJANGO_"))}
    clean.pop("DATABASE_URL", None)
    clean["KENESH_DATA_DIR"] = env.pop("KENESH_DATA_DIR", "")
    return subprocess.run(
        [sys.executable, "-m", "kenesh", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_database_server_without_a_secret_key_refuses_to_start(tmp_path: Path) -> None:
    # Several web nodes share one database: each must be given the same key.
    result = _run(
        ["check"],
        KENESH_DATA_DIR=str(tmp_path),
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/kenesh",
    )
    assert result.returncode != 0
    assert "KENESH_SECRET_KEY is required" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_the_embedded_default_generates_its_secret_key_once_and_keeps_it(tmp_path: Path) -> None:
    show = [
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.SECRET_KEY)",
    ]
    first = _run(show, KENESH_DATA_DIR=str(tmp_path))
    assert first.returncode == 0, first.stderr
    key = tmp_path / "secret_key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert first.stdout.strip() == key.read_text().strip()
    assert len(first.stdout.strip()) >= 50
    second = _run(show, KENESH_DATA_DIR=str(tmp_path))
    assert second.stdout == first.stdout
    other = _run(show, KENESH_DATA_DIR=str(tmp_path / "elsewhere"))
    assert other.stdout.strip() and other.stdout != first.stdout


def test_a_non_boolean_debug_flag_is_refused(tmp_path: Path) -> None:
    result = _run(["check"], KENESH_DEBUG="maybe", KENESH_DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "KENESH_DEBUG must be a boolean" in result.stderr


def test_an_intake_secret_with_the_console_sender_refuses_to_start_in_production(
    tmp_path: Path,
) -> None:
    """Replies would be marked sent and reach no one."""
    result = _run(["check"], KENESH_DATA_DIR=str(tmp_path), KENESH_SMS_SECRET="gateway")
    assert result.returncode != 0
    assert "KENESH_SMS_SENDER is the console sender" in result.stderr
    sender = "kenesh.consultations.intake.senders.HttpSmsSender"
    named = _run(
        ["check"],
        KENESH_DATA_DIR=str(tmp_path),
        KENESH_SMS_SECRET="gateway",
        KENESH_SMS_SENDER=sender,
    )
    assert named.returncode == 0, named.stderr


def test_priority_weights_from_the_environment_must_be_a_json_object(tmp_path: Path) -> None:
    show = [
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.KENESH_PRIORITY_WEIGHTS)",
    ]
    good = _run(show, KENESH_DATA_DIR=str(tmp_path), KENESH_PRIORITY_WEIGHTS='{"severity": 0.5}')
    assert good.returncode == 0, good.stderr
    assert good.stdout.strip() == "{'severity': 0.5}"
    bad = _run(show, KENESH_DATA_DIR=str(tmp_path), KENESH_PRIORITY_WEIGHTS="[1, 2]")
    assert bad.returncode != 0
    assert "KENESH_PRIORITY_WEIGHTS must be a JSON object" in bad.stderr


def test_deployment_checks_pass_with_production_settings(tmp_path: Path) -> None:
    result = _run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        KENESH_SECRET_KEY="x7!k2-" + "q" * 60 + "-production-secret",
        KENESH_ALLOWED_HOSTS="kenesh.example.org",
        KENESH_HTTPS="1",  # a site on the internet declares HTTPS (docs/deployment.md)
        KENESH_DATA_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_plain_http_is_flagged_by_the_deployment_checks_until_https_is_declared(
    tmp_path: Path,
) -> None:
    result = _run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        KENESH_SECRET_KEY="x7!k2-" + "q" * 60 + "-production-secret",
        KENESH_DATA_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert {"security.W008", "security.W012", "security.W016"} <= set(
        re.findall(r"security\.W\d+", result.stderr + result.stdout)
    )


def test_passwords_are_hashed_with_argon2_by_default() -> None:
    # The test run swaps in a fast hasher (conftest); the project's own setting is argon2.
    from config import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert settings.PASSWORD_HASHERS  # the running configuration still has a hasher


def test_content_security_policy_allows_no_inline_script() -> None:
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["style-src"]


def test_pages_carry_the_security_headers(client: Client) -> None:
    response = client.get("/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
