"""The fake API server binds to loopback unless told otherwise (issue 8, item 5).

The listening address is read from the kernel (``/proc/net/tcp``, ``/proc/net/tcp6``), not
from the server's own idea of it.
"""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest

from kinformer.testing import FakeApiServer

_LISTEN = "0A"


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a socket in LISTEN state on ``port`` (this network namespace)."""
    found: set[str] = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state = fields[1], fields[3]
            address, port_hex = local.split(":")
            if state != _LISTEN or int(port_hex, 16) != port:
                continue
            raw = bytes.fromhex(address)
            # /proc prints each 32-bit word in host (little-endian) order.
            raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            assert len(address) == width
            found.add(str(ipaddress.ip_address(raw)))
    return found


@pytest.mark.parametrize("tls", [False, True])
def test_fake_apiserver_listens_on_loopback_only_by_default(tls: bool) -> None:
    with FakeApiServer(tls=tls) as server:
        addresses = listening_addresses(server.port)
        assert addresses, "the server's listening socket was not found"
        assert all(ipaddress.ip_address(a).is_loopback for a in addresses), addresses
        assert server.url.startswith(("http://127.0.0.1:", "https://127.0.0.1:"))


def test_fake_apiserver_binds_all_interfaces_only_when_told() -> None:
    """The check above can see a non-loopback bind: ask for one explicitly."""
    with FakeApiServer(host="0.0.0.0") as server:
        addresses = listening_addresses(server.port)
        assert "0.0.0.0" in addresses
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
            conn.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := conn.recv(4096):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200"), answer[:80]  # /version needs no token
