"""An httpx transport that sends requests over one aiohttp.ClientSession.

The gateway keeps httpx's client API, its Request and Response objects and its
exception types (the upstream's retries and circuit breaker classify httpx's
exceptions, and every forwarding test drives httpx), while the hop itself runs on
aiohttp's connection pool and C parser. httpx's own transport (httpcore on anyio) is
the slowest part of the hop: one POST to a local stub costs it more than on this
transport, and under concurrent requests httpcore's pool caps a bare forwarder far
below what aiohttp's reaches (the figures: docs/benchmarks.md).

What the backend gets is what httpx built: exactly the request's headers (aiohttp's
own defaults are skipped where httpx did not set them), the body bytes, no cookies,
no redirects, no proxies from the environment here (httpx's client mounts transports
of its own for proxies the environment names, beside this one, as it did beside
httpx's transport). What httpx gets is the raw body
(aiohttp does not decompress; httpx decodes content-encoding itself), streamed chunk
by chunk as it arrives.

Timeouts come from each request's httpx timeout: connect and read map onto aiohttp's
sock_connect and sock_read (both per operation, like httpx's), pool is a wait for a
slot of `max_connections` this transport holds itself (aiohttp's connect timeout
covers the wait and the connect together and raises the same error for both). aiohttp
has no write timeout: httpx's write timeout is not applied.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Mapping
from types import TracebackType

import aiohttp
import httpx
from multidict import CIMultiDict
from yarl import URL

from gateway.backends.aiohttp_compat import connection_error, connection_protocol

# Headers aiohttp adds to a request on its own when the request does not carry them.
_AUTO_HEADERS = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")
_DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


class AiohttpTransport(httpx.AsyncBaseTransport):
    """httpx's transport interface over aiohttp's HTTP/1.1 client. The session is made
    on first use, in the loop that uses it, and belongs to that loop."""

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | bool = True,
        limits: httpx.Limits = _DEFAULT_LIMITS,
    ) -> None:
        # httpx's own context for a bool, so both transports trust the same CAs
        # (httpx uses certifi's; aiohttp's default would be the system's).
        self._ssl = (
            verify
            if isinstance(verify, ssl.SSLContext)
            else httpx.create_ssl_context(verify=verify)
        )
        self._limits = limits
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None
        self._timeouts: dict[tuple[float | None, float | None], aiohttp.ClientTimeout] = {}

    def _session_here(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is not None and self._loop is loop and not self._session.closed:
            return self._session
        max_connections = self._limits.max_connections
        keepalive = self._limits.keepalive_expiry
        connector = aiohttp.TCPConnector(
            limit=max_connections or 0,
            limit_per_host=0,
            ssl=self._ssl,
            # aiohttp has no "no keep-alive expiry": None in httpx means keep forever.
            keepalive_timeout=keepalive if keepalive is not None else 3600.0,
            # As httpx: getaddrinfo for each new connection, nothing cached (a backend
            # whose name moves is found at once), whether or not aiodns is installed.
            resolver=aiohttp.ThreadedResolver(),
            use_dns_cache=False,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            trust_env=False,
            timeout=aiohttp.ClientTimeout(total=None),
            raise_for_status=False,
            version=aiohttp.HttpVersion11,
        )
        self._loop = loop
        self._slots = asyncio.Semaphore(max_connections) if max_connections else None
        return self._session

    def _timeout(self, timeouts: Mapping[str, float | None]) -> aiohttp.ClientTimeout:
        key = (timeouts.get("connect"), timeouts.get("read"))
        found = self._timeouts.get(key)
        if found is None:
            # connect=None: the pool wait is bounded here, by the slots' own timeout.
            found = aiohttp.ClientTimeout(
                total=None, connect=None, sock_connect=key[0], sock_read=key[1]
            )
            if len(self._timeouts) < 64:  # a handful of distinct timeouts in practice
                self._timeouts[key] = found
        return found

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._session_here()
        timeouts: Mapping[str, float | None] = request.extensions.get("timeout", {})
        slots = self._slots
        if slots is not None:
            await _acquire(slots, timeouts.get("pool"), request)
        try:
            response = await self._send(session, request, timeouts)
        except BaseException:
            if slots is not None:
                slots.release()
            raise
        return httpx.Response(
            status_code=response.status,
            headers=list(response.raw_headers),
            stream=_ResponseStream(response, request, slots),
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": (response.reason or "").encode("ascii", "replace"),
            },
        )

    async def _send(
        self,
        session: aiohttp.ClientSession,
        request: httpx.Request,
        timeouts: Mapping[str, float | None],
    ) -> aiohttp.ClientResponse:
        # The names as httpx spelled them (multi_items() would lower-case them).
        encoding = request.headers.encoding
        headers = CIMultiDict(
            (k.decode(encoding), v.decode(encoding)) for k, v in request.headers.raw
        )
        skip = [name for name in _AUTO_HEADERS if name not in headers]
        try:
            data: bytes | AsyncIterator[bytes] | None = request.content or None
        except httpx.RequestNotRead:
            data = _body(request)  # a streamed upload goes out as it comes
        try:
            return await session.request(
                request.method,
                URL(str(request.url), encoded=True),  # httpx has already quoted it
                headers=headers,
                skip_auto_headers=skip or None,
                data=data,
                allow_redirects=False,
                timeout=self._timeout(timeouts),
                read_until_eof=True,
            )
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _mapped(exc, request) from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> AiohttpTransport:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.aclose()


class _ResponseStream(httpx.AsyncByteStream):
    """An aiohttp response's body for httpx: each chunk as it arrives, raw."""

    def __init__(
        self,
        response: aiohttp.ClientResponse,
        request: httpx.Request,
        slots: asyncio.Semaphore | None,
    ) -> None:
        self._response = response
        self._request = request
        self._slots = slots
        self._closed = False
        # The connection's protocol outlives the response's hold on it: it says,
        # once the body has ended, whether the socket ended in an error.
        self._protocol = connection_protocol(response)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        content = self._response.content
        try:
            while chunk := await content.readany():
                yield chunk
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _mapped(exc, self._request, self._reset()) from exc
        if self._until_close() and (reset := self._reset()) is not None:
            # aiohttp ends a body that runs until the connection closes the same
            # way for a reset as for a close; httpx reads the reset as an error.
            raise httpx.ReadError(str(reset), request=self._request) from reset

    def _until_close(self) -> bool:
        headers = self._response.headers
        return (
            "Content-Length" not in headers
            and "chunked" not in headers.get("Transfer-Encoding", "").lower()
        )

    def _reset(self) -> BaseException | None:
        """The socket's error, when the connection ended in one."""
        found = connection_error(self._protocol)
        return found if isinstance(found, aiohttp.ClientOSError) else None

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._response.content.at_eof():
            self._response.release()  # read to its end: the connection goes back
        else:
            # Abandoned part way: the rest of the body would still arrive on this
            # connection, so it is closed (which also stops the backend's work).
            self._response.close()
        if self._slots is not None:
            self._slots.release()


