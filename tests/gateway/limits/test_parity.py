"""The same calls, the same answers: each scenario runs against the in-memory limiter
(the reference) and the Redis one, and every outcome (admitted, or the refusal's status,
reason and headers) must match. Timing-dependent headers (the resets) are left out."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.limits import FairShares, Hold, MemoryShares, RateLimited
from gateway.limits.fleet import FleetShares
from tests.gateway.limits.helpers import Replicas, limits, who

Step = tuple[Any, ...]
SCENARIOS: dict[str, tuple[dict[str, Any], list[Step]]] = {
    "requests": (
        {"default": {"requests_per_minute": 3}},
        [("admit", "u1", 1)] * 4 + [("admit", "u2", 1), ("precheck", "u1"), ("precheck", "u2")],
    ),
    "tokens": (
        {"default": {"tokens_per_minute": 1000}},
        [("admit", "u1", 700), ("admit", "u1", 400), ("admit", "u1", 300), ("admit", "u1", 1)],
    ),
    "concurrency": (
        {"default": {"concurrent": 2}},
        [("admit", "u1", 1), ("admit", "u1", 1), ("admit", "u1", 1), ("precheck", "u1"),
         ("release", 0), ("admit", "u1", 1), ("admit", "u1", 1)],
    ),
    "classification": (
        {"default": {"classified_chars_per_minute": 1000}},
        [("charge", "u1", 800), ("charge", "u1", 300), ("precheck", "u1"),
         ("charge", "u1", 200), ("precheck", "u1"), ("charge", "u2", 5000)],
    ),
    "edge at admission": (
        {"edge": {"concurrent": 3, "max_share": 0.5}},
        [("admit edge", "u1"), ("admit edge", "u1"), ("admit edge", "u2"),
         ("admit edge", "u3"), ("release", 0), ("admit edge", "u3")],
    ),
    "edge after admission": (
        {"default": {"requests_per_minute": 10}, "edge": {"concurrent": 2, "max_share": 0.5}},
        [("admit", "u1", 1), ("edge", 0), ("admit", "u1", 1), ("edge", 1), ("admit", "u2", 1),
         ("edge", 2), ("admit", "u3", 1), ("edge", 3)],
    ),
    "roles and tenants": (
        {"key": "tenant", "default": {"requests_per_minute": 1},
         "roles": [{"roles_any": ["Batch"], "requests_per_minute": 3}]},
        [("admit", "a", 1), ("admit", "b", 1), ("admit", "batch", 1), ("admit", "batch", 1),
         ("admit", "batch", 1), ("admit", "batch", 1)],
    ),
}  # fmt: skip
KEPT_HEADERS = (
    "Retry-After",
    "x-ratelimit-limit-requests",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-limit-tokens",
    "x-ratelimit-remaining-tokens",
)


def principal(name: str) -> Any:
    if name == "batch":
        return who("batch", tenant="t-batch", roles=("Batch",))
    return who(name, tenant=f"t-{name}")


async def play(shares: FairShares, data: dict[str, Any], steps: list[Step]) -> list[Any]:
    policy = limits(**data)
    leases: list[Hold] = []
    outcomes: list[Any] = []
    for op, *args in steps:
        try:
            if op == "admit":
                leases.append(await shares.admit(policy, principal(args[0]), args[1]))
            elif op == "admit edge":
                leases.append(await shares.admit(policy, principal(args[0]), 1, edge=True))
            elif op == "edge":
                await shares.admit_edge(policy, leases[args[0]])
            elif op == "charge":
                await shares.charge_classification(policy, principal(args[0]), args[1])
            elif op == "precheck":
                await shares.precheck(policy, principal(args[0]))
            elif op == "release":
                leases[args[0]].release()
                if isinstance(shares, FleetShares):
                    await shares.flush()
            outcomes.append("ok")
        except RateLimited as refused:
            kept = {k: v for k, v in refused.headers().items() if k in KEPT_HEADERS}
            outcomes.append((refused.status_code, refused.reason, refused.message, kept))
    return [*outcomes, dict(shares.refusals)]


@pytest.mark.parametrize("name", SCENARIOS)
async def test_the_shared_store_answers_as_memory_does(replicas: Replicas, name: str) -> None:
    data, steps = SCENARIOS[name]
    reference = await play(MemoryShares(), data, steps)
    assert await play(replicas(), data, steps) == reference
    assert any(o != "ok" for o in reference[:-1])  # each scenario refuses something
