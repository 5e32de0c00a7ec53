"""How many concerns one client address may send through the public form and API.

Generous on purpose (kenesh.core.ratelimit): the limit stops a script, not a meeting. The
address is the one the login lockout trusts (:func:`kenesh.accounts.client_address.client_address`,
behind ``KENESH_PROXY_COUNT`` proxies).
"""

from __future__ import annotations

from django.http import HttpRequest

from kenesh.accounts.client_address import client_address
from kenesh.core.ratelimit import RateLimit

CONCERNS = RateLimit("public-concern", limit=20, window_s=600)


def _address(request: HttpRequest) -> str:
    return client_address(request) or "unknown"


def concern_limit_reached(request: HttpRequest) -> bool:
    """Whether the request's address has sent as many concerns as a window allows."""
    return CONCERNS.exceeded(_address(request))


def concern_limit_count(request: HttpRequest) -> None:
    """Count one concern (or one refused attempt a robot made) against the address."""
    CONCERNS.count(_address(request))


def concern_limit_reset(request: HttpRequest) -> None:
    """Forget the address's count of the current window (tests, an operator's shell)."""
    CONCERNS.reset(_address(request))
