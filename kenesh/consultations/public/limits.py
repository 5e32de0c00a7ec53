"""How many concerns one client address may send through the public form and API.

Generous on purpose: a whole village may reach the internet through one mobile carrier address,
and a community meeting through one Wi-Fi router, so the limit stops a script, not a meeting:
:data:`CONCERNS_PER_WINDOW` concerns per :data:`WINDOW_SECONDS` per address (a fixed window in
the shared cache, which every web process of a deployment sees: Redis, or files in the data
directory). The address is the one the login lockout trusts
(:func:`kenesh.accounts.client_address.client_address`, behind ``KENESH_PROXY_COUNT``
proxies), and is kept in the cache only as a keyed hash.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from kenesh.accounts.client_address import client_address

CONCERNS_PER_WINDOW = 20
WINDOW_SECONDS = 600


def _key(request: HttpRequest, now: float | None = None) -> str:
    address = client_address(request) or "unknown"
    digest = salted_hmac("kenesh.public.concern-limit", address, algorithm="sha256").hexdigest()
    window = int((time.time() if now is None else now) // WINDOW_SECONDS)
    return f"kenesh:concern-limit:{digest[:24]}:{window}"


def concern_limit_reached(request: HttpRequest) -> bool:
    """Whether the request's address has sent as many concerns as a window allows."""
    return int(cache.get(_key(request), 0)) >= CONCERNS_PER_WINDOW


def concern_limit_count(request: HttpRequest) -> None:
    """Count one concern (or one refused attempt a robot made) against the address."""
    key = _key(request)
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between the two calls: this is the window's first
        cache.set(key, 1, timeout=WINDOW_SECONDS)


def concern_limit_reset(request: HttpRequest) -> None:
    """Forget the address's count of the current window (tests, an operator's shell)."""
    cache.delete(_key(request))
