"""The httpx internals `httpx_compat` relies on, checked against the installed httpx:
each test fails when its assumption stops holding."""

from __future__ import annotations

import inspect
import math
from typing import Any

import httpcore
import httpx
import pytest

from gateway.backends.httpx_compat import (
    json_body,
    json_headers,
    merged_url,
    replace_pool,
    timeout_extensions,
    transport_for_url,
)


def _ok(_: httpx.Request) -> httpx.Response:
    return httpx.Response(200)


# --- AsyncClient._transport_for_url -----------------------------------------------------


def test_transport_for_url_keeps_its_signature() -> None:
    parameters = inspect.signature(httpx.AsyncClient._transport_for_url).parameters
    assert list(parameters) == ["self", "url"]


async def test_the_transport_for_a_url_is_the_one_send_would_use() -> None:
    own, mounted = httpx.MockTransport(_ok), httpx.MockTransport(_ok)
    async with httpx.AsyncClient(transport=own, mounts={"http://proxied.test": mounted}) as client:
        assert transport_for_url(client, httpx.URL("http://edge.test/v1/x")) is own
        assert transport_for_url(client, httpx.URL("http://proxied.test/v1/x")) is mounted
        # A proxy named for the client is mounted for every URL.
        async with httpx.AsyncClient(transport=own, proxy="http://proxy.test:3128") as proxied:
            via = transport_for_url(proxied, httpx.URL("http://edge.test/v1/x"))
            assert via is not own
            assert isinstance(via, httpx.AsyncHTTPTransport)


# --- build_request, rebuilt -------------------------------------------------------------


BASES = [
    "http://edge.test",
    "http://edge.test/",
    "https://gw.test/openai",
    "https://gw.test/openai/",
    "http://127.0.0.1:8080/a%20b",
]
PAYLOADS: list[Any] = [
    {"model": "m"},
    {"model": "m", "messages": [{"role": "user", "content": 'caf\u00e9 \u2603 \U0001f600 "q" \\'}]},
    {"n": 1, "t": 0.25, "stop": None, "stream": True, "nested": {"a": [1, 2.5e-7, False]}},
    [],
]
CLIENTS: list[dict[str, Any]] = [
    {},
    {"headers": {"X-Api-Key": "k", "User-Agent": "hybridgate"}, "timeout": httpx.Timeout(3.0)},
    {"timeout": httpx.Timeout(connect=1.0, read=None, write=2.0, pool=0.5)},
]


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("path", ["/v1/chat/completions", "v1/embeddings"])
@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("options", CLIENTS)
async def test_the_rebuilt_request_is_the_one_build_request_makes(
    base: str, path: str, payload: Any, options: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(base_url=base, **options) as client:
        # As the upstream builds its POST.
        ours = httpx.Request(
            "POST",
            merged_url(client, path),
            headers=json_headers(client),
            content=json_body(payload),
            extensions=timeout_extensions(client),
        )
        theirs = client.build_request("POST", path, json=payload)
    assert ours.method == theirs.method
    assert ours.url == theirs.url
    assert sorted(ours.headers.multi_items()) == sorted(theirs.headers.multi_items())
    assert ours.content == theirs.content
    assert ours.extensions == theirs.extensions


def test_a_body_json_cannot_hold_is_refused_as_httpx_refuses_it() -> None:
    client = httpx.AsyncClient()
    with pytest.raises(ValueError, match="not JSON compliant"):
        client.build_request("POST", "http://edge.test/", json={"x": math.nan})
    with pytest.raises(ValueError, match="not JSON compliant"):
        json_body({"x": math.nan})


# --- AsyncHTTPTransport._pool -----------------------------------------------------------


async def test_a_transport_sends_through_the_pool_put_in_its_place() -> None:
    answer = [b"HTTP/1.1 200 OK\r\n", b"Content-Length: 6\r\n\r\n", b"answer"]
    pool = httpcore.AsyncConnectionPool(network_backend=httpcore.AsyncMockBackend(answer))
    transport = httpx.AsyncHTTPTransport()
    assert isinstance(transport._pool, httpcore.AsyncConnectionPool)  # what is replaced
    replace_pool(transport, pool)
    response = await transport.handle_async_request(httpx.Request("GET", "http://edge.test/"))
    assert (response.status_code, await response.aread()) == (200, b"answer")
    assert len(pool.connections) == 1  # kept alive in this pool
    await transport.aclose()
    assert pool.connections == []  # closing the transport closed the pool
