"""An httpx transport whose connections send a request's head and body in one write:
a comparison row of `bench/upstream_client.py`, and the gateway's hop until issue 19.

httpcore writes an HTTP/1.1 request's head and its body with separate socket writes.
Each is a packet of its own and, to a backend on the same host or in the same VM, a
wake-up of the backend's process: the most expensive step of the whole hop in the
gateway's profile. Here a connection's writes are held until the connection next reads
(the request is then whole) or until `FLUSH_BYTES` are waiting, and go out as one.
Everything else is httpx's own transport: pool, limits, TLS, proxies from the
environment (which httpx mounts beside this transport) and error mapping.

The gateway no longer uses it: its hop runs on `gateway.backends.aiohttp_transport`,
which sends head and body in one write too and is faster still (docs/benchmarks.md).
"""

from __future__ import annotations

# ruff: noqa: ASYNC109 - the `timeout` parameters are httpcore's stream interface.
import ssl
import typing

import httpcore
import httpx

from gateway.backends.httpx_compat import replace_pool

# A body larger than this is not held back whole (the backend may stream it in).
FLUSH_BYTES = 64 * 1024


class _CoalescingStream(httpcore.AsyncNetworkStream):
    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self._pending: list[bytes] = []
        self._size = 0

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        self._pending.append(buffer)
        self._size += len(buffer)
        if self._size >= FLUSH_BYTES:
            await self._flush(timeout)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        await self._flush(timeout)
        return await self._stream.read(max_bytes, timeout)

    async def _flush(self, timeout: float | None) -> None:
        if not self._pending:
            return
        data = b"".join(self._pending)
        self._pending.clear()
        self._size = 0
        await self._stream.write(data, timeout)

    async def aclose(self) -> None:
        self._pending.clear()  # a request abandoned before its answer was read
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        await self._flush(timeout)
        tls = await self._stream.start_tls(ssl_context, server_hostname, timeout)
        return _CoalescingStream(tls)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


class _CoalescingBackend(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return _CoalescingStream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_unix_socket(path, timeout, socket_options)
        return _CoalescingStream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class CoalescingTransport(httpx.AsyncHTTPTransport):
    """`httpx.AsyncHTTPTransport` with its pool's connections made by the coalescing
    backend; the same pool settings."""

    def __init__(self, *, verify: ssl.SSLContext | bool, limits: httpx.Limits) -> None:
        super().__init__(verify=verify, limits=limits)
        # Replaces the pool the base class made (not yet used) with one that differs
        # only in its network backend, which httpx's constructor does not take.
        pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_CoalescingBackend(),
        )
        replace_pool(self, pool)
