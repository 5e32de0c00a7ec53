"""The security log: failed logins, lockouts, refused writes and token events, kept for a while,
readable (and only readable) by administrators."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from kenesh.accounts.middleware import SecurityTrail
from kenesh.accounts.models import (
    SecurityEvent,
    SecurityEventKind,
    TokenRevocation,
    User,
)
from kenesh.accounts.services import security_event_record, token_create, token_revoke
from kenesh.orgs.models import Organisation

pytestmark = pytest.mark.django_db

PASSWORD = "kenesh-demo"
ClientAs = Callable[[str], Client]


def events(kind: SecurityEventKind | None = None) -> list[SecurityEvent]:
    found = SecurityEvent.objects.order_by("id")
    return list(found.filter(kind=kind) if kind else found)


def log_in(username: str, password: str, **extra: Any) -> Any:
    return Client().post("/login/", {"username": username, "password": password}, **extra)


# Logins ------------------------------------------------------------------------------------------


def test_a_failed_login_is_logged_with_the_client_and_the_user() -> None:
    log_in("lcpc.jetioguz", "wrong-password", REMOTE_ADDR="192.0.2.7")

    (event,) = events()
    assert event.kind == SecurityEventKind.LOGIN_FAILED
    assert event.username == "lcpc.jetioguz"
    assert event.user == User.objects.get(username="lcpc.jetioguz")
    assert (event.ip_address, event.method, event.path) == ("192.0.2.7", "POST", "/login/")


def test_a_failed_login_for_an_unknown_username_keeps_the_name_tried() -> None:
    log_in("no.such.user", "whatever")

    (event,) = events()
    assert (event.kind, event.username, event.user) == (
        SecurityEventKind.LOGIN_FAILED,
        "no.such.user",
        None,
    )


def test_behind_a_proxy_the_log_names_the_real_client(settings: Any) -> None:
    settings.PROXY_COUNT = 1
    log_in("lcpc.jetioguz", "wrong", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert events()[0].ip_address == "203.0.113.9"


def test_a_lockout_is_logged_and_so_is_every_attempt_refused_during_it(settings: Any) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    for _attempt in range(limit + 1):
        log_in("lcpc.jetioguz", "wrong-password")

    kinds = [event.kind for event in events()]
    assert kinds == [SecurityEventKind.LOGIN_FAILED] * (limit - 1) + [SecurityEventKind.LOCKOUT] * 2
    lockout = events(SecurityEventKind.LOCKOUT)[0]
    assert lockout.username == "lcpc.jetioguz"
    assert lockout.detail == f"{limit} failed attempts"


def test_a_failed_token_request_is_logged_once_not_also_as_a_refused_write() -> None:
    response = Client().post(
        "/api/v1/auth/token",
        json.dumps({"username": "police.jetioguz", "password": "wrong"}),
        content_type="application/json",
    )

    assert response.status_code == 401
    assert [event.kind for event in events()] == [SecurityEventKind.LOGIN_FAILED]


def test_a_successful_login_logs_nothing() -> None:
    assert log_in("lcpc.jetioguz", PASSWORD).status_code == 302
    assert events() == []


# Refused writes ----------------------------------------------------------------------------------


def test_an_anonymous_api_write_is_logged_as_refused_with_401() -> None:
    response = Client().post(
        "/api/v1/organisations", "{}", content_type="application/json", REMOTE_ADDR="192.0.2.9"
    )

    assert response.status_code == 401
    (event,) = events()
    assert (event.kind, event.status, event.method) == (
        SecurityEventKind.WRITE_REFUSED,
        401,
        "POST",
    )
    assert (event.path, event.ip_address) == ("/api/v1/organisations", "192.0.2.9")
    assert event.user is None


def test_a_write_outside_the_users_area_is_logged_with_the_user_and_404(
    client_as: ClientAs,
) -> None:
    karakol = Organisation.objects.filter(unit__code__startswith="41702410").first()
    assert karakol is not None
    response = client_as("lcpc.jetioguz").patch(
        f"/api/v1/organisations/{karakol.pk}",
        json.dumps({"phone": "+996 555 000 000"}),
        content_type="application/json",
    )

    assert response.status_code == 404
    (event,) = events()
    assert (event.kind, event.status, event.username) == (
        SecurityEventKind.WRITE_REFUSED,
        404,
        "lcpc.jetioguz",
    )


def test_a_write_without_the_role_is_logged_with_403(client_as: ClientAs) -> None:
    response = client_as("civil.jetioguz").post(
        "/api/v1/organisations",
        json.dumps({"unit": "41702210830000", "kind": "ngo", "name_ru": "Тест"}),
        content_type="application/json",
    )

    assert response.status_code == 403
    assert [(e.kind, e.status, e.username) for e in events()] == [
        (SecurityEventKind.WRITE_REFUSED, 403, "civil.jetioguz")
    ]


def test_a_page_post_without_the_csrf_token_is_logged_with_403() -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="police.jetioguz"))

    assert client.post("/account/tokens/", {"create": "1", "name": "x"}).status_code == 403
    assert [(e.kind, e.status, e.path) for e in events()] == [
        (SecurityEventKind.WRITE_REFUSED, 403, "/account/tokens/")
    ]


def test_refused_reads_and_accepted_writes_are_not_logged(client_as: ClientAs) -> None:
    assert Client().get("/api/v1/organisations").status_code == 401
    assert client_as("lcpc.jetioguz").get("/api/v1/organisations/999999").status_code == 404
    created = client_as("lcpc.jetioguz").post(
        "/api/v1/organisations",
        json.dumps({"unit": "41702210830000", "kind": "ngo", "name_ru": "Тест"}),
        content_type="application/json",
    )
    assert created.status_code == 201
    assert events() == []


def test_a_refused_write_in_a_failed_transaction_is_answered_all_the_same() -> None:
    """The database cannot take the event; the client still gets the view's answer."""

    def view(request: HttpRequest) -> HttpResponse:
        transaction.set_rollback(True)  # what a caught database error leaves behind
        return HttpResponse(status=403)

    request = RequestFactory().post("/api/v1/organisations")
    with transaction.atomic():
        response = SecurityTrail(view)(request)
        assert response.status_code == 403

    assert events() == []


