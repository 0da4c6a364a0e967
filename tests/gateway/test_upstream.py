"""Upstream error mapping and stream framing, against scripted HTTP answers.

These cases (garbage bodies, torn streams) cannot be provoked from the real edge
server on demand, so httpx.MockTransport plays the backend here.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from gateway.backends.sse import whole_events
from gateway.backends.upstream import Upstream
from gateway.errors import BackendUnavailable, BadGateway, UpstreamRejected
from gateway.settings import BackendSettings

SETTINGS = BackendSettings.model_validate({"url": "http://edge.test", "model": "m"})
Handler = Callable[[httpx.Request], httpx.Response]


def upstream(handler: Handler) -> Upstream:
    return Upstream("edge", SETTINGS, transport=httpx.MockTransport(handler))


def error(status: int, code: str, **headers: str) -> Handler:
    body = {
        "error": {"message": "nope", "type": "invalid_request_error", "param": "n", "code": code}
    }
    return lambda _: httpx.Response(status, json=body, headers=headers)


async def test_success_returns_the_json_body() -> None:
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json={"id": "x"})

    assert await upstream(handler).complete("/v1/chat/completions", {"model": "m"}) == {"id": "x"}
    assert seen == [{"model": "m"}]


@pytest.mark.parametrize(
    ("base", "sent"),
    [
        ("http://edge.test", "http://edge.test/v1/chat/completions"),
        ("http://edge.test/", "http://edge.test/v1/chat/completions"),
        # A backend behind a path prefix keeps it (Ray Serve's route_prefix, a proxy).
        ("https://gw.test/openai", "https://gw.test/openai/v1/chat/completions"),
        ("https://gw.test/openai/", "https://gw.test/openai/v1/chat/completions"),
    ],
)
async def test_requests_go_to_the_path_under_the_base_url(base: str, sent: str) -> None:
    urls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        return httpx.Response(200, json={"id": "x"})

    settings = BackendSettings.model_validate({"url": base, "model": "m"})
    backend = Upstream("edge", settings, transport=httpx.MockTransport(handler))
    for _ in range(2):  # the second from the merged URL kept
        await backend.complete("/v1/chat/completions", {"model": "m"})
    assert urls == [sent, sent]


async def test_a_request_is_built_as_httpx_builds_it() -> None:
    """The completion POST skips the client's send: what the backend gets must still
    be what the client would have built (headers, their values, the JSON bytes)."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "x"})

    payload = {"model": "m", "messages": [{"role": "user", "content": "caf\u00e9 \u2603"}]}
    await upstream(handler).complete("/v1/chat/completions", payload)
    client = httpx.AsyncClient(base_url="http://edge.test")
    expected = client.build_request("POST", "/v1/chat/completions", json=payload)
    (sent,) = seen
    assert sent.method == "POST"
    assert sent.url == expected.url
    assert sorted(sent.headers.multi_items()) == sorted(expected.headers.multi_items())
    assert sent.content == expected.content
    assert (
        sent.extensions["timeout"]
        == httpx.Timeout(
            connect=SETTINGS.timeouts.connect_s,
            read=SETTINGS.timeouts.read_s,
            write=SETTINGS.timeouts.write_s,
            pool=SETTINGS.timeouts.pool_s,
        ).as_dict()
    )


async def test_a_backend_cookie_is_not_sent_back() -> None:
    """One backend connection pool serves every caller: a cookie one answer sets must
    not ride along on the next caller's request."""
    cookies: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        cookies.append(request.headers.get("cookie"))
        return httpx.Response(200, json={"id": "x"}, headers={"set-cookie": "affinity=a1; Path=/"})

    backend = upstream(handler)
    for _ in range(2):
        await backend.complete("/v1/chat/completions", {"model": "m"})
    assert cookies == [None, None]


async def test_caller_errors_are_relayed_unchanged() -> None:
    with pytest.raises(UpstreamRejected) as caught:
        await upstream(error(400, "unsupported_parameter")).complete("/x", {})
    assert (caught.value.status_code, caught.value.code, caught.value.param) == (
        400,
        "unsupported_parameter",
        "n",
    )


async def test_overload_is_relayed_with_retry_after() -> None:
    with pytest.raises(UpstreamRejected) as caught:
        await upstream(error(429, "queue_full", **{"Retry-After": "4"})).complete("/x", {})
    assert caught.value.status_code == 429
    assert caught.value.headers() == {"Retry-After": "4"}


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        (lambda _: httpx.Response(500, text="boom"), BadGateway),
        (error(404, "model_not_found"), BadGateway),
        (lambda _: httpx.Response(503, json={}), BackendUnavailable),
        (lambda _: httpx.Response(200, text="<html>"), BadGateway),
    ],
)
async def test_backend_faults_map_to_5xx(handler: Handler, expected: type[Exception]) -> None:
    with pytest.raises(expected):
        await upstream(handler).complete("/x", {})


async def test_unreachable_backend_is_503() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(BackendUnavailable):
        await upstream(refuse).complete("/x", {})


class _BrokenStream(httpx.AsyncByteStream):
    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'data: {"a": 1}\n\ndata: {"tor'
        raise httpx.ReadError("connection reset")


async def test_a_stream_broken_mid_way_ends_well_formed() -> None:
    backend = upstream(lambda _: httpx.Response(200, stream=_BrokenStream()))
    stream = await backend.stream("/x", {})
    events = [event async for event in stream.events()]
    assert events[0] == b'data: {"a": 1}\n\n'
    assert b"upstream_stream_error" in events[1]
    assert json.loads(events[1].removeprefix(b"data: "))["error"]["type"] == "server_error"
    assert events[2] == b"data: [DONE]\n\n"
    assert len(events) == 3


