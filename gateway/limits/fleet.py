"""Fair shares counted in Redis and shared by every replica (`limits.store: redis`),
with the operator's choice of what happens while the store cannot be reached.

Each check is one script run (`gateway.limits.store`). A concurrency or edge place is
a lease that expires unless renewed: this replica renews its running requests' leases
every `lease_s / 3`, so those of a replica that dies free themselves within `lease_s`.
While the store is down nothing is asked of it: a probe every second finds it back.
Meanwhile `closed` refuses with `LimitsUnavailable` (503), `local` counts in memory
against the limits divided by the number of replicas.

The pre-classification check (`precheck`) asks the store only for a principal this
replica has lately seen refused or exhausted: for everyone else it would cost a round
trip per request to learn nothing, and `admit` counts exactly anyway. An over-limit
caller costs at most one classification per replica before its refusals stay cheap.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal, NoReturn, TypeVar

from gateway.auth.principal import Principal
from gateway.errors import AuthUnavailable, LimitsUnavailable
from gateway.limits.health import StoreHealth
from gateway.limits.memory import Lease, Limiter
from gateway.limits.quota import divided, edge_share_of, hashed_key, principal_key, quota_for
from gateway.limits.refusal import RateLimited, edge_busy, edge_share, ratelimit_headers
from gateway.limits.shares import Hold, MemoryShares, StoreState
from gateway.limits.store import Answer, Edge, RedisStore, Release, StoreUnavailable
from gateway.policy.model import Limits, Quota
from gateway.settings import ConfigError

T = TypeVar("T")
PROBE_INTERVAL_S = 1.0
# How long a principal seen refused or exhausted is prechecked at the store, at least.
HOT_S = 1.0
MAX_HOT = 10_000
EDGE_REFUSALS = frozenset({"edge_busy", "edge_share"})
# How long the start waits for the store's credentials (an Entra token) at most.
WARM_UP_S = 10.0
logger = logging.getLogger(__name__)


@dataclass(eq=False)
class FleetLease:
    """An admitted request's places in the store (and, while it was down, in memory)."""

    _owner: FleetShares
    principal: Principal | None
    hashed: str
    lease_id: str
    quota: Quota
    concurrency: bool  # holds a place in the principal's concurrency set
    charged_tokens: int
    edge: bool = False
    # An edge place taken in memory, the store being down when it was asked for.
    local_edge: Lease | None = None
    released: bool = False

    def release(self, used_tokens: int | None = None) -> None:
        if not self.released:
            self.released = True
            self._owner._release(self, used_tokens)

    @property
    def held_in_store(self) -> bool:
        return self.concurrency or (self.edge and self.local_edge is None)


