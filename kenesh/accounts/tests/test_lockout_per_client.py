"""The login lockout counts each real client, behind reverse proxies or not."""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, RequestFactory

from kenesh.accounts.client_address import client_address

PASSWORD = "kenesh-demo"
USERNAME = "lcpc.jetioguz"
PROXY = "10.0.0.2"


def log_in(password: str, *, remote: str = PROXY, forwarded: str | None = None) -> Any:
    extra: dict[str, Any] = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().post("/login/", {"username": USERNAME, "password": password}, **extra)


def request_from(remote: str, forwarded: str | None = None) -> Any:
    extra: dict[str, Any] = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


# The address --------------------------------------------------------------------------------------


def test_without_declared_proxies_the_forwarded_header_is_ignored(settings: Any) -> None:
    settings.PROXY_COUNT = 0
    assert client_address(request_from("192.0.2.7", "203.0.113.9")) == "192.0.2.7"


def test_behind_one_proxy_the_client_is_the_last_hop(settings: Any) -> None:
    settings.PROXY_COUNT = 1
    # The client wrote the first entry itself; the proxy appended the address it saw.
    request = request_from(PROXY, "198.51.100.1, 203.0.113.9")
    assert client_address(request) == "203.0.113.9"


def test_behind_two_proxies_the_client_is_the_second_hop_from_the_right(settings: Any) -> None:
    settings.PROXY_COUNT = 2
    request = request_from(PROXY, "198.51.100.1, 203.0.113.9, 10.0.0.1")
    assert client_address(request) == "203.0.113.9"


def test_a_request_with_fewer_hops_than_proxies_counts_its_connection(settings: Any) -> None:
    settings.PROXY_COUNT = 2
    assert client_address(request_from("192.0.2.7", "203.0.113.9")) == "192.0.2.7"
    assert client_address(request_from("192.0.2.7")) == "192.0.2.7"


def test_a_hop_that_is_not_an_address_counts_the_connection(settings: Any) -> None:
    settings.PROXY_COUNT = 1
    assert client_address(request_from(PROXY, "unknown")) == PROXY
    assert client_address(request_from(PROXY, "1.2.3.4'; DROP TABLE x")) == PROXY


@pytest.mark.parametrize(
    ("hop", "address"),
    [
        ("203.0.113.9:4711", "203.0.113.9"),
        ("[2001:db8::1]:4711", "2001:db8::1"),
        (" 2001:DB8::1 ", "2001:db8::1"),
    ],
)
def test_a_hop_with_a_port_or_in_capitals_is_read_as_its_address(
    settings: Any, hop: str, address: str
) -> None:
    settings.PROXY_COUNT = 1
    assert client_address(request_from(PROXY, f"198.51.100.1, {hop}")) == address


# The lockout --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_behind_a_proxy_five_failures_from_five_clients_lock_nobody_out(settings: Any) -> None:
    settings.PROXY_COUNT = 1
    limit = settings.AXES_FAILURE_LIMIT
    for client in range(limit):
        response = log_in("wrong-password", forwarded=f"203.0.113.{client + 1}")
        assert response.status_code == 200  # the form again, not the lockout

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
        f"203.0.113.{client + 1}" for client in range(limit)
    }
    # A sixth client, and each of the five, still log in with the right password.
    assert log_in(PASSWORD, forwarded="203.0.113.99").status_code == 302
    assert log_in(PASSWORD, forwarded="203.0.113.1").status_code == 302


@pytest.mark.django_db
def test_behind_a_proxy_five_failures_from_one_client_lock_that_client_only(
    settings: Any,
) -> None:
    settings.PROXY_COUNT = 1
    statuses = [
        log_in("wrong-password", forwarded=f"198.51.100.{n}, 203.0.113.1").status_code
        for n in range(settings.AXES_FAILURE_LIMIT)
    ]

    # The client varied the entry it writes itself; the proxy's entry still names it.
    assert statuses[-1] == 429
    assert log_in(PASSWORD, forwarded="203.0.113.1").status_code == 429
    assert log_in(PASSWORD, forwarded="203.0.113.2").status_code == 302


@pytest.mark.django_db
def test_without_declared_proxies_forwarded_addresses_do_not_dodge_the_lockout(
    settings: Any,
) -> None:
    settings.PROXY_COUNT = 0
    statuses = [
        log_in("wrong-password", remote="192.0.2.7", forwarded=f"203.0.113.{n + 1}").status_code
        for n in range(settings.AXES_FAILURE_LIMIT)
    ]

    assert statuses[-1] == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.7"}
    assert log_in(PASSWORD, remote="192.0.2.7", forwarded="203.0.113.50").status_code == 429
    assert log_in(PASSWORD, remote="192.0.2.8").status_code == 302


def test_the_lockout_asks_kenesh_for_the_client_address() -> None:
    assert settings.AXES_CLIENT_IP_CALLABLE == "kenesh.accounts.client_address.client_address"
    # django-ipware is not installed: settings for it would be silently ignored.
    assert getattr(settings, "AXES_IPWARE_PROXY_COUNT", None) is None
