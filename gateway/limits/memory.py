"""Fair shares counted in this replica's memory: per-principal request, token,
classification and concurrency limits, and each principal's share of the edge.

With several replicas each enforces the limits on its own traffic (`gateway.limits.fleet`
shares them). A request that is admitted holds a `Lease` until it ends (the record
stage releases it, streams included).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NoReturn

from gateway.auth.principal import Principal
from gateway.limits.quota import edge_share_of, principal_key, quota_for
from gateway.limits.refusal import (
    PER_MINUTE,
    RateLimited,
    edge_busy,
    edge_share,
    ratelimit_headers,
)
from gateway.policy.model import Limits, Quota

MAX_ACCOUNTS = 10_000


@dataclass
class _Bucket:
    level: float
    updated: float

    def refill(self, capacity: float, now: float) -> None:
        self.level = min(capacity, self.level + (now - self.updated) * capacity / PER_MINUTE)
        self.updated = now

    def wait_for(self, amount: float, capacity: float) -> float:
        """Seconds until `amount` is there (0: it is there now)."""
        return max(0.0, (amount - self.level) * PER_MINUTE / capacity)


@dataclass
class _Account:
    requests: _Bucket
    tokens: _Bucket
    chars: _Bucket
    in_flight: int = 0
    on_edge: int = 0


@dataclass
class Lease:
    """One admitted request's hold on its principal's concurrency (and edge share)."""

    _release: Callable[[Lease], None]
    key: str
    edge: bool = False
    released: bool = field(default=False)

    def release(self, used_tokens: int | None = None) -> None:
        """Gives the places back. `used_tokens` is ignored: in memory the admission's
        estimate stands."""
        if not self.released:
            self.released = True
            self._release(self)


class Limiter:
    def __init__(
        self, clock: Callable[[], float] = time.monotonic, refusals: Counter[str] | None = None
    ) -> None:
        self._accounts: dict[str, _Account] = {}
        self._edge_total = 0
        # By reason, for /metrics; a fleet limiter passes its own, which this one adds to.
        self.refusals: Counter[str] = Counter() if refusals is None else refusals
        self._clock = clock
        self._lock = threading.Lock()

    def precheck(self, limits: Limits, principal: Principal | None) -> None:
        """Refuses a principal already over its request rate or concurrency, taking
        nothing: these need no token count, so the pipeline asks before classifying and
        an abusive caller's refusals cost no classification. `admit` checks again."""
        quota = quota_for(limits, principal)
        chars = quota.classified_chars_per_minute
        if quota.concurrent is None and quota.requests_per_minute is None and chars is None:
            return
        with self._lock:
            account = self._account(principal_key(limits, principal), quota)
            self._refill(account, quota, self._clock())
            self._check_requests(quota, account)
            if chars is not None and account.chars.level < 1:
                # Its classification allowance is spent: refused before its body is
                # walked and hashed, which for a huge one costs the event loop too.
                wait = account.chars.wait_for(1, chars)
                self._refuse(
                    "classification",
                    f"more than {chars} characters classified per minute",
                    wait,
                    quota,
                    account,
                )

    def charge_classification(
        self, limits: Limits, principal: Principal | None, chars: int
    ) -> None:
        """Takes `chars` classified characters from the principal's allowance before
        they are classified, or refuses (a 429, like any other quota). A request larger
        than a whole minute's allowance waits for a full bucket and takes all of it."""
        quota = quota_for(limits, principal)
        cap = quota.classified_chars_per_minute
        if cap is None:
            return
        with self._lock:
            account = self._account(principal_key(limits, principal), quota)
            self._refill(account, quota, self._clock())
            cost = min(chars, cap)
            if account.chars.level < cost:
                wait = account.chars.wait_for(cost, cap)
                self._refuse(
                    "classification",
                    f"more than {cap} characters classified per minute",
                    wait,
                    quota,
                    account,
                )
            account.chars.level -= cost

    def debit_classification(self, limits: Limits, principal: Principal | None, chars: int) -> None:
        """Takes what a classification cost beyond what `charge_classification` took,
        never refusing (the work is done): the allowance may go below zero, down to a
        minute's worth owed, and the next requests are refused until it refills."""
        quota = quota_for(limits, principal)
        cap = quota.classified_chars_per_minute
        if cap is None or chars <= 0:
            return
        with self._lock:
            account = self._account(principal_key(limits, principal), quota)
            self._refill(account, quota, self._clock())
            account.chars.level = max(-float(cap), account.chars.level - chars)

    def admit(self, limits: Limits, principal: Principal | None, tokens: int) -> Lease:
        """Takes one request and `tokens` from the principal's quota, or refuses."""
        key = principal_key(limits, principal)
        quota = quota_for(limits, principal)
        with self._lock:
            account = self._account(key, quota)
            now = self._clock()
            self._refill(account, quota, now)
            self._check_requests(quota, account)
            rpm, tpm = quota.requests_per_minute, quota.tokens_per_minute
            cost = min(tokens, tpm) if tpm is not None else tokens
            if tpm is not None and account.tokens.level < cost:
                wait = account.tokens.wait_for(cost, tpm)
                self._refuse("tokens", f"more than {tpm} tokens per minute", wait, quota, account)
            account.requests.level -= 1 if rpm is not None else 0
            account.tokens.level -= cost if tpm is not None else 0
            account.in_flight += 1
        return Lease(self._release, key)

    def admit_edge(self, limits: Limits, lease: Lease) -> None:
        """Holds one of the edge's places for the request, within its principal's share."""
        cap = limits.edge.concurrent
        if cap is None or lease.edge:
            return
        share = edge_share_of(limits.edge, cap)
        with self._lock:
            account = self._accounts[lease.key]
            if self._edge_total >= cap:
                self.refusals["edge_busy"] += 1
                raise edge_busy(cap)
            if account.on_edge >= share:
                self.refusals["edge_share"] += 1
                raise edge_share(share, cap)
            account.on_edge += 1
            self._edge_total += 1
            lease.edge = True

    def _release(self, lease: Lease) -> None:
        with self._lock:
            account = self._accounts.get(lease.key)
            if account is None:
                return
            account.in_flight -= 1
            if lease.edge:
                account.on_edge -= 1
                self._edge_total -= 1

    def _account(self, key: str, quota: Quota) -> _Account:
        account = self._accounts.get(key)
        if account is None:
            if len(self._accounts) >= MAX_ACCOUNTS:
                self._forget_idle()
            now = self._clock()
            account = _Account(
                _Bucket(float(quota.requests_per_minute or 0), now),
                _Bucket(float(quota.tokens_per_minute or 0), now),
                _Bucket(float(quota.classified_chars_per_minute or 0), now),
            )
            self._accounts[key] = account
        return account

    def _forget_idle(self) -> None:
        """Drops principals with nothing in flight, so that memory does not grow with
        the number of callers ever seen; a dropped one starts again with full buckets,
        which can only let it through sooner, never later, than it was owed."""
        for key in [k for k, a in self._accounts.items() if a.in_flight == 0]:
            del self._accounts[key]

    def _refill(self, account: _Account, quota: Quota, now: float) -> None:
        if quota.requests_per_minute is not None:
            account.requests.refill(quota.requests_per_minute, now)
        if quota.tokens_per_minute is not None:
            account.tokens.refill(quota.tokens_per_minute, now)
        if quota.classified_chars_per_minute is not None:
            account.chars.refill(quota.classified_chars_per_minute, now)

    def _check_requests(self, quota: Quota, account: _Account) -> None:
        """Concurrency, then the request rate: the refusals that need no token count."""
        if quota.concurrent is not None and account.in_flight >= quota.concurrent:
            self._refuse(
                "concurrent",
                f"more than {quota.concurrent} requests at once",
                1.0,
                quota,
                account,
            )
        rpm = quota.requests_per_minute
        if rpm is not None and account.requests.level < 1:
            wait = account.requests.wait_for(1, rpm)
            self._refuse("requests", f"more than {rpm} requests per minute", wait, quota, account)

    def _refuse(
        self, reason: str, what: str, wait: float, quota: Quota, account: _Account
    ) -> NoReturn:
        self.refusals[reason] += 1
        headers = ratelimit_headers(quota, account.requests.level, account.tokens.level)
        raise RateLimited(f"rate limit: {what}", reason, wait, headers)
