"""The aiohttp transport against a real local server, each case also run on httpx's own
transport: the backend sees the same request and the caller the same answer and the
same httpx exception, whichever transport carries the hop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import pytest
import trustme

from bench.common import free_port
from gateway.backends.aiohttp_transport import AiohttpTransport

MakeTransport = Callable[..., httpx.AsyncBaseTransport]


@pytest.fixture(params=["aiohttp", "httpx"])
def make_transport(request: pytest.FixtureRequest) -> MakeTransport:
    def make(
        verify: ssl.SSLContext | bool = True, max_connections: int = 10
    ) -> httpx.AsyncBaseTransport:
        limits = httpx.Limits(max_connections=max_connections)
        if request.param == "aiohttp":
            return AiohttpTransport(verify=verify, limits=limits)
        return httpx.AsyncHTTPTransport(verify=verify, limits=limits)

    return make


@dataclass
class Seen:
    connection: int
    head: list[str]
    body: bytes


Handler = Callable[[asyncio.StreamWriter], Awaitable[None]]


@dataclass
class Server:
    """HTTP/1.1 with keep-alive on a real socket; each path answers as its handler
    writes, so a test can hold a body part way or break it."""

    handlers: dict[str, Handler]
    seen: list[Seen] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)  # connections the client ended
    port: int = 0
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _connections: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        self._connections += 1
        connection = self._connections
        try:
            while True:
                try:
                    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                except asyncio.IncompleteReadError:
                    self.closed.append(connection)
                    return
                lines = head.split("\r\n")[:-2]
                length = next(
                    (
                        int(v)
                        for k, _, v in (x.partition(": ") for x in lines[1:])
                        if k.lower() == "content-length"
                    ),
                    0,
                )
                body = await reader.readexactly(length)
                self.seen.append(Seen(connection, lines, body))
                await self.handlers[lines[0].split(" ")[1]](writer)
                if writer.transport.is_closing():
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            self.closed.append(connection)
        except asyncio.CancelledError:
            # The test is over (see serving()); ending quietly spares Python 3.11's
            # stream server a spurious error log about the cancelled handler.
            return
        finally:
            writer.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.asynccontextmanager
async def serving(
    handlers: dict[str, Handler], tls: ssl.SSLContext | None = None
) -> AsyncIterator[Server]:
    server = Server(handlers)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=tls)
    server.port = listener.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        listener.close()
        for task in server.tasks:  # handlers still waiting on their events
            task.cancel()
        await asyncio.gather(*server.tasks, return_exceptions=True)


def answer(body: bytes, status: int = 200, **headers: str) -> Handler:
    async def write(writer: asyncio.StreamWriter) -> None:
        extra = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
        writer.write(
            f"HTTP/1.1 {status} OK\r\ncontent-length: {len(body)}\r\n{extra}\r\n".encode() + body
        )
        await writer.drain()

    return write


def chunked(parts: list[bytes], gate: asyncio.Event | None = None, end: bool = True) -> Handler:
    """A chunked body: the first part, then (after `gate`) the rest, then the end
    unless `end` is False (the body then goes on until the client leaves)."""

    async def write(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        for i, part in enumerate(parts):
            if i == 1 and gate is not None:
                await gate.wait()
            writer.write(b"%x\r\n%s\r\n" % (len(part), part))
            await writer.drain()
        while not end:
            writer.write(b"5\r\nmore.\r\n")
            await writer.drain()
            await asyncio.sleep(0.01)
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    return write


async def test_a_post_goes_through_with_exactly_httpx_s_headers_and_bytes(
    make_transport: MakeTransport,
) -> None:
    body = b'{"model": "m", "text": "caf\xc3\xa9 \\u00e9"}'
    handlers = {"/v1/x?a=%20b": answer(b"\x00raw\xff", x_backend="yes")}
    async with serving(handlers) as server, httpx.AsyncClient(transport=make_transport()) as client:
        request = client.build_request(
            "POST",
            f"{server.url}/v1/x?a=%20b",
            content=body,
            headers={"Content-Type": "application/json", "X-Trace": "t1"},
        )
        response = await client.send(request)
    assert response.status_code == 200
    assert response.content == b"\x00raw\xff"
    assert response.headers["x-backend"] == "yes"
    assert response.http_version == "HTTP/1.1"
    [seen] = server.seen
    assert seen.head[0] == "POST /v1/x?a=%20b HTTP/1.1"
    # Every header httpx built, names as spelled and in its order, and no other.
    assert seen.head[1:] == [f"{k.decode()}: {v.decode()}" for k, v in request.headers.raw]
    assert seen.body == body


async def test_a_get_adds_no_header_httpx_did_not_set(make_transport: MakeTransport) -> None:
    handlers = {"/ready": answer(b"ok")}
    async with serving(handlers) as server, httpx.AsyncClient(transport=make_transport()) as client:
        request = client.build_request("GET", f"{server.url}/ready")
        for name in ("accept", "accept-encoding", "user-agent"):
            del request.headers[name]
        await client.send(request)
    names = {line.split(": ", 1)[0].lower() for line in server.seen[0].head[1:]}
    assert names == {k.lower() for k in request.headers}


async def test_the_body_is_handed_over_raw_for_httpx_to_decode(
    make_transport: MakeTransport,
) -> None:
    import gzip

    packed = gzip.compress(b"hello " * 100)
    handlers = {"/z": answer(packed, content_encoding="gzip")}
    async with serving(handlers) as server, httpx.AsyncClient(transport=make_transport()) as client:
        response = await client.get(f"{server.url}/z")
        assert response.content == b"hello " * 100
        async with client.stream("GET", f"{server.url}/z") as raw:
            assert b"".join([c async for c in raw.aiter_raw()]) == packed


async def test_a_streamed_body_arrives_chunk_by_chunk(make_transport: MakeTransport) -> None:
    gate = asyncio.Event()
    handlers = {"/sse": chunked([b"data: one\n\n", b"data: two\n\n"], gate)}
    async with (
        serving(handlers) as server,
        httpx.AsyncClient(transport=make_transport()) as client,
        client.stream("GET", f"{server.url}/sse") as response,
    ):
        chunks = response.aiter_raw()
        # The second part is only sent once the first has reached the client.
        assert await asyncio.wait_for(anext(chunks), 5) == b"data: one\n\n"
        gate.set()
        assert [c async for c in chunks] == [b"data: two\n\n"]


async def test_a_body_left_part_way_closes_its_connection(make_transport: MakeTransport) -> None:
    handlers = {"/endless": chunked([b"first"], end=False), "/next": answer(b"fine")}
    async with (
        serving(handlers) as server,
        httpx.AsyncClient(transport=make_transport(max_connections=1)) as client,
    ):
        async with client.stream("GET", f"{server.url}/endless") as response:
            assert (await anext(response.aiter_raw())).startswith(b"first")
        response = await client.get(f"{server.url}/next")
        assert response.content == b"fine"
        for _ in range(100):
            if server.closed:
                break
            await asyncio.sleep(0.01)
    assert [s.connection for s in server.seen] == [1, 2]
    assert server.closed[0] == 1


async def test_a_body_read_whole_keeps_its_connection(make_transport: MakeTransport) -> None:
    handlers = {"/a": answer(b"one"), "/b": chunked([b"t", b"wo"])}
    async with serving(handlers) as server, httpx.AsyncClient(transport=make_transport()) as client:
        for path in ("/a", "/b", "/a"):
            await client.get(f"{server.url}{path}")
    assert [s.connection for s in server.seen] == [1, 1, 1]


async def test_a_refused_connection_is_a_connect_error(make_transport: MakeTransport) -> None:
    async with httpx.AsyncClient(transport=make_transport()) as client:
        with pytest.raises(httpx.ConnectError) as caught:
            await client.post(f"http://127.0.0.1:{free_port()}/v1/x", json={})
    assert caught.value.request.url.path == "/v1/x"


async def test_no_answer_in_time_is_a_read_timeout(make_transport: MakeTransport) -> None:
    async def silent(writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    async with (
        serving({"/slow": silent}) as server,
        httpx.AsyncClient(
            transport=make_transport(), timeout=httpx.Timeout(5.0, read=0.2)
        ) as client,
    ):
        with pytest.raises(httpx.ReadTimeout):
            await client.get(f"{server.url}/slow")


async def test_a_body_that_stalls_is_a_read_timeout(make_transport: MakeTransport) -> None:
    gate = asyncio.Event()  # never set: the second part never comes
    handlers = {"/stall": chunked([b"part", b"never"], gate)}
    async with (
        serving(handlers) as server,
        httpx.AsyncClient(
            transport=make_transport(), timeout=httpx.Timeout(5.0, read=0.2)
        ) as client,
        client.stream("GET", f"{server.url}/stall") as response,
    ):
        chunks = response.aiter_raw()
        assert await anext(chunks) == b"part"
        with pytest.raises(httpx.ReadTimeout):
            await anext(chunks)


async def test_a_body_cut_short_is_a_remote_protocol_error(
    make_transport: MakeTransport,
) -> None:
    async def short(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten b")
        await writer.drain()
        writer.close()

    async with (
        serving({"/short": short}) as server,
        httpx.AsyncClient(transport=make_transport()) as client,
    ):
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(f"{server.url}/short")


async def test_a_close_before_any_answer_is_a_remote_protocol_error(
    make_transport: MakeTransport,
) -> None:
    async def hang_up(writer: asyncio.StreamWriter) -> None:
        writer.close()

    async with (
        serving({"/gone": hang_up}) as server,
        httpx.AsyncClient(transport=make_transport()) as client,
    ):
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post(f"{server.url}/gone", json={})


async def test_all_connections_busy_past_the_pool_timeout_is_a_pool_timeout(
    make_transport: MakeTransport,
) -> None:
    gate = asyncio.Event()
    handlers = {"/held": chunked([b"a", b"b"], gate), "/next": answer(b"fine")}
    async with (
        serving(handlers) as server,
        httpx.AsyncClient(
            transport=make_transport(max_connections=1), timeout=httpx.Timeout(5.0, pool=0.2)
        ) as client,
    ):
        async with client.stream("GET", f"{server.url}/held") as held:
            with pytest.raises(httpx.PoolTimeout):
                await client.get(f"{server.url}/next")
            gate.set()
            await held.aread()
        assert (await client.get(f"{server.url}/next")).content == b"fine"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


async def test_tls_to_a_server_the_ca_vouches_for(
    make_transport: MakeTransport, ca: trustme.CA, server_tls: ssl.SSLContext
) -> None:
    verify = ssl.create_default_context()
    ca.configure_trust(verify)
    async with serving({"/v1/x": answer(b"secure")}, tls=server_tls) as server:
        url = f"https://127.0.0.1:{server.port}/v1/x"
        async with httpx.AsyncClient(transport=make_transport(verify=verify)) as client:
            assert (await client.post(url, json={})).content == b"secure"


@pytest.mark.parametrize("verify", ["other CA", "default"])
async def test_tls_to_a_server_no_trusted_ca_vouches_for_is_a_connect_error(
    make_transport: MakeTransport, server_tls: ssl.SSLContext, verify: str
) -> None:
    context: ssl.SSLContext | bool = True
    if verify == "other CA":
        context = ssl.create_default_context()
        trustme.CA().configure_trust(context)
    async with serving({"/v1/x": answer(b"secure")}, tls=server_tls) as server:
        url = f"https://127.0.0.1:{server.port}/v1/x"
        async with httpx.AsyncClient(transport=make_transport(verify=context)) as client:
            with pytest.raises(httpx.ConnectError):
                await client.post(url, json={})


async def test_tls_unverified_when_verify_is_false(
    make_transport: MakeTransport, server_tls: ssl.SSLContext
) -> None:
    async with serving({"/v1/x": answer(b"secure")}, tls=server_tls) as server:
        url = f"https://127.0.0.1:{server.port}/v1/x"
        async with httpx.AsyncClient(transport=make_transport(verify=False)) as client:
            assert (await client.post(url, json={})).content == b"secure"


async def test_the_session_is_made_on_first_use_and_closed_with_the_transport() -> None:
    transport = AiohttpTransport()  # outside any request: no loop work yet
    assert transport._session is None
    async with (
        serving({"/a": answer(b"one")}) as server,
        httpx.AsyncClient(transport=transport) as client,
    ):
        await client.get(f"{server.url}/a")
        session = transport._session
        assert session is not None
        assert not session.closed
    assert session.closed


HEADS = {
    "chunked": b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4\r\npart\r\n",
    # An SSE stream the way some backends send it: no length, ended by the close.
    "until close": b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\npart",
}


@pytest.mark.parametrize("framing", list(HEADS))
async def test_a_reset_mid_body_is_a_read_error(
    make_transport: MakeTransport, framing: str
) -> None:
    async def reset(writer: asyncio.StreamWriter) -> None:
        writer.write(HEADS[framing])
        await writer.drain()
        await asyncio.sleep(0.05)
        # SO_LINGER with a zero timeout turns close() into a TCP RST.
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    async with (
        serving({"/reset": reset}) as server,
        httpx.AsyncClient(transport=make_transport()) as client,
        client.stream("GET", f"{server.url}/reset") as response,
    ):
        chunks = response.aiter_raw()
        assert await anext(chunks) == b"part"
        with pytest.raises(httpx.ReadError):
            await anext(chunks)


async def test_a_body_until_the_close_ends_cleanly_on_a_close(
    make_transport: MakeTransport,
) -> None:
    async def close(writer: asyncio.StreamWriter) -> None:
        writer.write(HEADS["until close"])
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(b" and the rest")
        writer.close()

    async with (
        serving({"/close": close}) as server,
        httpx.AsyncClient(transport=make_transport()) as client,
    ):
        assert (await client.get(f"{server.url}/close")).content == b"part and the rest"
