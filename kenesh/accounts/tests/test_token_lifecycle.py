"""API tokens expire, die with a password change or a deactivation, record their last use, are
listed and revoked by their owner (page and API), and a revoked token stays revoked."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

from kenesh.accounts.models import (
    ApiToken,
    SecurityEvent,
    SecurityEventKind,
    TokenRevocation,
    TokenState,
    User,
    hash_token,
)
from kenesh.accounts.services import token_authenticate, token_create, token_revoke

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
MY_TOKENS = "/api/v1/me/tokens"
PAGE = "/account/tokens/"
PASSWORD = "kenesh-demo"

ClientAs = Callable[[str], Client]


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def user(username: str = "police.jetioguz") -> User:
    return User.objects.get(username=username)


def new_token(owner: User | None = None, **kwargs: Any) -> tuple[ApiToken, str]:
    owner = owner or user()
    return token_create(actor=owner, user=owner, name=kwargs.pop("name", "script"), **kwargs)


def works(raw: str) -> bool:
    return Client().get(ME, headers=bearer(raw)).status_code == 200


def reloaded(token: ApiToken) -> ApiToken:
    return ApiToken.objects.get(pk=token.pk)


# Expiry -------------------------------------------------------------------------------------------


def test_a_token_expires_after_the_configured_number_of_days(settings: Any) -> None:
    settings.TOKEN_LIFETIME_DAYS = 7
    before = timezone.now()
    token, raw = new_token()

    assert before + dt.timedelta(days=7) <= token.expires_at <= timezone.now() + dt.timedelta(7)
    assert works(raw)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    assert not works(raw)
    assert reloaded(token).state is TokenState.EXPIRED


def test_the_default_lifetime_is_ninety_days() -> None:
    token, _raw = new_token()
    assert (token.expires_at - token.created_at).days in (89, 90)


def test_an_expired_token_in_use_is_logged_once_an_hour_not_per_request() -> None:
    token, raw = new_token()
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(1))

    for _attempt in range(3):
        assert Client().get(ME, headers=bearer(raw)).status_code == 401

    events = SecurityEvent.objects.filter(kind=SecurityEventKind.TOKEN_REFUSED)
    assert [(e.user, e.detail, e.status) for e in events] == [
        (token.user, f"{token.prefix} expired", 401)
    ]


# Last use ----------------------------------------------------------------------------------------


def test_a_use_is_recorded_at_most_once_a_minute() -> None:
    token, raw = new_token()
    assert reloaded(token).last_used_at is None

    assert works(raw)
    first = reloaded(token).last_used_at
    assert first is not None
    assert works(raw)
    assert reloaded(token).last_used_at == first  # no write for a second use within the minute

    earlier = timezone.now() - dt.timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
    assert works(raw)
    last_used = reloaded(token).last_used_at
    assert last_used is not None and last_used > earlier


# Password change and deactivation -----------------------------------------------------------------


def assert_revoked(token: ApiToken, raw: str, reason: TokenRevocation) -> None:
    stored = reloaded(token)
    assert stored.revoked_at is not None
    assert stored.revoked_reason == reason
    assert not works(raw)


def test_a_new_password_revokes_every_token_of_the_user() -> None:
    owner = user()
    first, first_raw = new_token(owner)
    second, second_raw = new_token(owner)
    _other, other_raw = new_token(user("lcpc.jetioguz"))

    owner.set_password("another-Password-2026")
    owner.save()

    assert_revoked(first, first_raw, TokenRevocation.PASSWORD_CHANGED)
    assert_revoked(second, second_raw, TokenRevocation.PASSWORD_CHANGED)
    assert works(other_raw)
    changed = SecurityEvent.objects.filter(kind=SecurityEventKind.PASSWORD_CHANGED, user=owner)
    assert changed.count() == 1


def test_a_password_changed_in_the_admin_revokes_the_tokens(client_as: ClientAs) -> None:
    owner = user()
    token, raw = new_token(owner)

    response = client_as("admin").post(
        f"/admin/accounts/user/{owner.pk}/password/",
        {
            "usable_password": "true",
            "password1": "another-Password-2026",
            "password2": "another-Password-2026",
        },
    )

    assert response.status_code == 302, response.content[:500]
    assert_revoked(token, raw, TokenRevocation.PASSWORD_CHANGED)


def test_password_login_turned_off_in_the_admin_revokes_the_tokens(client_as: ClientAs) -> None:
    owner = user()
    token, raw = new_token(owner)

    response = client_as("admin").post(
        f"/admin/accounts/user/{owner.pk}/password/",
        {"usable_password": "false", "unset-password": "1"},  # the admin's "Disable" button
    )

    assert response.status_code == 302, response.content[:500]
    assert not reloaded_user(owner).has_usable_password()
    assert_revoked(token, raw, TokenRevocation.PASSWORD_CHANGED)


def reloaded_user(owner: User) -> User:
    return User.objects.get(pk=owner.pk)


def test_the_changepassword_command_revokes_the_tokens(monkeypatch: Any) -> None:
    owner = user()
    token, raw = new_token(owner)
    # The command reads the new password twice from the terminal.
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "another-Password-2026")

    call_command("changepassword", owner.username, stdout=io.StringIO())

    assert reloaded_user(owner).check_password("another-Password-2026")
    assert_revoked(token, raw, TokenRevocation.PASSWORD_CHANGED)


def test_a_stored_hash_upgraded_at_login_revokes_nothing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    owner = user()
    User.objects.filter(pk=owner.pk).update(
        password=make_password(PASSWORD, hasher="pbkdf2_sha256")
    )
    _token, raw = new_token(owner)

    response = Client().post("/login/", {"username": owner.username, "password": PASSWORD})

    assert response.status_code == 302
    assert reloaded_user(owner).password.startswith("md5$")  # the hash was upgraded
    assert works(raw)


def test_deactivating_a_user_revokes_their_tokens_for_good(client_as: ClientAs) -> None:
    owner = user()
    token, raw = new_token(owner)

    owner.is_active = False
    owner.save()
    assert_revoked(token, raw, TokenRevocation.DEACTIVATED)

    owner.is_active = True
    owner.save()
    assert not works(raw)


def test_a_token_of_a_user_deactivated_in_bulk_is_revoked_when_next_used() -> None:
    owner = user()
    token, raw = new_token(owner)
    User.objects.filter(pk=owner.pk).update(is_active=False)  # no save, no signal

    assert not works(raw)
    assert reloaded(token).revoked_reason == TokenRevocation.DEACTIVATED
    User.objects.filter(pk=owner.pk).update(is_active=True)
    assert not works(raw)


# A revoked token stays revoked --------------------------------------------------------------------


@pytest.fixture
def revoked() -> ApiToken:
    token, _raw = new_token()
    return token_revoke(actor=None, token=token, reason=TokenRevocation.OWNER)


def test_the_orm_cannot_clear_a_revocation(revoked: ApiToken) -> None:
    revoked.revoked_at = None
    revoked.revoked_reason = ""
    with pytest.raises(DatabaseError, match="stays revoked"), transaction.atomic():
        revoked.save()

    assert reloaded(revoked).revoked_at is not None


def test_a_bulk_update_cannot_clear_a_revocation(revoked: ApiToken) -> None:
    with pytest.raises(DatabaseError, match="stays revoked"), transaction.atomic():
        ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=None, revoked_reason="")
    with pytest.raises(DatabaseError, match="stays revoked"), transaction.atomic():
        ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())

    assert reloaded(revoked).revoked_at == revoked.revoked_at


def test_raw_sql_cannot_clear_a_revocation(revoked: ApiToken) -> None:
    with (
        pytest.raises(DatabaseError, match="stays revoked"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE accounts_apitoken SET revoked_at = NULL, revoked_reason = '' WHERE id = %s",
            [revoked.pk],
        )

    assert reloaded(revoked).revoked_at is not None


def test_a_revoked_token_keeps_its_other_fields_editable(revoked: ApiToken) -> None:
    revoked.name = "renamed"
    revoked.save()
    assert reloaded(revoked).name == "renamed"


def test_the_admin_shows_the_revocation_read_only_and_cannot_clear_it(
    client_as: ClientAs, revoked: ApiToken
) -> None:
    admin = client_as("admin")
    url = f"/admin/accounts/apitoken/{revoked.pk}/change/"
    page = admin.get(url)
    assert page.status_code == 200
    assert 'name="revoked_at' not in page.content.decode()

    response = admin.post(url, {"name": "renamed", "revoked_at": "", "revoked_reason": ""})

    assert response.status_code == 302, response.content[:500]
    stored = reloaded(revoked)
    assert stored.name == "renamed"
    assert stored.revoked_at == revoked.revoked_at
    assert stored.revoked_reason == TokenRevocation.OWNER


def test_the_admin_can_neither_add_nor_delete_tokens(
    client_as: ClientAs, revoked: ApiToken
) -> None:
    admin = client_as("admin")
    assert admin.get("/admin/accounts/apitoken/add/").status_code == 403
    assert admin.get(f"/admin/accounts/apitoken/{revoked.pk}/delete/").status_code == 403
    assert ApiToken.objects.filter(pk=revoked.pk).exists()


def test_the_admin_revokes_selected_tokens(client_as: ClientAs) -> None:
    token, raw = new_token()
    response = client_as("admin").post(
        "/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}
    )

    assert response.status_code == 302
    assert_revoked(token, raw, TokenRevocation.ADMINISTRATOR)


# The API -----------------------------------------------------------------------------------------


def test_a_token_asked_for_with_a_name_carries_it_and_its_expiry(client: Client) -> None:
    response = client.post(
        "/api/v1/auth/token",
        json.dumps({"username": "police.jetioguz", "password": PASSWORD, "name": "nightly sync"}),
        content_type="application/json",
    )

    assert response.status_code == 200
    body = response.json()
    stored = ApiToken.objects.get(prefix=body["prefix"])
    assert stored.name == body["name"] == "nightly sync"
    assert body["token"].startswith(body["prefix"])
    # JSON carries milliseconds.
    expires_at = dt.datetime.fromisoformat(body["expires_at"])
    assert abs(expires_at - stored.expires_at) < dt.timedelta(milliseconds=1)


def test_a_token_asked_for_without_a_name_is_called_api(client: Client) -> None:
    response = client.post(
        "/api/v1/auth/token",
        json.dumps({"username": "police.jetioguz", "password": PASSWORD}),
        content_type="application/json",
    )
    assert ApiToken.objects.get(prefix=response.json()["prefix"]).name == "api"


def test_a_named_token_asked_for_again_replaces_the_previous_one_of_that_name(
    client: Client,
) -> None:
    def ask(name: str) -> str:
        response = client.post(
            "/api/v1/auth/token",
            json.dumps({"username": "police.jetioguz", "password": PASSWORD, "name": name}),
            content_type="application/json",
        )
        assert response.status_code == 200
        return str(response.json()["token"])

    other = ask("backup")
    first = ask("nightly sync")
    second = ask("nightly sync")

    mine = ApiToken.objects.filter(user__username="police.jetioguz")
    assert list(
        mine.filter(revoked_at__isnull=True).values_list("name", flat=True).order_by("name")
    ) == [
        "backup",
        "nightly sync",
    ]
    replaced = mine.get(key_hash=hash_token(first))
    assert replaced.revoked_reason == TokenRevocation.OWNER
    for raw, works in ((first, False), (second, True), (other, True)):
        answer = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert (answer.status_code == 200) is works


def test_the_api_lists_the_callers_own_tokens_only(client_as: ClientAs) -> None:
    owner = user()
    active, _ = new_token(owner, name="active")
    gone, _ = new_token(owner, name="gone")
    token_revoke(actor=owner, token=gone, reason=TokenRevocation.OWNER)
    new_token(user("lcpc.jetioguz"), name="someone else's")

    response = client_as(owner.username).get(MY_TOKENS)

    assert response.status_code == 200
    listed = {item["prefix"]: item for item in response.json()}
    assert set(listed) == {active.prefix, gone.prefix}
    assert listed[active.prefix]["state"] == "active"
    assert listed[gone.prefix]["state"] == "revoked"
    assert listed[gone.prefix]["revoked_reason"] == "owner"
    assert set(listed[active.prefix]) == {
        "prefix", "name", "created_at", "last_used_at", "expires_at", "revoked_at",
        "revoked_reason", "state",
    }  # fmt: skip
    assert not any("key_hash" in item or "token" in item for item in response.json())


def test_the_owner_revokes_a_token_by_its_prefix_with_204() -> None:
    owner = user()
    token, raw = new_token(owner)
    _session, session_raw = new_token(owner)

    response = Client().delete(f"{MY_TOKENS}/{token.prefix}", headers=bearer(session_raw))

    assert response.status_code == 204
    assert_revoked(token, raw, TokenRevocation.OWNER)
    assert works(session_raw)
    again = Client().delete(f"{MY_TOKENS}/{token.prefix}", headers=bearer(session_raw))
    assert again.status_code == 204


def test_a_token_can_revoke_itself() -> None:
    _token, raw = new_token()
    assert Client().delete(f"{MY_TOKENS}/{raw[:12]}", headers=bearer(raw)).status_code == 204
    assert not works(raw)


def test_someone_elses_prefix_is_404_and_their_token_keeps_working(client_as: ClientAs) -> None:
    theirs, raw = new_token(user("lcpc.jetioguz"))

    response = client_as("police.jetioguz").delete(f"{MY_TOKENS}/{theirs.prefix}")

    assert response.status_code == 404
    assert set(response.json()) == {"detail", "errors"}
    assert reloaded(theirs).revoked_at is None
    assert works(raw)


@pytest.mark.parametrize("prefix", ["kn_unknown000", "kn_", "x" * 40, "kn_%00abc"])
def test_an_unknown_or_malformed_prefix_is_404(client_as: ClientAs, prefix: str) -> None:
    assert client_as("police.jetioguz").delete(f"{MY_TOKENS}/{prefix}").status_code == 404


def test_the_token_api_needs_a_signed_in_caller() -> None:
    token, _raw = new_token()
    assert Client().get(MY_TOKENS).status_code == 401
    assert Client().delete(f"{MY_TOKENS}/{token.prefix}").status_code == 401
    assert reloaded(token).revoked_at is None


# The page ----------------------------------------------------------------------------------------


def test_the_user_menu_links_to_the_token_page(client_as: ClientAs) -> None:
    assert f'href="{PAGE}"' in client_as("police.jetioguz").get("/").content.decode()


def test_a_token_made_on_the_page_is_shown_once_and_works(client_as: ClientAs) -> None:
    client = client_as("police.jetioguz")

    response = client.post(PAGE, {"create": "1", "name": "Excel report"})

    assert response.status_code == 200
    raw = response.context["new_token"]["raw"]
    assert raw in response.content.decode()
    assert works(raw)
    token = ApiToken.objects.get(user__username="police.jetioguz", name="Excel report")
    again = client.get(PAGE).content.decode()
    assert raw not in again
    assert token.prefix in again


def test_a_token_without_a_name_is_refused_on_the_page(client_as: ClientAs) -> None:
    response = client_as("police.jetioguz").post(PAGE, {"create": "1", "name": ""})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_the_page_lists_state_and_dates_of_the_users_tokens(client_as: ClientAs) -> None:
    owner = user()
    active, _ = new_token(owner, name="active one")
    expired, _ = new_token(owner, name="expired one")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    theirs, _ = new_token(user("lcpc.jetioguz"), name="not mine")

    response = client_as(owner.username).get(PAGE)

    page = response.content.decode()
    assert response.status_code == 200
    assert active.prefix in page and expired.prefix in page
    assert theirs.prefix not in page and "not mine" not in page
    assert {t.state for t in response.context["tokens"]} == {TokenState.ACTIVE, TokenState.EXPIRED}


def test_the_owner_revokes_a_token_on_the_page(client_as: ClientAs) -> None:
    token, raw = new_token()

    response = client_as("police.jetioguz").post(PAGE, {"revoke": token.prefix})

    assert response.status_code == 302
    assert_revoked(token, raw, TokenRevocation.OWNER)


def test_the_page_cannot_revoke_someone_elses_token(client_as: ClientAs) -> None:
    theirs, raw = new_token(user("lcpc.jetioguz"))

    client_as("police.jetioguz").post(PAGE, {"revoke": theirs.prefix})

    assert reloaded(theirs).revoked_at is None
    assert works(raw)


def test_revoking_on_the_page_needs_the_csrf_token() -> None:
    token, _raw = new_token()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user())

    assert client.post(PAGE, {"revoke": token.prefix}).status_code == 403
    assert reloaded(token).revoked_at is None


def test_the_token_page_asks_an_anonymous_visitor_to_log_in() -> None:
    response = Client().get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


# The command -------------------------------------------------------------------------------------


def test_the_token_command_says_when_the_token_expires() -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("token", "create", "registrar.jetioguz", "--days", "3", stdout=out, stderr=err)

    raw = out.getvalue().strip()
    token = ApiToken.objects.get(user__username="registrar.jetioguz")
    assert token_authenticate(raw) == token.user
    expires = timezone.localtime(token.expires_at)
    assert f"Expires {expires:%Y-%m-%d %H:%M}." in err.getvalue()
    assert (token.expires_at - token.created_at).days in (2, 3)

    listing = io.StringIO()
    call_command("token", "list", "registrar.jetioguz", stdout=listing)
    assert f"expires {expires:%Y-%m-%d}" in listing.getvalue()
    assert "active" in listing.getvalue()
