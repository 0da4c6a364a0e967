"""Redis credentials from Microsoft Entra ID (Azure Cache for Redis, Azure Managed
Redis): the identity's object id as the user and a token as the password, renewed
before it expires.

redis-py asks `get_credentials_async` whenever it opens a connection. Connections
already open must sign in again before their token expires, or the cache drops them:
`run` renews the token ahead of time and hands it to the callbacks redis-py registers
with a `StreamingCredentialProvider`, which send AUTH on each pooled connection.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Callable
from typing import Any

from redis.auth.token import SimpleToken
from redis.credentials import StreamingCredentialProvider

from gateway.errors import AuthUnavailable

logger = logging.getLogger(__name__)
TokenResult = dict[str, Any]
RETRY_S = 5.0


class EntraCredentialProvider(StreamingCredentialProvider):
    def __init__(
        self,
        acquire: Callable[[], TokenResult],
        object_id: str,
        margin_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`acquire`: MSAL's blocking token request (run in a worker thread)."""
        self._acquire = acquire
        self._object_id = object_id
        self._margin_s = margin_s
        self._clock = clock
        self._value = ""
        self._received = self._expires = 0.0
        self._fetch: asyncio.Task[None] | None = None
        self._on_next: list[Callable[[Any], Any]] = []

    def on_next(self, callback: Callable[[Any], Any]) -> None:
        self._on_next.append(callback)

    def on_error(self, callback: Callable[[Exception], Any]) -> None:
        # redis-py's error callback raises; `run` logs and retries instead.
        return None

    def is_streaming(self) -> bool:
        return True

    def get_credentials(self) -> tuple[str, str]:
        if not self._valid():
            raise AuthUnavailable("no current Entra token for the limit store (sync client)")
        return self._object_id, self._value

    async def get_credentials_async(self) -> tuple[str, str]:
        if not self._fresh():
            fetching = self._fetching()
            if not self._valid():  # none yet, or expired: nothing to sign in with
                # Shielded: a store call that gives up (its timeout) leaves the fetch
                # running, and the next call (a probe a second later) finds the token.
                await asyncio.shield(fetching)
        return self._object_id, self._value

    async def run(self) -> None:
        """Renews the token `margin_s` before it expires (at half its life, for a short
        one) and signs the open connections in with it; retries every RETRY_S."""
        while True:
            await asyncio.sleep(max(0.0, self._renew_at() - self._clock()))
            try:
                await asyncio.shield(self._fetching())
            except AuthUnavailable as exc:
                logger.warning("limit store: %s; retrying in %.0f s", exc.message, RETRY_S)
                await asyncio.sleep(RETRY_S)
                continue
            await self._announce()

    async def _announce(self) -> None:
        token = SimpleToken(
            self._value, self._expires * 1000, self._received * 1000, {"oid": self._object_id}
        )
        for callback in self._on_next:
            try:
                done = callback(token)
                if inspect.isawaitable(done):
                    await done
            except Exception as exc:  # a connection that cannot AUTH reconnects later
                logger.warning(
                    "limit store: signing open connections in with the new token failed (%s)",
                    type(exc).__name__,
                )

    def _fetching(self) -> asyncio.Task[None]:
        """The one token request under way, started if there is none."""
        if self._fetch is None or self._fetch.done():
            self._fetch = asyncio.get_running_loop().create_task(self._request())
            self._fetch.add_done_callback(_note_failure)
        return self._fetch

    async def _request(self) -> None:
        result = await asyncio.to_thread(self._acquire)
        if "access_token" not in result:
            # The error code is safe to show; the description may echo request details.
            code = str(result.get("error", "unknown_error"))[:64]
            raise AuthUnavailable(f"could not obtain an Entra token for the limit store ({code})")
        now = self._clock()
        self._value = str(result["access_token"])
        self._received, self._expires = now, now + float(result.get("expires_in", 0))

    def _renew_at(self) -> float:
        lifetime = self._expires - self._received
        return self._expires - min(self._margin_s, lifetime / 2)

    def _fresh(self) -> bool:
        return bool(self._value) and self._clock() < self._renew_at()

    def _valid(self) -> bool:
        return bool(self._value) and self._clock() < self._expires


def _note_failure(fetch: asyncio.Task[None]) -> None:
    """Reads a failed fetch's error, which its waiters (if any are left) log as the
    store being down; here it is logged too, for a fetch every waiter gave up on."""
    if not fetch.cancelled() and (exc := fetch.exception()) is not None:
        logger.debug("limit store: Entra token request failed: %s", exc)