class FleetShares:
    def __init__(
        self,
        store: RedisStore,
        on_unavailable: Literal["closed", "local"],
        replicas: int,
        lease_s: float,
        upkeep: Sequence[Callable[[], Awaitable[None]]] = (),
        warm_up: Callable[[], Awaitable[object]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`upkeep`: tasks that run with `run` (an Entra token's renewal); `warm_up`:
        awaited by `start` (the first token)."""
        self.refusals: Counter[str] = Counter()
        self.health = StoreHealth(on_unavailable, clock)
        self._store = store
        self._mode = on_unavailable
        self._replicas = replicas
        self._lease_s = lease_s
        self._upkeep = upkeep
        self._warm_up = warm_up
        self._clock = clock
        self._local = Limiter(clock, self.refusals)
        self._local_shares = MemoryShares(self._local)
        self._divided: tuple[Limits, Limits] | None = None
        self._hot: dict[str, float] = {}  # hashed principal -> precheck at the store until
        self._live: dict[str, FleetLease] = {}  # lease id -> the lease, renewed
        self._releases: list[Release] = []
        self._releasing: asyncio.Task[None] | None = None
        # Lease ids: this replica's random prefix and a counter, unique fleet-wide.
        self._ids = map(f"{secrets.token_hex(6)}:{{}}".format, itertools.count())

    @property
    def store_state(self) -> StoreState:
        return "up" if self.health.up else "down"

    async def precheck(self, limits: Limits, principal: Principal | None) -> None:
        quota = quota_for(limits, principal)
        if not (quota.concurrent or quota.requests_per_minute or quota.classified_chars_per_minute):
            return
        hashed = hashed_key(principal_key(limits, principal))
        if self.health.up and self._hot.get(hashed, 0.0) <= self._clock():
            return
        answer = await self._shared(lambda: self._store.precheck(hashed, quota))
        if answer is None:
            self._local.precheck(self._local_limits(limits), principal)
            return
        self._settle(hashed, quota, answer)

    async def charge_classification(
        self, limits: Limits, principal: Principal | None, chars: int
    ) -> None:
        quota = quota_for(limits, principal)
        if quota.classified_chars_per_minute is None:
            return
        hashed = hashed_key(principal_key(limits, principal))
        answer = await self._shared(lambda: self._store.charge(hashed, quota, chars))
        if answer is None:
            self._local.charge_classification(self._local_limits(limits), principal, chars)
            return
        self._settle(hashed, quota, answer)

    async def debit_classification(
        self, limits: Limits, principal: Principal | None, chars: int
    ) -> None:
        quota = quota_for(limits, principal)
        if quota.classified_chars_per_minute is None or chars <= 0:
            return
        hashed = hashed_key(principal_key(limits, principal))
        answer = await self._shared(lambda: self._store.debit(hashed, quota, chars))
        if answer is None:
            self._local.debit_classification(self._local_limits(limits), principal, chars)

    async def admit(
        self, limits: Limits, principal: Principal | None, tokens: int, edge: bool = False
    ) -> Hold:
        quota = quota_for(limits, principal)
        hashed = hashed_key(principal_key(limits, principal))
        lease_id = next(self._ids)
        tpm = quota.tokens_per_minute
        charged = min(tokens, tpm) if tpm is not None else 0
        lease = FleetLease(
            self, principal, hashed, lease_id, quota, quota.concurrent is not None, charged
        )
        place = _edge(limits) if edge else None
        if not (quota.requests_per_minute or tpm or quota.concurrent or place):
            return lease  # nothing to count: no round trip
        answer = await self._shared(
            lambda: self._store.admit(hashed, quota, tokens, lease_id, place)
        )
        if answer is None:
            return await self._local_shares.admit(
                self._local_limits(limits), principal, tokens, edge
            )
        self._settle(hashed, quota, answer, place)
        lease.edge = place is not None
        if lease.held_in_store:
            self._live[lease_id] = lease
        return lease

    async def admit_edge(self, limits: Limits, lease: Hold) -> None:
        place = _edge(limits)
        if place is None or lease.edge:
            return
        if isinstance(lease, Lease):  # admitted in memory while the store was down
            self._local.admit_edge(self._local_limits(limits), lease)
            return
        if not isinstance(lease, FleetLease):
            raise TypeError(f"not a lease of this limiter: {type(lease).__name__}")
        answer = await self._shared(
            lambda: self._store.admit_edge(lease.hashed, lease.lease_id, place)
        )
        if answer is None:
            lease.local_edge = self._local_edge(limits, lease)
        elif answer.reason:
            self._refuse_edge(answer.reason, place)
        else:
            self._live[lease.lease_id] = lease
        lease.edge = True

    async def start(self) -> None:
        """Gets the store's credentials ready (an Entra token, which a check's timeout is
        too short for) and learns whether it answers, before the first request."""
        if self._warm_up is not None:
            try:
                async with asyncio.timeout(WARM_UP_S):
                    await self._warm_up()
            except (AuthUnavailable, ConfigError, TimeoutError) as exc:
                # The probe below fails on it too, and says so.
                logger.debug("limit store: credentials not ready: %s", exc)
        await self._probe()

    async def run(self) -> None:
        await asyncio.gather(self._maintain(), *(upkeep() for upkeep in self._upkeep))

    async def flush(self) -> None:
        """Waits until the releases so far have reached the store."""
        while self._releasing is not None:
            await asyncio.shield(self._releasing)

    async def aclose(self) -> None:
        await self.flush()
        await self._store.aclose()

    async def _shared(self, ask: Callable[[], Awaitable[T]]) -> T | None:
        """The store's answer; None when it is down and the limits are counted locally."""
        if self.health.up:
            try:
                return await ask()
            except StoreUnavailable as exc:
                self.health.failed(str(exc))
        if self._mode == "closed":
            raise LimitsUnavailable("the shared limit store cannot be reached; try again shortly")
        return None

    def _settle(self, hashed: str, quota: Quota, answer: Answer, edge: Edge | None = None) -> None:
        """Raises the refusal the store answered; remembers who to precheck."""
        if answer.reason in EDGE_REFUSALS and edge is not None:
            self._refuse_edge(answer.reason, edge)
        if answer.reason:
            self._heat(hashed, answer.wait_s)
            self._refuse(quota, answer)
        rpm, cpm = quota.requests_per_minute, quota.classified_chars_per_minute
        if rpm is not None and answer.requests < 1:
            self._heat(hashed, (1 - answer.requests) * 60 / rpm)
        elif cpm is not None and answer.chars < 1:
            self._heat(hashed, (1 - answer.chars) * 60 / cpm)
        elif quota.concurrent is not None and answer.held >= quota.concurrent:
            self._heat(hashed, HOT_S)

    def _refuse_edge(self, reason: str, edge: Edge) -> NoReturn:
        self.refusals[reason] += 1
        if reason == "edge_busy":
            raise edge_busy(edge.cap)
        raise edge_share(edge.share, edge.cap)

    def _heat(self, hashed: str, for_s: float) -> None:
        if len(self._hot) >= MAX_HOT:
            now = self._clock()
            self._hot = {k: until for k, until in self._hot.items() if until > now}
            if len(self._hot) >= MAX_HOT:
                self._hot.clear()  # forgetting only costs round trips, never a refusal
        self._hot[hashed] = self._clock() + max(HOT_S, for_s)

    def _refuse(self, quota: Quota, answer: Answer) -> NoReturn:
        reason = answer.reason
        self.refusals[reason] += 1
        what = {
            "concurrent": f"more than {quota.concurrent} requests at once",
            "requests": f"more than {quota.requests_per_minute} requests per minute",
            "tokens": f"more than {quota.tokens_per_minute} tokens per minute",
            "classification": (
                f"more than {quota.classified_chars_per_minute} characters classified per minute"
            ),
        }[reason]
        headers = ratelimit_headers(quota, answer.requests, answer.tokens)
        raise RateLimited(f"rate limit: {what}", reason, answer.wait_s, headers)

    def _local_limits(self, limits: Limits) -> Limits:
        """The policy's limits divided by the replicas, computed once per policy."""
        if self._divided is None or self._divided[0] is not limits:
            self._divided = (limits, divided(limits, self._replicas))
        return self._divided[1]

    def _local_edge(self, limits: Limits, lease: FleetLease) -> Lease:
        """An edge place in memory for a request the store admitted before it went down."""
        local = self._local_limits(limits)
        edge_only = Limits(key=local.key, edge=local.edge)
        held = self._local.admit(edge_only, lease.principal, 0)
        try:
            self._local.admit_edge(edge_only, held)
        except RateLimited:
            held.release()
            raise
        return held

    def _release(self, lease: FleetLease, used_tokens: int | None) -> None:
        self._live.pop(lease.lease_id, None)
        if lease.local_edge is not None:
            lease.local_edge.release()
        tpm = lease.quota.tokens_per_minute or 0
        correction = lease.charged_tokens - used_tokens if tpm and used_tokens is not None else 0
        if not (lease.held_in_store or correction) or not self.health.up:
            # Nothing held, or the store is down: its leases expire on their own.
            return
        self._releases.append(Release(lease.hashed, lease.lease_id, tpm, correction))
        if self._releasing is None:
            # At once, not batched on a timer: a client's next request (on any replica)
            # must find this one's place free. Releases that come while one round trip
            # is under way go together in the next.
            self._releasing = asyncio.get_running_loop().create_task(self._give_back())

    async def _give_back(self) -> None:
        try:
            while self._releases:
                batch, self._releases = self._releases, []
                await self._store.release(batch)
        except StoreUnavailable as exc:
            self._releases.clear()  # expired on their own, by the time it is back
            self.health.failed(str(exc))
        finally:
            self._releasing = None

    async def _maintain(self) -> None:
        """Probes a store that is down; renews the leases of running requests."""
        every = self._lease_s / 3
        next_renewal = self._clock() + every
        while True:
            await asyncio.sleep(min(PROBE_INTERVAL_S, every))
            if not self.health.up:
                await self._probe()
            elif self._clock() >= next_renewal:
                next_renewal = self._clock() + every
                await self._renew()

    async def _probe(self) -> None:
        try:
            await self._store.ping()
        except StoreUnavailable as exc:
            self.health.failed(str(exc))
        else:
            self.health.recovered()

    async def _renew(self) -> None:
        leases = [(lease.hashed, lease.lease_id) for lease in self._live.values()]
        try:
            await self._store.renew(leases)
        except StoreUnavailable as exc:
            self.health.failed(str(exc))


def _edge(limits: Limits) -> Edge | None:
    cap = limits.edge.concurrent
    return None if cap is None else Edge(cap, edge_share_of(limits.edge, cap))
