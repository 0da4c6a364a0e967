"""The direct dispatch of the completion routes (gateway/api/direct.py) answers exactly
as the FastAPI routes do: each case is sent to two gateways built alike, one with the
fast path and one with every request through FastAPI, and their statuses, bodies,
headers, what the backend received and the audit events are compared. Good requests
must also not have reached the FastAPI endpoints on the fast one."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from fastapi.testclient import TestClient
from openai import OpenAI

import gateway.api.routes
from gateway.app import create_app
from gateway.audit.files import discover
from gateway.audit.query import iter_events
from gateway.classify.registry import Classifiers
from gateway.cli.settings import load_settings
from tests.conftest import DEFAULT_POLICY
from tests.fakes.recording import RecordingBackend
from tests.processes import dev_token

CHAT = {"model": "auto", "messages": [{"role": "user", "content": "hi"}]}
# Fields of an audit event that differ between any two requests.
UNIQUE_FIELDS = {"decision_id", "request_id", "ts", "time", "timestamp", "total_s", "seq"}
UNIQUE_FIELDS |= {"hash", "prev_hash", "latency_ms", "total_ms", "upstream_ms", "duration_ms"}


class Gateway:
    def __init__(self, client: TestClient, backend: RecordingBackend, state: Path) -> None:
        self.client, self.backend, self.state = client, backend, state
        self.token = dev_token(state)
        self.client.headers["Authorization"] = f"Bearer {self.token}"

    def audit(self) -> list[dict[str, Any]]:
        return list(iter_events(discover(self.state / "audit" / "audit.jsonl")))


class Endpoints:
    """Counts the calls that reach the FastAPI endpoints: they call `answer` through the
    route table's module, the fast path through its own import of it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        routes = gateway.api.routes
        monkeypatch.setattr(routes, "answer", self._counted(routes.answer))

    def _counted(self, answer: Callable[..., Any]) -> Callable[..., Any]:
        async def counted(*args: Any) -> Any:
            self.calls += 1
            return await answer(*args)

        return counted


@pytest.fixture
def endpoints(monkeypatch: pytest.MonkeyPatch) -> Endpoints:
    return Endpoints(monkeypatch)


@pytest.fixture
def gateways(
    classifiers: Classifiers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Gateway, Gateway]]:
    """(with the fast path, through FastAPI only), each with its own state and backend."""
    monkeypatch.setenv("HYBRIDGATE_POLICY__FILE", str(DEFAULT_POLICY))
    monkeypatch.setenv("HYBRIDGATE_SERVER__MAX_BODY_BYTES", "4096")
    built: list[Gateway] = []
    for name in ("direct", "fastapi"):
        state = tmp_path / name
        state.mkdir()
        monkeypatch.setenv("HYBRIDGATE_SERVER__STATE_DIR", str(state))
        backend = RecordingBackend("recorded")
        transports = {"edge": backend.transport(), "cloud": backend.transport()}
        with monkeypatch.context() as patch:
            if name == "fastapi":
                patch.setattr("gateway.app.direct_routes", dict)
            app = create_app(load_settings(), transports, classifiers)  # type: ignore[arg-type]
        client = TestClient(app)
        client.__enter__()
        built.append(Gateway(client, backend, state))
    yield built[0], built[1]
    for each in built:
        each.client.__exit__(None, None, None)


def _content(response: httpx.Response) -> bytes:
    """The body, less what differs between any two answers: Responses ids and times."""
    content = re.sub(rb"\b(resp|msg|fc|rs)_[0-9a-f]{32}\b", rb"\1_", response.content)
    return re.sub(rb'"created(_at)?": ?[0-9]+', rb'"created\1":0', content)


def _headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k != "x-hybridgate-decision-id"}


def _event(event: dict[str, Any]) -> dict[str, Any]:
    return {k: _unkeyed(v) for k, v in event.items() if k not in UNIQUE_FIELDS}


def _unkeyed(value: Any) -> Any:
    """Principal ids are HMACs under each gateway's own key (in its state directory)."""
    if isinstance(value, dict):
        return {k: _unkeyed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unkeyed(v) for v in value]
    if isinstance(value, str) and value.startswith("hmac-sha256:"):
        return "hmac-sha256:"
    return value


def send_both(
    pair: tuple[Gateway, Gateway], method: str, url: str, **kwargs: Any
) -> tuple[httpx.Response, httpx.Response]:
    """Sends one request to both gateways and asserts the answers are the same."""
    direct, plain = pair
    ours = direct.client.request(method, url, **kwargs)
    theirs = plain.client.request(method, url, **kwargs)
    assert ours.status_code == theirs.status_code, (ours.text, theirs.text)
    assert _content(ours) == _content(theirs)
    assert _headers(ours) == _headers(theirs)
    assert "x-hybridgate-decision-id" in ours.headers
    assert direct.backend.raw == plain.backend.raw
    return ours, theirs