async def _acquire(slots: asyncio.Semaphore, wait_s: float | None, request: httpx.Request) -> None:
    if not slots.locked():
        await slots.acquire()  # a free slot: no timeout scope needed
        return
    try:
        async with asyncio.timeout(wait_s):
            await slots.acquire()
    except TimeoutError as exc:
        raise httpx.PoolTimeout("no connection free in time", request=request) from exc


async def _body(request: httpx.Request) -> AsyncIterator[bytes]:
    async for chunk in request.stream:  # type: ignore[union-attr]
        yield chunk


def _mapped(
    exc: BaseException, request: httpx.Request, reset: BaseException | None = None
) -> httpx.TransportError:
    """The httpx exception httpx's own transport raises for the same fault; `reset`
    is the socket error under a body's end, if any."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message, request=request)
    if isinstance(exc, TimeoutError):  # aiohttp's SocketTimeoutError: sock_read
        return httpx.ReadTimeout(message, request=request)
    if isinstance(exc, aiohttp.ClientConnectorError):  # refused, DNS, TLS handshake
        return httpx.ConnectError(message, request=request)
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientResponseError):
        # Closed before a whole response head, or a malformed one.
        return httpx.RemoteProtocolError(message, request=request)
    if isinstance(exc, aiohttp.ClientPayloadError):
        # The body ended early: on a reset httpx fails the read, on a clean close
        # before the body's declared end it reports a protocol error.
        if reset is not None:
            return httpx.ReadError(message, request=request)
        return httpx.RemoteProtocolError(message, request=request)
    if isinstance(exc, OSError | aiohttp.ClientConnectionError):
        return httpx.ReadError(message, request=request)
    return httpx.TransportError(message, request=request)
