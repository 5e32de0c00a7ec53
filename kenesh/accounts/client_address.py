"""The address of the client behind a request: what the login lockout and the security log count.

Behind ``KENESH_PROXY_COUNT`` reverse proxies, each proxy appends the address it received the
request from to ``X-Forwarded-For``, so the client is the N-th entry from the right; entries
further left were written by the client itself and prove nothing. Without the setting the
header is ignored entirely (anyone can send it) and the address is the connection's own.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> str | None:
    """``value`` as a normalised IP address, or ``None``. Accepts the forms proxies write
    with a port (``203.0.113.5:4711``, ``[2001:db8::1]:4711``)."""
    value = value.strip()
    candidates = [value]
    if value.startswith("[") and "]" in value:
        candidates.append(value[1 : value.index("]")])
    elif value.count(":") == 1:
        candidates.append(value.split(":", 1)[0])
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address: the ``settings.PROXY_COUNT``-th ``X-Forwarded-For`` hop from
    the right when that many proxies are declared, else ``REMOTE_ADDR``.

    A request with fewer hops than declared did not come through the proxies (or a proxy is
    misconfigured): its connection address is the only one to trust. django-axes calls this for
    every login attempt (``AXES_CLIENT_IP_CALLABLE``) and reads the setting at that moment.
    """
    remote = _address(request.META.get("REMOTE_ADDR", "") or "")
    proxies = int(getattr(settings, "PROXY_COUNT", 0) or 0)
    if proxies <= 0:
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote
    return _address(hops[-proxies]) or remote