def assert_same_audit(pair: tuple[Gateway, Gateway]) -> None:
    direct, plain = pair
    ours, theirs = direct.audit(), plain.audit()
    assert ours
    assert len(ours) == len(theirs)
    for mine, other in zip(ours, theirs, strict=True):
        mine, other = _event(mine), _event(other)
        assert mine.keys() == other.keys()
        for key in mine:
            assert mine[key] == other[key], key


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/v1/chat/completions", CHAT),
        ("/v1/chat/completions", CHAT | {"stream": True}),
        ("/v1/chat/completions", CHAT | {"temperature": 0.5, "seed": 7, "user": "x"}),
        ("/v1/completions", {"model": "auto", "prompt": "hi", "max_tokens": 3}),
        ("/v1/completions", {"model": "edge", "prompt": "hi", "stream": True}),
        ("/v1/responses", {"model": "auto", "input": "hi"}),
        ("/v1/responses", {"model": "auto", "input": "hi", "stream": True}),
        ("/v1/embeddings", {"model": "auto", "input": "hello"}),
    ],
)
def test_good_requests_skip_fastapi_and_answer_the_same(
    gateways: tuple[Gateway, Gateway], endpoints: Endpoints, url: str, body: dict[str, Any]
) -> None:
    ours, _ = send_both(gateways, "POST", url, json=body)
    assert endpoints.calls == 1  # the FastAPI-only gateway's; the direct one took none
    assert ours.status_code < 500
    assert_same_audit(gateways)


@pytest.mark.parametrize(
    ("url", "content", "status"),
    [
        ("/v1/chat/completions", b'{"model": "auto", "messages": [', 400),
        ("/v1/chat/completions", b"", 400),
        ("/v1/chat/completions", b"[]", 400),
        ("/v1/chat/completions", b'{"model": "auto"} trailing', 400),
        ("/v1/chat/completions", json.dumps({"model": "auto"}).encode(), 400),
        ("/v1/chat/completions", json.dumps(CHAT | {"temperature": 3}).encode(), 400),
        ("/v1/chat/completions", json.dumps(CHAT | {"messages": []}).encode(), 400),
        (
            "/v1/chat/completions",
            json.dumps(CHAT | {"messages": [{"role": "robot", "content": "x"}]}).encode(),
            400,
        ),
        ("/v1/completions", json.dumps({"model": "auto"}).encode(), 400),
        ("/v1/completions", b'{"model": "auto", "prompt": "hi", "max_tokens": 0}', 400),
        ("/v1/embeddings", json.dumps({"model": "auto", "input": [1, 2, 3]}).encode(), 400),
        ("/v1/embeddings", json.dumps({"model": "auto", "input": []}).encode(), 400),
        (
            "/v1/responses",
            json.dumps({"model": "auto", "input": "hi", "previous_response_id": "r"}).encode(),
            400,
        ),
        ("/v1/chat/completions", json.dumps(CHAT | {"model": "gpt-x"}).encode(), 404),
    ],
)
def test_refusals_are_the_same(
    gateways: tuple[Gateway, Gateway], url: str, content: bytes, status: int
) -> None:
    ours, _ = send_both(
        gateways, "POST", url, content=content, headers={"content-type": "application/json"}
    )
    assert ours.status_code == status
    error = ours.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert_same_audit(gateways)


def _escaped(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=True).encode()


def _said(content: Any) -> dict[str, Any]:
    return CHAT | {"messages": [*CHAT["messages"], {"role": "user", "content": content}]}


CHAT_URL = "/v1/chat/completions"
TOOL = {"type": "function", "function": {"name": "f", "description": "\udbff"}}
ITEMS = [{"role": "user", "content": "hi"}] * 2 + [{"role": "user", "content": "\udfff"}]


