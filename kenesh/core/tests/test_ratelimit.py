"""Rate limits of anonymous writes: counted per key in fixed windows, keys kept hashed."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import cache

from kenesh.core.ratelimit import RateLimit

LIMIT = RateLimit("test-scope", limit=2, window_s=60)


@pytest.fixture(autouse=True)
def _fresh() -> None:
    for key in ("198.51.100.1", "198.51.100.2"):
        LIMIT.reset(key)


def test_a_key_is_refused_once_it_reached_the_limit_and_others_are_not() -> None:
    assert not LIMIT.exceeded("198.51.100.1")
    assert LIMIT.count("198.51.100.1") == 1
    assert LIMIT.count("198.51.100.1") == 2
    assert LIMIT.exceeded("198.51.100.1")
    assert not LIMIT.exceeded("198.51.100.2")


def test_the_next_window_starts_from_nothing() -> None:
    with mock.patch("kenesh.core.ratelimit.time.time", return_value=6_000.0):
        LIMIT.count("198.51.100.1")
        LIMIT.count("198.51.100.1")
        assert LIMIT.exceeded("198.51.100.1")
    with mock.patch("kenesh.core.ratelimit.time.time", return_value=6_060.0):
        assert not LIMIT.exceeded("198.51.100.1")


def test_the_cache_holds_no_client_address_in_clear() -> None:
    bucket = LIMIT._bucket("198.51.100.1")
    assert "198.51.100.1" not in bucket
    LIMIT.count("198.51.100.1")
    assert cache.get(bucket) == 1
