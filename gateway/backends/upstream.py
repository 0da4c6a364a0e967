"""One OpenAI-compatible backend behind one httpx.AsyncClient: forwarding and error mapping.

A completion's POST does not go through the client's `send`: it is built as httpx
builds it (the client's headers, the JSON body encoded the same way, the client's
timeouts) and handed straight to the transport the client would pick for its URL (the
aiohttp hop, a proxy the environment names, or a test's transport). `send`'s
machinery around that call (auth and redirect flows, event hooks, the cookie jar, the
elapsed timer) does nothing for this hop but cost a good share of the gateway's own
time on a cached prompt (docs/benchmarks-history.md, "A leaner hop"). It also kept
cookies: a backend's Set-Cookie was sent back on every later request, whoever the
caller; nothing is kept now. Probes and other GETs still use the client.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from gateway.auth.authenticator import Caller
from gateway.auth.outbound import NoCredential, OutboundCredential
from gateway.backends.aiohttp_transport import AiohttpTransport
from gateway.backends.breaker import CircuitBreaker
from gateway.backends.httpx_compat import (
    json_body,
    json_headers,
    merged_url,
    timeout_extensions,
    transport_for_url,
)
from gateway.backends.retry_budget import RetryBudget
from gateway.backends.sse import DONE, ends_stream, error_event, whole_events
from gateway.errors import BackendUnavailable, BadGateway, OpenAIError, UpstreamRejected
from gateway.settings import BackendSettings

log = logging.getLogger(__name__)

# Statuses that describe the caller's request (or the backend's load) and mean the
# same thing to the caller as they did to the gateway.
_RELAYED = frozenset({400, 413, 422, 429})
RETRY_BACKOFF_S = 0.1
# The error code of a stream that broke after its first byte (reset, or closed early).
BROKEN = "upstream_stream_error"


EMBEDDINGS_PATH = "/v1/embeddings"


class UpstreamStream:
    """An upstream SSE response that has answered 200 and not yet been read."""

    def __init__(
        self,
        backend: str,
        response: httpx.Response,
        transform: Callable[[bytes], bytes] | None = None,
        deadline: float | None = None,
    ) -> None:
        self._backend = backend
        self._response = response
        self._transform = transform
        self._deadline = deadline
        self.media_type = response.headers.get("content-type", "text/event-stream")

    async def events(self) -> AsyncIterator[bytes]:
        """Whole SSE events as they arrive. A break after the first byte ends the stream
        with an OpenAI error event and [DONE], never with a torn chunk."""
        chunks = _until(self._response.aiter_bytes(), self._deadline)
        last = b""
        try:
            async for last in whole_events(chunks):
                out = self._transform(last) if self._transform else last
                if out:  # a transform returns b"" to drop an event
                    yield out
            if not ends_stream(last):
                # Closed cleanly before its last event: a body that runs until the
                # connection closes looks whole, the stream is not.
                log.warning("%s stream ended before its last event", self._backend)
                yield self._ending(f"the {self._backend} backend stream broke", BROKEN)
                yield DONE
        except httpx.ReadTimeout:
            log.warning("%s stream stalled", self._backend)
            yield self._ending(
                f"the {self._backend} backend stream stalled (no data within read_s)",
                "upstream_timeout",
            )
            yield DONE
        except httpx.HTTPError as exc:
            log.warning("%s stream broke: %s", self._backend, type(exc).__name__)
            yield self._ending(f"the {self._backend} backend stream broke", BROKEN)
            yield DONE
        except TimeoutError:
            log.warning("%s stream exceeded its total time", self._backend)
            yield self._ending(
                f"the {self._backend} backend exceeded its time limit", "upstream_timeout"
            )
            yield DONE
        finally:
            # Also runs when the client disconnects: closing the upstream response
            # drops the connection, which cancels generation on the backend.
            await self._response.aclose()

    async def aclose(self) -> None:
        await self._response.aclose()

    def _ending(self, message: str, code: str) -> bytes:
        """The error event that ends a broken stream, through the same transform as
        the relayed events: the request's meter records its code for the audit."""
        event = error_event(message, code)
        return (self._transform(event) or event) if self._transform else event


