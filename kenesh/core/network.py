"""This machine's own network addresses: where phones in the office reach ``kenesh serve``."""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
import socket
from pathlib import Path


def machine_addresses() -> set[str]:
    """The machine's IPv4 and IPv6 addresses, loopback and link-local ones left out.

    Read from the kernel's tables on Linux (every interface), the host name's addresses and
    the address the default route leaves from (other systems)."""
    found: set[str] = set()
    found |= _linux_ipv4(Path("/proc/net/fib_trie"))
    found |= _linux_ipv6(Path("/proc/net/if_inet6"))
    for name in {socket.gethostname(), socket.getfqdn()}:
        with contextlib.suppress(OSError):
            found |= {str(info[4][0]) for info in socket.getaddrinfo(name, None)}
    for family, probe in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1")):
        # Connecting a datagram socket sends nothing; it only picks the outgoing address.
        with contextlib.suppress(OSError), socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.connect((probe, 9))
            found.add(sock.getsockname()[0])
    return {address for address in found if _reachable(address)}


def _reachable(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast)


def _linux_ipv4(path: Path) -> set[str]:
    """Local addresses in ``/proc/net/fib_trie``: an address line followed by ``/32 host LOCAL``."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return set()
    found = set()
    for previous, line in itertools.pairwise(lines):
        if line.strip() == "/32 host LOCAL":
            found.add(previous.split()[-1])
    return found


def _linux_ipv6(path: Path) -> set[str]:
    """Addresses in ``/proc/net/if_inet6``: 32 hex digits first on each line."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return set()
    found = set()
    for line in lines:
        digits = line.split()[0] if line.split() else ""
        if len(digits) == 32:
            with contextlib.suppress(ValueError):
                found.add(str(ipaddress.IPv6Address(bytes.fromhex(digits))))
    return found
