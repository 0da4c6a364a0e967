"""Whose quota a request counts against, and which quota: the policy's `limits:` read
for one principal. Shared by the memory and the Redis limiters, so both key and size
a quota the same way."""

from __future__ import annotations

import hashlib
import math

from gateway.auth.principal import Principal
from gateway.policy.model import EdgeShare, Limits, Quota

QUOTA_FIELDS = (
    "requests_per_minute",
    "tokens_per_minute",
    "concurrent",
    "classified_chars_per_minute",
)


def principal_key(limits: Limits, principal: Principal | None) -> str:
    if principal is None:
        return "anonymous"
    if limits.key == "tenant":
        return f"tenant:{principal.tid}"
    if limits.key == "app":
        return f"app:{principal.app_id or principal.subject}"
    return f"user:{principal.oid or principal.subject}"


def hashed_key(key: str) -> str:
    """What a shared store is given instead of the principal: no oid, name or e-mail
    leaves the gateway. 128 bits of SHA-256 keep collisions out of reach."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def quota_for(limits: Limits, principal: Principal | None) -> Quota:
    """The first `roles` entry the principal's app roles or groups match, else the
    default. Only the size of the quota: its count stays keyed on `limits.key`."""
    if principal is None:
        return limits.default
    for override in limits.roles:
        if override.matches(principal.roles, principal.groups):
            return override
    return limits.default


def edge_share_of(edge: EdgeShare, cap: int) -> int:
    """Places on the edge one principal may hold: max_share of the cap, at least one."""
    return max(1, math.floor(edge.max_share * cap))


def divided(limits: Limits, parts: int) -> Limits:
    """`limits` with every number divided by `parts` (rounded up, at least 1): what each
    of `parts` replicas enforces on its own when they cannot share one count."""
    if parts == 1:
        return limits

    def part(value: int | None) -> int | None:
        return None if value is None else max(1, math.ceil(value / parts))

    def quota(q: Quota) -> Quota:
        # model_copy does not validate: classified_chars_per_minute may go below the
        # 1,000 a policy file may set, which is what dividing means here.
        return q.model_copy(update={name: part(getattr(q, name)) for name in QUOTA_FIELDS})

    edge = limits.edge.model_copy(update={"concurrent": part(limits.edge.concurrent)})
    return limits.model_copy(
        update={
            "default": quota(limits.default),
            "roles": [quota(r) for r in limits.roles],
            "edge": edge,
        }
    )
