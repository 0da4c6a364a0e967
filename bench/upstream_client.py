"""The one hop from the gateway to its backend, per HTTP client: httpx with its stock
transport, httpx with the coalescing transport (`bench.coalescing`), httpx
over the aiohttp transport (`gateway.backends.aiohttp_transport`), all three the way
the upstream uses them, httpcore directly (httpx's own transport, without httpx's
models) and aiohttp alone,
each POSTing the same chat body to the zero-work stub upstream over one keep-alive
connection. Alternating rounds; prints the median microseconds per request of each.

    .venv/bin/python -m bench.upstream_client [--rounds 5] [--requests 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable

import httpcore
import httpx

from bench.coalescing import CoalescingTransport
from bench.common import free_port
from gateway.backends.aiohttp_transport import AiohttpTransport
from gateway.cli.child import Child

PAYLOAD = {
    "model": "stub",
    "messages": [{"role": "user", "content": "Hello, how are you today?"}],
    "max_tokens": 1,
}
Send = Callable[[], Awaitable[object]]


async def with_httpx(
    url: str, transport: httpx.AsyncBaseTransport | None = None
) -> tuple[Send, Callable[[], Awaitable[None]]]:
    client = httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(30.0), transport=transport)

    async def send() -> object:
        # As Upstream._attempt and complete() do: a streamed send, then the body.
        request = client.build_request("POST", "/v1/chat/completions", json=PAYLOAD)
        response = await client.send(request, stream=True)
        try:
            await response.aread()
        finally:
            await response.aclose()
        return json.loads(response.content)

    return send, client.aclose


async def with_coalescing(url: str) -> tuple[Send, Callable[[], Awaitable[None]]]:
    transport = CoalescingTransport(verify=True, limits=httpx.Limits(max_connections=100))
    return await with_httpx(url, transport)


async def with_aiohttp_transport(url: str) -> tuple[Send, Callable[[], Awaitable[None]]]:
    transport = AiohttpTransport(verify=True, limits=httpx.Limits(max_connections=100))
    return await with_httpx(url, transport)


async def with_httpcore(url: str) -> tuple[Send, Callable[[], Awaitable[None]]]:
    pool = httpcore.AsyncConnectionPool()
    target = f"{url}/v1/chat/completions"

    async def send() -> object:
        body = json.dumps(PAYLOAD).encode()
        headers = [(b"content-type", b"application/json")]
        response = await pool.request("POST", target, headers=headers, content=body)
        return json.loads(response.content)

    return send, pool.aclose


async def with_aiohttp(url: str) -> tuple[Send, Callable[[], Awaitable[None]]]:
    import aiohttp

    session = aiohttp.ClientSession(base_url=url)

    async def send() -> object:
        async with session.post("/v1/chat/completions", json=PAYLOAD) as response:
            return json.loads(await response.read())

    return send, session.close


async def measure(url: str, rounds: int, requests: int) -> dict[str, list[float]]:
    clients: dict[str, Callable[[str], Awaitable[tuple[Send, Callable[[], Awaitable[None]]]]]]
    clients = {
        "httpx": with_httpx,
        "coalescing": with_coalescing,
        "httpx+aiohttp": with_aiohttp_transport,
        "httpcore": with_httpcore,
    }
    try:
        import aiohttp  # noqa: F401

        clients["aiohttp"] = with_aiohttp
    except ImportError:
        print("aiohttp: not installed, not measured")
    made = {name: await make(url) for name, make in clients.items()}
    found: dict[str, list[float]] = {name: [] for name in made}
    for send, _ in made.values():
        for _ in range(100):  # warm: connection, lazy imports
            await send()
    names = list(made)
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            send = made[name][0]
            started = time.perf_counter()
            for _ in range(requests):
                await send()
            found[name].append((time.perf_counter() - started) / requests * 1e6)
    for _, close in made.values():
        await close()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "bench.stub_upstream", "--port", str(port)]
    stub = Child("stub", argv, dict(os.environ))
    try:
        stub.wait_ready(f"{url}/readyz")
        found = asyncio.run(measure(url, args.rounds, args.requests))
    finally:
        stub.stop()
    print(f"one POST + JSON answer to the stub, {args.rounds} rounds of {args.requests}:")
    base = statistics.median(found["httpx"])
    for name, rounds in found.items():
        median = statistics.median(rounds)
        print(
            f"  {name:<13} median {median:7.1f} us/request ({median - base:+.1f} vs httpx); "
            "rounds: " + ", ".join(f"{x:.1f}" for x in rounds)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
