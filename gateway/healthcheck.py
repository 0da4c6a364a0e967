"""`python -m gateway.healthcheck [--edge]`: exit 0 when the gateway's (or the edge
server's) /readyz answers 200 on this host. The container's HEALTHCHECK and the
pod's exec probes use it, so the image needs no curl, and loopback binds are probed
from inside the network namespace that can reach them.
"""

from __future__ import annotations

import argparse
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence

from gateway.cli.settings import ConfigError, load_settings

TIMEOUT_S = 5.0
# A wildcard bind is reachable on loopback.
LOOPBACK_FOR = {"0.0.0.0": "127.0.0.1", "::": "::1"}


def readyz_url(host: str, port: int) -> str:
    host = LOOPBACK_FOR.get(host, host)
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}/readyz"


def probe(url: str) -> tuple[bool, str]:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            return response.status == 200, f"{url}: {response.status}"
    except urllib.error.HTTPError as exc:
        return False, f"{url}: {exc.code}"
    except OSError as exc:  # refused, timed out, unreachable
        return False, f"{url}: {exc}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.healthcheck")
    parser.add_argument("--edge", action="store_true", help="probe the edge server instead")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"healthcheck: {exc}", file=sys.stderr)
        return 1
    server = settings.edge if args.edge else settings.server
    ok, detail = probe(readyz_url(server.host, server.port))
    print(detail, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
