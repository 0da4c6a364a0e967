"""What the pipeline asks of the limits, wherever they are counted: `FairShares`, and
`MemoryShares`, its face over this replica's in-memory `Limiter`."""

from __future__ import annotations

from collections import Counter
from typing import Literal, Protocol

from gateway.auth.principal import Principal
from gateway.limits.memory import Lease, Limiter
from gateway.limits.refusal import RateLimited
from gateway.policy.model import Limits

# memory: counted in this replica; up / down: the shared store answers or not.
StoreState = Literal["memory", "up", "down"]


class Hold(Protocol):
    """An admitted request's places (concurrency, edge), given back when it ends."""

    @property
    def edge(self) -> bool: ...

    def release(self, used_tokens: int | None = None) -> None:
        """`used_tokens`: what the answer really used, where the store corrects the
        admission's estimate by it; None when unknown."""
        ...


class FairShares(Protocol):
    """Each method refuses with `RateLimited` (429), or `LimitsUnavailable` (503) when
    the shared store is down and the operator chose to fail closed."""

    refusals: Counter[str]

    @property
    def store_state(self) -> StoreState: ...

    async def precheck(self, limits: Limits, principal: Principal | None) -> None: ...

    async def charge_classification(
        self, limits: Limits, principal: Principal | None, chars: int
    ) -> None: ...

    async def debit_classification(
        self, limits: Limits, principal: Principal | None, chars: int
    ) -> None:
        """Takes what a classification cost beyond its characters, never refusing."""
        ...

    async def admit(
        self, limits: Limits, principal: Principal | None, tokens: int, edge: bool = False
    ) -> Hold:
        """`edge`: the request goes to the edge, so its place there is taken at once
        (with the shared store, in the same round trip)."""
        ...

    async def admit_edge(self, limits: Limits, lease: Hold) -> None: ...

    async def start(self) -> None:
        """Readies the store before the first request (bounded; never raises for a
        store that is down, which `store_state` then says)."""
        ...

    async def run(self) -> None:
        """Upkeep until cancelled (lease renewal, probing a store that is down)."""
        ...

    async def aclose(self) -> None: ...


class MemoryShares:
    """The in-memory limiter as it is: its calls take no I/O, so each coroutine returns
    at once, with the limiter's own answer."""

    store_state: StoreState = "memory"

    def __init__(self, limiter: Limiter | None = None) -> None:
        self.limiter = limiter or Limiter()
        self.refusals = self.limiter.refusals

    async def precheck(self, limits: Limits, principal: Principal | None) -> None:
        self.limiter.precheck(limits, principal)

    async def charge_classification(
        self, limits: Limits, principal: Principal | None, chars: int
    ) -> None:
        self.limiter.charge_classification(limits, principal, chars)

    async def debit_classification(
        self, limits: Limits, principal: Principal | None, chars: int
    ) -> None:
        self.limiter.debit_classification(limits, principal, chars)

    async def admit(
        self, limits: Limits, principal: Principal | None, tokens: int, edge: bool = False
    ) -> Lease:
        lease = self.limiter.admit(limits, principal, tokens)
        if edge:
            try:
                self.limiter.admit_edge(limits, lease)
            except RateLimited:
                lease.release()  # the request still counts, as it would have
                raise
        return lease

    async def admit_edge(self, limits: Limits, lease: Hold) -> None:
        if not isinstance(lease, Lease):
            raise TypeError(f"not a lease of this limiter: {type(lease).__name__}")
        self.limiter.admit_edge(limits, lease)

    async def start(self) -> None:
        return None

    async def run(self) -> None:
        return None

    async def aclose(self) -> None:
        return None
