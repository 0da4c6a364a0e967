"""The policy's fair shares: per-principal request, token, classification and
concurrency quotas and each principal's share of the edge, counted in this replica's
memory (`MemoryShares` over `Limiter`) or in Redis for the whole fleet
(`gateway.limits.fleet.FleetShares`, built by `build_shares` when the settings ask).

The pipeline sees `FairShares` only; a refusal is `RateLimited` (429), and a shared
store that is down with `on_store_unavailable: closed` is `LimitsUnavailable` (503).
"""

from __future__ import annotations

from gateway.limits.build import build_shares
from gateway.limits.memory import Lease, Limiter
from gateway.limits.refusal import RateLimited
from gateway.limits.shares import FairShares, Hold, MemoryShares, StoreState

__all__ = [
    "FairShares",
    "Hold",
    "Lease",
    "Limiter",
    "MemoryShares",
    "RateLimited",
    "StoreState",
    "build_shares",
]
