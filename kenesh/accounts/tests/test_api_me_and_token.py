"""API: who am I, API tokens by password or by command, Bearer authentication and lockout."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from kenesh.accounts.models import ApiToken, TokenRevocation, User, hash_token
from kenesh.accounts.services import token_create, token_revoke
from kenesh.portal.demo import DEMO_PASSWORD, JETI_OGUZ

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
TOKEN = "/api/v1/auth/token"


def post_json(client: Client, url: str, data: Any) -> Any:
    return client.post(url, data=json.dumps(data), content_type="application/json")


def ask_for_token(client: Client, username: str, password: str) -> Any:
    return post_json(client, TOKEN, {"username": username, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error_shape(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"detail", "errors"}
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["errors"], list)
    return body


def test_me_names_the_user_and_their_roles_with_unit_codes(client_as: Any) -> None:
    response = client_as("lcpc.jetioguz").get(ME)

    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "lcpc.jetioguz"
    assert body["full_name"] == "Гулзат Токтогулова"
    assert len(body["roles"]) == 1
    role = body["roles"][0]
    assert set(role) == {"role", "role_name", "unit", "unit_name"}
    assert role["role"] == "lcpc"
    assert role["unit"] == JETI_OGUZ
    assert role["unit_name"]


def test_me_answers_401_with_the_error_shape_without_credentials(client: Client) -> None:
    assert_error_shape(client.get(ME), 401)


def test_a_token_is_issued_for_the_right_password_and_works_as_bearer(client: Client) -> None:
    response = ask_for_token(client, "police.jetioguz", DEMO_PASSWORD)

    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) >= 32
    me = Client().get(ME, headers=bearer(token))
    assert me.status_code == 200
    assert me.json()["username"] == "police.jetioguz"


def test_issuing_a_token_stores_only_its_hash(client: Client) -> None:
    token = ask_for_token(client, "police.jetioguz", DEMO_PASSWORD).json()["token"]

    stored = ApiToken.objects.get(user__username="police.jetioguz")
    assert stored.key_hash == hash_token(token)
    assert token not in {stored.key_hash, stored.prefix, stored.name}


def test_a_wrong_password_gets_401_and_no_token(client: Client) -> None:
    response = ask_for_token(client, "police.jetioguz", "not-the-password")

    assert_error_shape(response, 401)
    assert not ApiToken.objects.exists()


def test_an_unknown_username_gets_401(client: Client) -> None:
    assert_error_shape(ask_for_token(client, "nobody.at.all", DEMO_PASSWORD), 401)


def test_an_inactive_user_gets_no_token(client: Client) -> None:
    User.objects.filter(username="civil.jetioguz").update(is_active=False)

    assert_error_shape(ask_for_token(client, "civil.jetioguz", DEMO_PASSWORD), 401)
    assert not ApiToken.objects.exists()


def test_a_token_request_without_the_password_gets_422(client: Client) -> None:
    body = assert_error_shape(post_json(client, TOKEN, {"username": "police.jetioguz"}), 422)

    assert body["errors"][0]["loc"][-1] == "password"


def test_a_token_request_that_is_not_json_gets_422(client: Client) -> None:
    response = client.post(TOKEN, data="username=admin", content_type="application/json")

    body = assert_error_shape(response, 422)
    assert body["errors"][0]["loc"] == ["body"]


def test_a_token_request_that_is_a_json_array_gets_422(client: Client) -> None:
    assert_error_shape(post_json(client, TOKEN, ["police.jetioguz", DEMO_PASSWORD]), 422)


# django-ninja reads the JSON whatever the declared content type, while django-axes records a
# failure from request.POST: a body that breaks form parsing must not reach the password check.
UNREADABLE_AS_FORM = [
    ("multipart/form-data", ""),  # multipart without a boundary
    ("application/x-www-form-urlencoded", "&" * 1200),  # more fields than Django reads
]


@pytest.mark.parametrize(
    ("content_type", "padding"), UNREADABLE_AS_FORM, ids=["multipart", "fields"]
)
def test_a_body_unreadable_as_a_form_cannot_dodge_the_lockout(
    client: Client, content_type: str, padding: str
) -> None:
    def attempt(password: str) -> Any:
        body = {"username": "lcpc.jetioguz", "password": password, "padding": padding}
        return client.post(TOKEN, data=json.dumps(body), content_type=content_type)

    statuses = {attempt(f"wrong-{n}").status_code for n in range(settings.AXES_FAILURE_LIMIT + 2)}

    assert statuses == {422}
    assert_error_shape(attempt(DEMO_PASSWORD), 422)
    assert not ApiToken.objects.exists()


def test_repeated_failures_lock_the_username_out_with_429_even_for_the_right_password(
    client: Client,
) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5
    statuses = [
        ask_for_token(client, "lcpc.jetioguz", f"wrong-{attempt}").status_code
        for attempt in range(limit)
    ]

    # The attempt that reaches the limit is already refused as a lockout.
    assert statuses == [401] * (limit - 1) + [429]
    locked = ask_for_token(client, "lcpc.jetioguz", DEMO_PASSWORD)
    assert_error_shape(locked, 429)
    assert not ApiToken.objects.exists()


def test_a_lockout_of_one_username_leaves_other_users_alone(client: Client) -> None:
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        ask_for_token(client, "lcpc.jetioguz", f"wrong-{attempt}")

    assert ask_for_token(client, "police.jetioguz", DEMO_PASSWORD).status_code == 200


def test_a_bearer_token_authenticates_every_endpoint_without_a_session() -> None:
    user = User.objects.get(username="localgov.jetioguz")
    _token, raw = token_create(actor=user, user=user, name="script")
    client = Client()

    assert client.get(ME, headers=bearer(raw)).json()["username"] == "localgov.jetioguz"
    assert client.get("/api/v1/organisations", headers=bearer(raw)).status_code == 200


def test_a_revoked_token_gets_401() -> None:
    user = User.objects.get(username="localgov.jetioguz")
    token, raw = token_create(actor=user, user=user, name="script")
    token_revoke(actor=user, token=token, reason=TokenRevocation.OWNER)

    assert_error_shape(Client().get(ME, headers=bearer(raw)), 401)


def test_a_made_up_token_gets_401() -> None:
    assert_error_shape(Client().get(ME, headers=bearer("x" * 43)), 401)


def test_the_token_of_a_deactivated_user_gets_401() -> None:
    user = User.objects.get(username="localgov.jetioguz")
    _token, raw = token_create(actor=user, user=user)
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert_error_shape(Client().get(ME, headers=bearer(raw)), 401)


def test_the_token_command_prints_a_working_token_stored_only_hashed() -> None:
    out = io.StringIO()
    call_command("token", "create", "registrar.jetioguz", stdout=out)

    raw = out.getvalue().strip()
    assert raw and "\n" not in raw
    stored = ApiToken.objects.get(user__username="registrar.jetioguz")
    assert stored.key_hash == hash_token(raw)
    assert raw not in {stored.key_hash, stored.prefix, stored.name}
    me = Client().get(ME, headers=bearer(raw))
    assert me.status_code == 200
    assert me.json()["username"] == "registrar.jetioguz"


def test_a_token_revoked_by_command_stops_working() -> None:
    out = io.StringIO()
    call_command("token", "create", "registrar.jetioguz", stdout=out)
    raw = out.getvalue().strip()

    assert raw.startswith("kn_")
    call_command("token", "revoke", raw[: ApiToken.PREFIX_LENGTH], stdout=io.StringIO())

    assert_error_shape(Client().get(ME, headers=bearer(raw)), 401)