def test_a_refused_write_is_logged_when_the_view_used_and_closed_its_transaction() -> None:
    def view(request: HttpRequest) -> HttpResponse:
        with transaction.atomic():
            Organisation.objects.count()
        return HttpResponse(status=404)

    SecurityTrail(view)(RequestFactory().delete("/api/v1/anything", REMOTE_ADDR="192.0.2.1"))

    assert [(e.kind, e.status, e.method) for e in events()] == [
        (SecurityEventKind.WRITE_REFUSED, 404, "DELETE")
    ]


# Token events ------------------------------------------------------------------------------------


def test_making_and_revoking_a_token_are_logged() -> None:
    user = User.objects.get(username="police.jetioguz")
    token, _raw = token_create(actor=user, user=user, name="sync")
    token_revoke(actor=user, token=token, reason=TokenRevocation.OWNER)

    assert [(e.kind, e.user, e.detail) for e in events()] == [
        (SecurityEventKind.TOKEN_CREATED, user, f"{token.prefix} sync"),
        (SecurityEventKind.TOKEN_REVOKED, user, f"{token.prefix} owner"),
    ]


def test_a_revoked_token_in_use_is_logged() -> None:
    user = User.objects.get(username="police.jetioguz")
    token, raw = token_create(actor=user, user=user)
    token_revoke(actor=user, token=token, reason=TokenRevocation.OWNER)

    Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})

    assert events(SecurityEventKind.TOKEN_REFUSED)[0].detail == f"{token.prefix} revoked"


# Retention ---------------------------------------------------------------------------------------


@pytest.fixture
def old_and_new_events(settings: Any) -> tuple[SecurityEvent, SecurityEvent]:
    settings.SECURITY_LOG_DAYS = 30
    old = security_event_record(kind=SecurityEventKind.LOGIN_FAILED, username="old")
    recent = security_event_record(kind=SecurityEventKind.LOGIN_FAILED, username="recent")
    SecurityEvent.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=31))
    SecurityEvent.objects.filter(pk=recent.pk).update(at=timezone.now() - dt.timedelta(days=29))
    return old, recent


def test_the_purge_command_deletes_events_older_than_the_retention(
    old_and_new_events: tuple[SecurityEvent, SecurityEvent],
) -> None:
    out = io.StringIO()
    call_command("security-log-purge", stdout=out)

    assert [event.username for event in events()] == ["recent"]
    # Commands speak the site's language, Kyrgyz.
    assert "30 күндөн эски 1 коопсуздук окуясы өчүрүлдү." in out.getvalue()


def test_celery_beat_purges_the_log_daily(
    old_and_new_events: tuple[SecurityEvent, SecurityEvent],
) -> None:
    from config.celery import app

    app.loader.import_default_modules()  # what a worker does on start: finds every tasks.py
    entry = app.conf.beat_schedule["security-log-purge"]
    assert entry["schedule"] == 86400.0
    task = app.tasks[entry["task"]]

    assert task.delay().get() == 1
    assert [event.username for event in events()] == ["recent"]


# The admin ---------------------------------------------------------------------------------------


def test_administrators_read_the_log_in_the_admin_and_change_nothing(client_as: ClientAs) -> None:
    event = security_event_record(kind=SecurityEventKind.LOGIN_FAILED, username="someone.tried")
    admin = client_as("admin")

    listing = admin.get("/admin/accounts/securityevent/")
    assert listing.status_code == 200
    assert "someone.tried" in listing.content.decode()
    detail = admin.get(f"/admin/accounts/securityevent/{event.pk}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert admin.get("/admin/accounts/securityevent/add/").status_code == 403
    assert admin.get(f"/admin/accounts/securityevent/{event.pk}/delete/").status_code == 403
    admin.post(f"/admin/accounts/securityevent/{event.pk}/change/", {"username": "changed"})
    assert SecurityEvent.objects.get(pk=event.pk).username == "someone.tried"


def test_nobody_but_administrators_opens_the_log_in_the_admin(client_as: ClientAs) -> None:
    response = client_as("coordinator").get("/admin/accounts/securityevent/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
