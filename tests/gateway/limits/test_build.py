"""The limiter the settings ask for: in memory by default, without redis-py even being
imported (the appliance and `make run` pay nothing for the shared store), or on Redis."""

from __future__ import annotations

import subprocess
import sys

from gateway.limits import MemoryShares, build_shares
from gateway.settings import LimitsSettings
from tests.gateway.limits.helpers import AUTHORITY


def test_the_default_counts_in_memory_and_never_imports_redis() -> None:
    assert isinstance(build_shares(LimitsSettings(), AUTHORITY, None), MemoryShares)
    script = (
        "import sys; from gateway.app import create_app; from gateway.cli.settings import "
        "load_settings; create_app(load_settings()); "
        "sys.exit(any(m == 'redis' or m.startswith('redis.') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", script], check=False).returncode == 0


async def test_a_redis_store_is_built_without_connecting() -> None:
    from gateway.limits.fleet import FleetShares

    # Nothing listens there: building must not try.
    settings = LimitsSettings(store="redis", redis={"url": "redis://127.0.0.1:9/0"})
    shares = build_shares(settings, AUTHORITY, None)
    assert isinstance(shares, FleetShares)
    assert shares.store_state == "up"  # until a check or the start's probe says otherwise
    await shares.aclose()
