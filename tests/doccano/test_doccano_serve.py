"""``python -m pipeline doccano serve`` (the session's server): on the loopback interface only."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx


def listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as in /proc/net/tcp and tcp6) of the sockets listening on ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if int(hex_port, 16) == port and fields[3] == "0A":
                found.add(address)
    return found


def test_serve_binds_the_loopback_interface_only(doccano: Any) -> None:
    assert httpx.get(f"{doccano.url}/v1/health/", timeout=30).status_code == 200
    assert listening_addresses(doccano.port) == {"0100007F"}  # 127.0.0.1; `doccano webserver` would bind 0.0.0.0