RESPONSES_END = b'event: response.completed\ndata: {"type": "response.completed"}\n\n'


@pytest.mark.parametrize(
    ("body", "whole"),
    [
        (b'data: {"a": 1}\n\ndata: [DONE]\n\n', True),
        (b'event: response.created\ndata: {"type": "response.created"}\n\n' + RESPONSES_END, True),
        (b'data: {"type": "response.incomplete",\ndata: "response": {}}\n\n', True),
        # The backend's own error ends its stream: nothing is added to it.
        (b'data: {"a": 1}\n\ndata: {"error": {"code": "overloaded"}}\n\n', True),
        (b'event: error\ndata: {"type": "error", "code": "overloaded"}\n\n', True),
        (b'data: {"a": 1}\n\n', False),  # closed cleanly before [DONE]
        (b'event: response.created\ndata: {"type": "response.created"}\n\n', False),
        (b"", False),
    ],
)
async def test_a_stream_closed_before_its_last_event_ends_as_broken(
    body: bytes, whole: bool
) -> None:
    backend = upstream(lambda _: httpx.Response(200, content=body))
    stream = await backend.stream("/x", {})
    events = [event async for event in stream.events()]
    assert b"".join(events).startswith(body)
    if whole:
        assert b"".join(events) == body
    else:
        assert b"upstream_stream_error" in events[-2]
        assert events[-1] == b"data: [DONE]\n\n"


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


@pytest.mark.parametrize(
    ("parts", "events"),
    [
        ([b"data: 1\n\ndata: 2\n\n"], [b"data: 1\n\n", b"data: 2\n\n"]),
        ([b"data: 1\n", b"\ndata: ", b"2\n\n"], [b"data: 1\n\n", b"data: 2\n\n"]),
        ([b"data: 1\r\n\r\n"], [b"data: 1\n\n"]),
        ([b"data: 1\n\ndata: tail"], [b"data: 1\n\n", b"data: tail\n\n"]),
    ],
)
async def test_whole_events_reframes_at_boundaries(parts: list[bytes], events: list[bytes]) -> None:
    assert [e async for e in whole_events(_chunks(*parts))] == events


class Flaky:
    """Refuses the first `failures` connections, then answers."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.calls <= self.failures:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"ok": True})


async def test_an_unreachable_backend_is_retried_before_the_first_byte() -> None:
    flaky = Flaky(failures=1)
    assert await upstream(flaky).complete("/x", {}) == {"ok": True}
    assert flaky.calls == 2


async def test_retries_stop_when_the_retry_budget_is_spent() -> None:
    settings = BackendSettings.model_validate(
        {
            "url": "http://edge.test",
            "model": "m",
            "retries": 1,
            "retry_budget_ratio": 0.2,
            "retry_budget_min_per_s": 0,
            "breaker_failures": 1000,
        }
    )
    dead = Flaky(failures=10_000)
    backend = Upstream("edge", settings, transport=httpx.MockTransport(dead))
    for _ in range(20):
        with pytest.raises(BackendUnavailable):
            await backend.complete("/x", {})
    # 20 requests allow 4 retries (20%), not 20: 24 calls, not 40.
    assert dead.calls == 24


async def test_caller_errors_are_never_retried() -> None:
    calls: list[int] = []

    def reject(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return error(400, "invalid")(request)

    with pytest.raises(UpstreamRejected):
        await upstream(reject).complete("/x", {})
    assert calls == [1]


async def test_the_breaker_opens_and_then_fails_fast() -> None:
    settings = BackendSettings.model_validate(
        {"url": "http://edge.test", "model": "m", "retries": 0, "breaker_failures": 3}
    )
    dead = Flaky(failures=10_000)
    backend = Upstream("edge", settings, transport=httpx.MockTransport(dead))
    for _ in range(3):
        with pytest.raises(BackendUnavailable):
            await backend.complete("/x", {})
    assert backend.breaker.state == "open"
    with pytest.raises(BackendUnavailable, match="circuit breaker is open"):
        await backend.complete("/x", {})
    assert dead.calls == 3  # the open breaker did not even try


def timed_settings(**timeouts: float) -> BackendSettings:
    return BackendSettings.model_validate(
        {"url": "http://edge.test", "model": "m", "retries": 0, "timeouts": timeouts}
    )


async def test_no_first_byte_in_time_is_a_502() -> None:
    async def silent(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json={})

    backend = Upstream(
        "cloud", timed_settings(first_byte_s=0.2), transport=httpx.MockTransport(silent)
    )
    with pytest.raises(BadGateway, match=r"sent nothing within 0\.2s"):
        await backend.complete("/x", {})


class _Endless(httpx.AsyncByteStream):
    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i in range(1000):
            yield f'data: {{"n": {i}}}\n\n'.encode()
            await asyncio.sleep(0.05)


async def test_a_stream_past_its_total_time_ends_well_formed() -> None:
    backend = Upstream(
        "cloud",
        timed_settings(total_s=0.3),
        transport=httpx.MockTransport(lambda _: httpx.Response(200, stream=_Endless())),
    )
    stream = await backend.stream("/x", {})
    events = [event async for event in stream.events()]
    assert 2 <= len(events) < 100
    assert b"upstream_timeout" in events[-2]
    assert events[-1] == b"data: [DONE]\n\n"
