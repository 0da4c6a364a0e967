"""Which addresses a server without authentication may bind to."""

from __future__ import annotations

import ipaddress


def require_loopback(host: str, who: str, reason: str = "it has no authentication") -> str:
    """Refuses a non-loopback bind for a server that does not check who calls it:
    anything reachable off-box would be an open relay to the models."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(
            f"{who}.host {host!r} is not a loopback address; {who} only binds to "
            f"127.0.0.1, ::1 or localhost because {reason}"
        )
    return host
