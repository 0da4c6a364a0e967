"""The aiohttp internals `aiohttp_compat` relies on, checked against the installed
aiohttp over a real socket: each test fails when its assumption stops holding."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import socket
import struct
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp.client_proto import ResponseHandler
from aiohttp.connector import Connection

from gateway.backends.aiohttp_compat import connection_error, connection_protocol

# A body that runs until the connection closes, as some SSE backends send it.
HEAD = b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\npart"
Ending = Callable[[asyncio.StreamWriter], Awaitable[None]]


async def _reset(writer: asyncio.StreamWriter) -> None:
    # SO_LINGER with a zero timeout turns the close into a TCP RST.
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()


@contextlib.asynccontextmanager
async def serving(ending: Ending) -> AsyncIterator[str]:
    """A server that answers HEAD, then ends the connection with `ending`."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(HEAD)
        await writer.drain()
        await asyncio.sleep(0.05)
        await ending(writer)

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
    finally:
        server.close()


def test_a_connection_s_protocol_is_a_response_handler_property() -> None:
    assert isinstance(inspect.getattr_static(Connection, "protocol"), property)
    assert list(inspect.signature(ResponseHandler.exception).parameters) == ["self"]


@pytest.mark.parametrize(("ending", "reset"), [(_reset, True), (_close, False)])
async def test_the_protocol_says_how_the_connection_ended(ending: Ending, reset: bool) -> None:
    async with (
        serving(ending) as url,
        aiohttp.ClientSession() as session,
        session.get(url) as response,
    ):
        protocol = connection_protocol(response)
        assert isinstance(protocol, ResponseHandler)
        assert connection_error(protocol) is None  # nothing has gone wrong yet
        with contextlib.suppress(aiohttp.ClientError):
            await response.read()
        # The response has let its connection go; the protocol taken before still
        # tells a reset from a close.
        assert response.connection is None
        # (A clean close leaves a ServerDisconnectedError, which is no ClientOSError.)
        assert isinstance(connection_error(protocol), aiohttp.ClientOSError) is reset
