"""Rate limits of anonymous writes (a public survey form, a public concern form): how many of
one kind of event one client address may cause in a window of time.

Counted in the cache (Redis in production, files under the data directory otherwise) in fixed
windows: simple, and enough against a script filling a form in a loop. The limits are meant to
be generous, since a whole village may reach the server through one carrier address
(kenesh.accounts.client_address says which address is the client's). Logins have their own
lockout (django-axes).
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


def _bucket(scope: str, key: str, window_s: int) -> str:
    # The address is hashed: the cache holds no client address in clear.
    digest = hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()[:32]
    return f"kenesh:rate:{scope}:{digest}:{int(time.time() // window_s)}"


def rate_exceeded(scope: str, key: str, *, limit: int, window_s: int) -> bool:
    """Whether ``key`` (a client address) already caused ``limit`` events of ``scope`` in the
    current window."""
    return int(cache.get(_bucket(scope, key, window_s)) or 0) >= limit


def rate_count(scope: str, key: str, *, window_s: int) -> int:
    """Count one event of ``scope`` for ``key``; the number counted in this window."""
    bucket = _bucket(scope, key, window_s)
    cache.add(bucket, 0, timeout=window_s + 1)
    try:
        return int(cache.incr(bucket))
    except ValueError:  # expired between the two calls
        cache.set(bucket, 1, timeout=window_s + 1)
        return 1