async def _until(chunks: AsyncIterator[bytes], deadline: float | None) -> AsyncIterator[bytes]:
    """The chunks, until a loop-time deadline; waits only around each next chunk, so
    the timeout never fires while the consumer holds the generator suspended."""
    iterator = aiter(chunks)
    loop = asyncio.get_running_loop()
    while True:
        remaining = None if deadline is None else deadline - loop.time()
        if remaining is not None and remaining <= 0:
            raise TimeoutError
        try:
            # A timeout scope, not wait_for: on 3.11 wait_for runs the awaitable as a
            # task of its own, a task and two loop turns per chunk.
            async with asyncio.timeout(remaining):
                chunk = await anext(iterator)
        except StopAsyncIteration:
            return
        yield chunk


class Upstream:
    def __init__(
        self,
        name: str,
        settings: BackendSettings,
        *,
        credential: OutboundCredential | None = None,
        verify: ssl.SSLContext | bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self.model = settings.model
        self.embedding_model = settings.embedding_model
        self.forward_fields = tuple(settings.forward_fields)
        self.responses = settings.responses
        self._credential = credential or NoCredential()
        self._retries = settings.retries
        self._first_byte_s = settings.timeouts.first_byte_s
        self._total_s = settings.timeouts.total_s
        self.breaker = CircuitBreaker(settings.breaker_failures, settings.breaker_cooldown_s)
        self.retry_budget = RetryBudget(
            settings.retry_budget_ratio, settings.retry_budget_min_per_s
        )
        t = settings.timeouts
        limits = httpx.Limits(max_connections=settings.max_connections)
        self._client = httpx.AsyncClient(
            base_url=str(settings.url).rstrip("/"),
            timeout=httpx.Timeout(
                connect=t.connect_s, read=t.read_s, write=t.write_s, pool=t.pool_s
            ),
            limits=limits,
            verify=verify,
            # httpx's API and exceptions over aiohttp's pool and parser: the faster
            # hop, by far under concurrency (docs/benchmarks-history.md, the hot path).
            transport=transport or AiohttpTransport(verify=verify, limits=limits),
        )
        self._targets: dict[str, tuple[httpx.URL, httpx.AsyncBaseTransport]] = {}
        # What the client adds to every request it builds, computed once.
        self._headers = json_headers(self._client)
        self._extensions = timeout_extensions(self._client)

    def model_for(self, path: str) -> str | None:
        """The backend's model for an endpoint; None when it serves no such model."""
        return self.embedding_model if path == EMBEDDINGS_PATH else self.model

    async def aclose(self) -> None:
        await self._client.aclose()

    async def complete(
        self, path: str, payload: dict[str, Any], caller: Caller | None = None
    ) -> dict[str, Any]:
        deadline = asyncio.get_running_loop().time() + self._total_s
        response = await self._send(path, payload, caller)
        try:
            remaining = max(deadline - asyncio.get_running_loop().time(), 0.0)
            async with asyncio.timeout(remaining):
                await response.aread()
        except httpx.HTTPError as exc:
            raise BadGateway(f"the {self.name} backend failed mid-response") from exc
        except TimeoutError as exc:
            raise BadGateway(f"the {self.name} backend exceeded its time limit") from exc
        finally:
            await response.aclose()
        body = _json(response)
        if not isinstance(body, dict):
            raise BadGateway(f"the {self.name} backend returned a response that is not JSON")
        return body

    async def stream(
        self,
        path: str,
        payload: dict[str, Any],
        caller: Caller | None = None,
        transform: Callable[[bytes], bytes] | None = None,
    ) -> UpstreamStream:
        deadline = asyncio.get_running_loop().time() + self._total_s
        response = await self._send(path, payload, caller)
        return UpstreamStream(self.name, response, transform, deadline)

    async def probe(self, path: str, timeout_s: float | None = None) -> bool:
        """True when the backend answers `path` with a 2xx; for readiness checks.
        `timeout_s` replaces the backend's own timeouts for this one call."""
        try:
            if timeout_s is None:
                response = await self._client.get(path)
            else:
                response = await self._client.get(path, timeout=timeout_s)
        except httpx.HTTPError:
            return False
        return response.is_success

    async def get_json(self, path: str) -> Any:
        """The JSON a GET of `path` returns, or None when the backend does not answer."""
        try:
            response = await self._client.get(path)
        except httpx.HTTPError:
            return None
        return _json(response) if response.is_success else None

    async def _send(
        self, path: str, payload: dict[str, Any], caller: Caller | None
    ) -> httpx.Response:
        if not self.breaker.allow():
            raise BackendUnavailable(
                f"the {self.name} backend is failing; its circuit breaker is open"
            )
        authorization = await self._credential.authorization(caller)
        headers = self._headers
        if authorization:
            headers = [*headers, (b"Authorization", authorization.encode("ascii"))]
        body = json_body(payload)
        self.retry_budget.record_request()
        for attempt in range(self._retries + 1):
            try:
                response = await self._attempt(path, body, headers)
            except BackendUnavailable:
                # Nothing reached the backend (or it said it is not ready), and nothing
                # has reached the client yet: a retry is safe, if the budget allows.
                if attempt < self._retries and self.retry_budget.try_retry():
                    await asyncio.sleep(RETRY_BACKOFF_S * 2**attempt)
                    continue
                self.breaker.record_failure()
                raise
            except UpstreamRejected:
                self.breaker.record_success()  # a 4xx is about the request, not the backend
                raise
            except OpenAIError:
                self.breaker.record_failure()
                raise
            self.breaker.record_success()
            return response
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _attempt(
        self, path: str, body: bytes, headers: list[tuple[bytes, bytes]]
    ) -> httpx.Response:
        url, transport = self._target(path)
        request = httpx.Request(
            "POST", url, headers=headers, content=body, extensions=self._extensions
        )
        try:
            async with asyncio.timeout(self._first_byte_s):
                response = await transport.handle_async_request(request)
        except TimeoutError as exc:
            raise BadGateway(
                f"the {self.name} backend sent nothing within {self._first_byte_s:g}s"
            ) from exc
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise BackendUnavailable(f"the {self.name} backend is unreachable") from exc
        except httpx.TimeoutException as exc:
            raise BadGateway(f"the {self.name} backend timed out") from exc
        except httpx.HTTPError as exc:
            raise BadGateway(f"the {self.name} backend failed: {type(exc).__name__}") from exc
        response.request = request
        if response.is_success:
            return response
        try:
            await response.aread()
        finally:
            await response.aclose()
        raise self._error_for(response)

    def _target(self, path: str) -> tuple[httpx.URL, httpx.AsyncBaseTransport]:
        """Where a POST to an endpoint path goes, worked out once per path: the
        backend's absolute URL, merged as httpx merges a relative path with the base
        URL (a base URL's own path prefix is kept; httpx would merge it on every
        request, a third of building one), and the transport the client would send
        it through (its own, or one mounted for a proxy the environment names)."""
        found = self._targets.get(path)
        if found is None:
            url = merged_url(self._client, path)
            found = self._targets[path] = (url, transport_for_url(self._client, url))
        return found

    def _error_for(self, response: httpx.Response) -> OpenAIError:
        body = _json(response)
        error = body.get("error") if isinstance(body, dict) else None
        if response.status_code in _RELAYED and isinstance(error, dict):
            return UpstreamRejected(
                response.status_code, error, response.headers.get("retry-after")
            )
        log.warning("%s backend answered %s", self.name, response.status_code)
        if response.status_code == 503:
            return BackendUnavailable(f"the {self.name} backend is not ready")
        # A 404 here means the gateway asked for a model the backend does not serve:
        # a configuration fault, not the caller's.
        return BadGateway(f"the {self.name} backend answered {response.status_code}")


def _json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None
