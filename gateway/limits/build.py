"""Builds the limiter the settings ask for: in memory, or on the shared store."""

from __future__ import annotations

from pathlib import Path

from gateway.limits.shares import FairShares, MemoryShares
from gateway.settings import LimitsSettings


def build_shares(
    settings: LimitsSettings, default_authority: str, ca_file: Path | None
) -> FairShares:
    """Connects nothing yet: the Redis client opens its first connection on first use,
    and `start` (with the app) readies its credentials and probes it."""
    if settings.store == "memory":
        return MemoryShares()
    # Imported here: redis-py takes a tenth of a second to import, which a gateway
    # counting in memory (the appliance, `make run`, the CLI) need not pay.
    from gateway.limits.connect import credentials_for, redis_client
    from gateway.limits.fleet import FleetShares
    from gateway.limits.store import RedisStore

    redis = settings.redis
    credentials, upkeep = credentials_for(redis, default_authority, ca_file)
    client = redis_client(redis, credentials, ca_file)
    store = RedisStore(client, redis.key_prefix, settings.lease_s, redis.socket_timeout_s)
    return FleetShares(
        store,
        settings.on_store_unavailable,
        settings.replicas,
        settings.lease_s,
        upkeep,
        credentials.get_credentials_async if credentials is not None else None,
    )