@pytest.mark.parametrize(
    ("url", "content", "param"),
    [
        (CHAT_URL, _escaped(_said("\ud800")), "messages[1].content"),
        (CHAT_URL, _escaped(_said("a\ude00\ud83d")), "messages[1].content"),
        (
            CHAT_URL,
            _escaped(_said([{"type": "text", "text": "\udc00"}])),
            "messages[1].content[0].text",
        ),
        (CHAT_URL, _escaped(CHAT | {"tools": [TOOL]}), "tools[0].function.description"),
        (CHAT_URL, _escaped(CHAT | {"metadata": {"k\ud800": "v"}}), "metadata.k\\ud800"),
        # Surrogate bytes: not UTF-8 (pydantic-core refuses them), read by Python's json.
        (
            CHAT_URL,
            json.dumps(_said("x")).encode().replace(b'"x"', b'"\xed\xa0\x80"'),
            "messages[1].content",
        ),
        # With a schema error besides: the walk comes before the schema.
        (CHAT_URL, _escaped(_said("\ud800") | {"temperature": 3}), "messages[1].content"),
        ("/v1/completions", _escaped({"model": "auto", "prompt": "\ud800"}), "prompt"),
        ("/v1/responses", _escaped({"model": "auto", "input": ITEMS}), "input[2].content"),
        ("/v1/embeddings", _escaped({"model": "auto", "input": ["ok", "\ud800"]}), "input[1]"),
    ],
)
def test_a_lone_surrogate_is_the_same_400_naming_the_field(
    gateways: tuple[Gateway, Gateway], url: str, content: bytes, param: str
) -> None:
    ours, _ = send_both(
        gateways, "POST", url, content=content, headers={"content-type": "application/json"}
    )
    assert ours.status_code == 400
    error = ours.json()["error"]
    assert (error["type"], error["code"], error["param"]) == (
        "invalid_request_error",
        "invalid_text",
        param,
    )
    assert_same_audit(gateways)
    assert [e["error_code"] for e in gateways[0].audit()] == ["invalid_text"]


@pytest.mark.parametrize(
    "content",
    [
        # Odd but valid JSON: both parsers must read it alike (or the fast path must
        # give way to FastAPI's).
        b'{"model": "auto", "model": "edge", "messages": [{"role": "user", "content": "hi"}]}',
        b'{"model": "auto", "messages": [{"role": "user", "content": "hi"}], "x": NaN}',
        b'{"model": "auto", "messages": [{"role": "user", "content": "hi"}], "x": 1e400}',
        b'{"model": "auto", "messages": [{"role": "user", "content": "\\u00e9\\ud83d\\ude00"}]}',
        b'{"model": "auto", "messages": [{"role": "user", "content": "\\ud800"}]}',
        b'{"model": "auto", "messages": [{"role": "user", "content": "a\tb"}]}',
        # Valid Unicode however odd: served alike (classification strips what is invisible).
        b'{"model": "auto", "messages": [{"role": "user", "content": "a\\u0000b\\uffff\\ufdd0"}]}',
        b'{"model": "auto", "messages": [{"role": "user", "content": "e'
        + b"\\u0301" * 200
        + b'"}]}',
        '{"model": "auto", "messages": [{"role": "user", "content": "\u202e\u05e9\x7f"}]}'.encode(),
        b'\xef\xbb\xbf{"model": "auto", "messages": [{"role": "user", "content": "hi"}]}',
        b'{"model": "auto", "messages": [{"role": "user", "content": "hi"}], "n": 1.0}',
        b'{"model": "auto", "messages": [{"role": "user", "content": "hi"}], "n": "2"}',
        b'{"model": "auto", "messages": [{"role": "user", "content": "hi"}], "stream": "true"}',
        b'{"model": "auto", "messages": [{"role": "user", "content": "hi"}], "big": 1'
        + b"0" * 40
        + b"}",
        b" \n" + json.dumps(CHAT).encode() + b"\n ",
        b'{"model": "auto", "messages": [{"role": "user", "content": [{"type": "text", '
        + b'"text": "hi"}]}]}',
        # Nesting deeper than pydantic-core's parser takes, then deeper than json's.
        b'{"model": "auto", "messages": [{"role": "user", "content": "hi"}], "x": '
        + b"[" * 300
        + b"]" * 300
        + b"}",
        b'{"model": "auto", "messages": [{"role": "user", "content": "hi"}], "x": '
        + b"[" * 1500
        + b"]" * 1500
        + b"}",
        b'{"model": "auto", "prompt": [1, 2]}',
        b'{"model": "auto", "prompt": [[1], [2]]}',
        b'{"model": "auto", "prompt": ["a", "b"]}',
        b'{"model": "auto", "prompt": [1.0, 2]}',
        b'{"model": "auto", "prompt": ["a", 1]}',
    ],
)
def test_odd_json_is_read_the_same(gateways: tuple[Gateway, Gateway], content: bytes) -> None:
    url = "/v1/completions" if b'"prompt"' in content else "/v1/chat/completions"
    send_both(gateways, "POST", url, content=content, headers={"content-type": "application/json"})


