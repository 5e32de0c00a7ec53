"""Rate limits of anonymous writes (a public survey form, a public concern form): how many of
one kind of event one client address may cause in a window of time.

Counted in the cache (Redis in production, files under the data directory otherwise) in fixed
windows: simple, and enough against a script filling a form in a loop. The limits are meant to
be generous, since a whole village may reach the server through one carrier address and a
community meeting through one Wi-Fi router (kenesh.accounts.client_address says which address
is the client's; the caller passes it as the key). Logins have their own lockout (django-axes).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.crypto import salted_hmac


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` events of ``scope`` per key (a client address) in ``window_s``."""

    scope: str
    limit: int
    window_s: int

    def _bucket(self, key: str, now: float | None = None) -> str:
        # A keyed hash: the cache holds no client address in clear.
        digest = salted_hmac(f"kenesh.rate.{self.scope}", key, algorithm="sha256").hexdigest()
        window = int((time.time() if now is None else now) // self.window_s)
        return f"kenesh:rate:{self.scope}:{digest[:32]}:{window}"

    def exceeded(self, key: str) -> bool:
        """Whether ``key`` already caused as many events as the current window allows."""
        return int(cache.get(self._bucket(key)) or 0) >= self.limit

    def count(self, key: str) -> int:
        """Count one event for ``key``; the number counted in this window."""
        bucket = self._bucket(key)
        cache.add(bucket, 0, timeout=self.window_s + 1)
        try:
            return int(cache.incr(bucket))
        except ValueError:  # expired between the two calls: this is the window's first
            cache.set(bucket, 1, timeout=self.window_s + 1)
            return 1

    def reset(self, key: str) -> None:
        """Forget ``key``'s count of the current window (tests, an operator's shell)."""
        cache.delete(self._bucket(key))
