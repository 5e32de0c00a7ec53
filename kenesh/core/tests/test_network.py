"""`kenesh serve --addr 0.0.0.0` answers phones on the office network at the machine's own
addresses: they are read from the kernel's tables and added to the allowed hosts."""

from __future__ import annotations

from pathlib import Path

from django.test import override_settings

from kenesh.core.management.commands.serve import allowed_hosts
from kenesh.core.network import _linux_ipv4, _linux_ipv6, machine_addresses

FIB_TRIE = """Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 127.0.0.0/8 2 0 2
           |-- 127.0.0.1
              /32 host LOCAL
     +-- 192.168.1.0/24 2 0 2
           |-- 192.168.1.0
              /24 link UNICAST
           |-- 192.168.1.10
              /32 host LOCAL
        |-- 192.168.1.255
           /32 link BROADCAST
"""
IF_INET6 = """fd000000000000000000000000000002 04 40 00 82     eth0
00000000000000000000000000000001 01 80 10 80       lo
"""


def test_local_addresses_are_read_from_the_kernels_tables(tmp_path: Path) -> None:
    (tmp_path / "fib_trie").write_text(FIB_TRIE)
    (tmp_path / "if_inet6").write_text(IF_INET6)
    assert _linux_ipv4(tmp_path / "fib_trie") == {"127.0.0.1", "192.168.1.10"}
    assert _linux_ipv6(tmp_path / "if_inet6") == {"fd00::2", "::1"}
    assert _linux_ipv4(tmp_path / "missing") == set()


def test_the_machines_addresses_leave_out_loopback_and_link_local() -> None:
    for address in machine_addresses():
        assert not address.startswith(("127.", "fe80:")) and address != "::1"


@override_settings(ALLOWED_HOSTS=["127.0.0.1", "localhost"])
def test_every_interface_adds_the_machines_addresses_to_the_allowed_hosts() -> None:
    hosts = allowed_hosts("0.0.0.0")
    expected = {f"[{a}]" if ":" in a else a for a in machine_addresses()}
    assert hosts[:2] == ["127.0.0.1", "localhost"]
    assert set(hosts[2:]) == expected
    assert allowed_hosts("127.0.0.1") == ["127.0.0.1", "localhost"]
    assert allowed_hosts("10.1.2.3") == ["127.0.0.1", "localhost", "10.1.2.3"]
