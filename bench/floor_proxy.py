"""The floor of a Python ASGI forwarder: what any gateway written this way adds at least.

A raw ASGI callable (no framework) on uvicorn with uvloop and httptools, the server
settings `hybridgate serve` uses (`gateway.cli.serve.GATEWAY_SERVER_IMPLEMENTATION`).
It forwards each POST /v1/chat/completions body unchanged to the upstream over one
pooled keep-alive client (aiohttp or httpx, `--client`) and returns the upstream's
status, content type and body. Nothing else: no auth, no classification, no audit, no
access log. GET /readyz answers locally so that the benchmark can wait for it.
`bench.gateway_overhead` runs it beside hybridgate and LiteLLM.

    .venv/bin/python -m bench.floor_proxy --port 8200 --upstream http://127.0.0.1:8100 \
        --client aiohttp
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

from gateway.cli.serve import GATEWAY_SERVER_IMPLEMENTATION

PATH = "/v1/chat/completions"
CLIENTS = ("aiohttp", "httpx")
TIMEOUT_S = 30.0
JSON = b"application/json"
READY = b'{"status":"ready"}'
NOT_FOUND = b'{"error":{"message":"not found"}}'
BAD_GATEWAY = b'{"error":{"message":"upstream failed"}}'

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class Forwarder(Protocol):
    """One pooled keep-alive client to the upstream, opened on the server's loop."""

    async def open(self) -> None: ...

    async def post(self, body: bytes) -> tuple[int, bytes, bytes]:
        """The upstream's status, content type and body for `body` POSTed to PATH."""
        ...

    async def close(self) -> None: ...


class AiohttpForwarder:
    def __init__(self, upstream: str) -> None:
        self._upstream = upstream
        self._session: Any = None

    async def open(self) -> None:
        import aiohttp

        # A ClientSession binds to the running loop, so it is made here, not in __init__.
        self._session = aiohttp.ClientSession(
            base_url=self._upstream, timeout=aiohttp.ClientTimeout(total=TIMEOUT_S)
        )

    async def post(self, body: bytes) -> tuple[int, bytes, bytes]:
        headers = {"content-type": "application/json"}
        async with self._session.post(PATH, data=body, headers=headers) as response:
            data = await response.read()
            kind = response.headers.get("content-type", "application/json")
            return response.status, kind.encode("latin-1"), data

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


class HttpxForwarder:
    def __init__(self, upstream: str) -> None:
        self._upstream = upstream
        self._client: Any = None

    async def open(self) -> None:
        import httpx

        # httpx's stock transport, not the gateway's coalescing one: the floor is what
        # the library gives as it comes.
        self._client = httpx.AsyncClient(base_url=self._upstream, timeout=httpx.Timeout(TIMEOUT_S))

    async def post(self, body: bytes) -> tuple[int, bytes, bytes]:
        headers = {"content-type": "application/json"}
        response = await self._client.post(PATH, content=body, headers=headers)
        kind = response.headers.get("content-type", "application/json")
        return response.status_code, kind.encode("latin-1"), response.content

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()


def make_forwarder(client: str, upstream: str) -> Forwarder:
    if client == "aiohttp":
        return AiohttpForwarder(upstream)
    if client == "httpx":
        return HttpxForwarder(upstream)
    raise ValueError(f"unknown client {client!r}; one of {', '.join(CLIENTS)}")


async def _answer(send: Send, status: int, kind: bytes, body: bytes) -> None:
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive) -> bytes:
    first = await receive()
    body = first.get("body", b"")
    if not first.get("more_body", False):
        return bytes(body)  # the usual case: the whole body in one message
    parts = [body]
    while True:
        message = await receive()
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(parts)


class FloorProxy:
    """The ASGI app: the forwarder opens and closes with the server's lifespan."""

    def __init__(self, forwarder: Forwarder) -> None:
        self._forwarder = forwarder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path, method = scope["path"], scope["method"]
        if method == "POST" and path == PATH:
            body = await _read_body(receive)
            try:
                status, kind, data = await self._forwarder.post(body)
            except Exception:  # any client's error: the caller gets a 502, the floor goes on
                await _answer(send, 502, JSON, BAD_GATEWAY)
                return
            await _answer(send, status, kind, data)
        elif method == "GET" and path == "/readyz":
            await _answer(send, 200, JSON, READY)
        else:
            await _answer(send, 404, JSON, NOT_FOUND)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self._forwarder.open()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self._forwarder.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="base URL, e.g. http://127.0.0.1:8100")
    parser.add_argument("--client", choices=CLIENTS, default="aiohttp")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    import uvicorn

    app = FloorProxy(make_forwarder(args.client, args.upstream.rstrip("/")))
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            access_log=False,
            lifespan="on",
            **GATEWAY_SERVER_IMPLEMENTATION,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