@pytest.mark.parametrize(
    "content_type",
    [None, "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded"],
)
def test_content_types_are_treated_the_same(
    gateways: tuple[Gateway, Gateway], content_type: str | None
) -> None:
    # Given bytes, the test client sends no Content-Type of its own.
    headers = {} if content_type is None else {"content-type": content_type}
    content = json.dumps(CHAT).encode()
    send_both(gateways, "POST", "/v1/chat/completions", content=content, headers=headers)


def test_tokens_are_checked_the_same(gateways: tuple[Gateway, Gateway]) -> None:
    def without_token(**kwargs: Any) -> tuple[httpx.Response, httpx.Response]:
        for each in gateways:
            each.client.headers.pop("Authorization", None)
        try:
            return send_both(gateways, "POST", "/v1/chat/completions", **kwargs)
        finally:
            for each in gateways:
                each.client.headers["Authorization"] = f"Bearer {each.token}"

    missing, _ = without_token(json=CHAT)
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "missing_token"
    assert missing.headers["www-authenticate"] == 'Bearer realm="hybridgate"'
    # FastAPI's order: malformed JSON is refused before the token is looked at, and
    # the token before the body's schema.
    json_type = {"content-type": "application/json"}
    assert without_token(content=b"{", headers=json_type)[0].status_code == 400
    assert without_token(json={"model": "auto"})[0].status_code == 401
    # A lone surrogate is refused where the schema is: after the token.
    unreadable = _escaped(_said("\ud800"))
    assert without_token(content=unreadable, headers=json_type)[0].status_code == 401
    wrong, _ = send_both(
        gateways, "POST", "/v1/chat/completions", json=CHAT, headers={"Authorization": "Bearer x"}
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "invalid_token"
    query, _ = send_both(gateways, "POST", "/v1/chat/completions?access_token=x", json=CHAT)
    assert query.status_code == 401
    encoded, _ = send_both(gateways, "POST", "/v1/chat/completions?access%5Ftoken", json=CHAT)
    assert encoded.status_code == 401
    other, _ = send_both(gateways, "POST", "/v1/chat/completions?foo=bar", json=CHAT)
    assert other.status_code == 200
    assert_same_audit(gateways)


def test_a_token_without_the_scope_is_403_the_same(gateways: tuple[Gateway, Gateway]) -> None:
    answers = [
        each.client.post(
            "/v1/chat/completions",
            json=CHAT,
            headers={"Authorization": f"Bearer {dev_token(each.state, scopes=[])}"},
        )
        for each in gateways
    ]
    assert answers[0].status_code == answers[1].status_code == 403
    assert _content(answers[0]) == _content(answers[1])
    assert _headers(answers[0]) == _headers(answers[1])


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
@pytest.mark.parametrize("url", ["/v1/chat/completions", "/v1/completions", "/v1/embeddings"])
def test_other_methods_answer_as_before(
    gateways: tuple[Gateway, Gateway], endpoints: Endpoints, method: str, url: str
) -> None:
    ours, _ = send_both(gateways, method, url, json=CHAT)
    assert ours.status_code == 405
    assert endpoints.calls == 0


def test_near_paths_go_to_fastapi(gateways: tuple[Gateway, Gateway]) -> None:
    for url in ("/v1/chat/completions/", "/v1/chat/completion", "/V1/chat/completions"):
        send_both(gateways, "POST", url, json=CHAT, follow_redirects=False)


def test_body_over_the_limit_is_413_the_same(gateways: tuple[Gateway, Gateway]) -> None:
    big = CHAT | {"messages": [{"role": "user", "content": "x" * 5000}]}
    ours, _ = send_both(gateways, "POST", "/v1/chat/completions", json=big)
    assert ours.status_code == 413
    assert_same_audit(gateways)


def test_the_sdk_through_the_fast_path(
    gateways: tuple[Gateway, Gateway], endpoints: Endpoints
) -> None:
    direct, _ = gateways
    sdk = OpenAI(
        base_url="http://testserver/v1",
        api_key=direct.token,
        http_client=direct.client,
        max_retries=0,
    )
    chat = sdk.chat.completions.create(model="auto", messages=[{"role": "user", "content": "hi"}])
    assert chat.choices[0].message.content == "ok"
    text = sdk.completions.create(model="auto", prompt="hi")
    assert text.choices[0].text == "ok"
    with sdk.chat.completions.create(
        model="auto", messages=[{"role": "user", "content": "hi"}], stream=True
    ) as stream:
        assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "ok"
    assert endpoints.calls == 0
    with pytest.raises(openai.BadRequestError) as raised:
        sdk.chat.completions.create(model="auto", messages=[])
    assert raised.value.status_code == 400
    assert endpoints.calls == 0  # refused by FastAPI's validation, before the endpoint
