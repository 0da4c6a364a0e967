"""Random Unicode in every text place of every body the gateway takes, sent as raw JSON
bytes through the whole app in-process (issue 29): never a 5xx; a body holding a lone
surrogate gets a 400 naming a field that holds one; any other body is served (200, or
the policy's 403). Then the cases worth naming, one by one, with their audit events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from gateway.app import create_app
from gateway.audit.files import discover
from gateway.audit.query import iter_events
from gateway.classify.registry import Classifiers
from gateway.cli.settings import load_settings
from tests.conftest import DEFAULT_POLICY
from tests.fakes.recording import RecordingBackend
from tests.gateway.leak_probe import (
    CHAT_PLACES,
    COMPLETION_PLACES,
    RESPONSES_PLACES,
    Planter,
    _set,
    _tool,
)
from tests.processes import dev_token

JSON = {"content-type": "application/json"}
ADMIN = "Hybridgate.Admin"  # the role POST /v1/route/explain needs
NONCHARACTERS = [chr(c) for c in (*range(0xFDD0, 0xFDF0), 0xFFFE, 0xFFFF, 0x1FFFE, 0x10FFFF)]
ALPHABETS: dict[str, st.SearchStrategy[str]] = {
    "surrogates": st.characters(categories=["Cs"]),
    "non-characters": st.sampled_from(NONCHARACTERS),
    "controls": st.characters(categories=["Cc"]),  # NUL, CR, LF, DEL, C1
    "format": st.characters(categories=["Cf"]),  # ZWJ, bidi overrides, BOM, tags
    "combining marks": st.characters(categories=["M"]),
    "right to left": st.characters(min_codepoint=0x0590, max_codepoint=0x08FF),
    "mixed scripts": st.sampled_from("aZé中文Жжλक한글ไทย"),
    "emoji": st.characters(min_codepoint=0x1F000, max_codepoint=0x1FAFF),
    "whitespace": st.sampled_from(" \t\n\r\u00a0\u2028\u2029\u3000"),
    # Every code point, unassigned and private use included (surrogates above).
    "anything": st.characters(codec=None),
}
EMBEDDING_PLACES: dict[str, Planter] = {
    "input": lambda b, t: b.__setitem__("input", t),
    "input list": lambda b, t: b.__setitem__("input", ["hello", t]),
}
# Places of the leak probes, with the names a body may carry besides.
EXTRA_CHAT_PLACES: dict[str, Planter] = {
    "tool name": _set(_tool, "name"),
    "message name": lambda b, t: b["messages"][-1].__setitem__("name", t),
}
CHAT: dict[str, Any] = {"model": "auto", "messages": [{"role": "user", "content": "hello"}]}
RESPONSES: dict[str, Any] = {"model": "auto", "input": [{"role": "user", "content": "hello"}]}
ENDPOINTS: dict[str, tuple[dict[str, Any], dict[str, Planter]]] = {
    "/v1/chat/completions": (CHAT, CHAT_PLACES | EXTRA_CHAT_PLACES),
    "/v1/completions": ({"model": "auto", "prompt": "hello"}, COMPLETION_PLACES),
    "/v1/responses": (RESPONSES, RESPONSES_PLACES),
    "/v1/embeddings": ({"model": "auto", "input": "hello"}, EMBEDDING_PLACES),
    "/v1/route/explain": (CHAT, CHAT_PLACES | EXTRA_CHAT_PLACES),
}
PROPERTY = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass(frozen=True)
class Sent:
    path: str
    # Surrogates travel as \udXXX escapes (json's ensure_ascii) or as raw bytes, which
    # Python's json reads back with surrogatepass.
    content: bytes


@st.composite
def texts(draw: st.DrawFn) -> str:
    """Text from one to three of the alphabets; most of it with a surrogate put in."""
    names = draw(st.sets(st.sampled_from(sorted(ALPHABETS)), min_size=1, max_size=3))
    alphabet = st.one_of(*(ALPHABETS[name] for name in sorted(names)))
    text = draw(st.text(alphabet, min_size=1, max_size=40))
    if draw(st.sampled_from((True, True, False))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(ALPHABETS["surrogates"]) + text[at:]
    return text


@st.composite
def requests(draw: st.DrawFn) -> Sent:
    path = draw(st.sampled_from(sorted(ENDPOINTS)))
    base, places = ENDPOINTS[path]
    body = json.loads(json.dumps(base))
    body["model"] = draw(st.sampled_from(("auto", "edge", "cloud")))
    if path != "/v1/embeddings":
        body["stream"] = draw(st.booleans())
    places[draw(st.sampled_from(sorted(places)))](body, draw(texts()))
    escaped = json.dumps(body, ensure_ascii=True).encode()
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
    return Sent(path, draw(st.sampled_from((escaped, raw))))


def surrogate_places(value: Any, path: str = "") -> Iterator[str]:
    """The test's own reading of where a body holds a surrogate, as `param` names it:
    `messages[0].content`, `metadata.<key>` (a key's surrogate written as an escape)."""
    if isinstance(value, str) and any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            name = key.encode("utf-8", "backslashreplace").decode()
            place = f"{path}.{name}" if path else name
            if name != key:
                yield place
            yield from surrogate_places(item, place)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from surrogate_places(item, f"{path}[{i}]")


class Gateway:
    def __init__(self, client: TestClient, state: Path) -> None:
        self.client, self.state = client, state
        self.tokens = {
            "user": dev_token(state),
            "admin": dev_token(state, roles=[ADMIN]),
        }

    def send(self, path: str, content: bytes) -> httpx.Response:
        token = self.tokens["admin" if path == "/v1/route/explain" else "user"]
        headers = JSON | {"Authorization": f"Bearer {token}"}
        return self.client.post(path, content=content, headers=headers)

    def audit(self) -> list[dict[str, Any]]:
        return list(iter_events(discover(self.state / "audit" / "audit.jsonl")))

    def audit_text(self) -> str:
        return "".join(p.read_text(encoding="utf-8") for p in (self.state / "audit").rglob("*"))


@pytest.fixture(scope="module", params=["fast path", "FastAPI only"])
def gateway(
    request: pytest.FixtureRequest,
    classifiers: Classifiers,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Gateway]:
    """A gateway as served, and one whose completion routes all go through FastAPI
    (as in tests/gateway/api/test_direct.py): both paths must answer alike."""
    state = tmp_path_factory.mktemp("unicode")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("HYBRIDGATE_POLICY__FILE", str(DEFAULT_POLICY))
        monkeypatch.setenv("HYBRIDGATE_SERVER__STATE_DIR", str(state))
        if request.param == "FastAPI only":
            monkeypatch.setattr("gateway.app.direct_routes", dict)
        backend = RecordingBackend("recorded")
        transports = {"edge": backend.transport(), "cloud": backend.transport()}
        app = create_app(load_settings(), transports, classifiers)  # type: ignore[arg-type]
        with TestClient(app, raise_server_exceptions=False) as client:
            yield Gateway(client, state)


def assert_answered(response: httpx.Response, body: Any) -> None:
    """A 400 naming a field that holds a surrogate when the body holds one; else served."""
    places = list(surrogate_places(body))
    if places:
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["type"] == "invalid_request_error"
        assert error["code"] == "invalid_text"
        assert error["param"] in places, (error, places)
    else:
        assert response.status_code in (200, 403), response.text


@PROPERTY
@given(sent=requests())
def test_random_unicode_is_served_or_refused_with_a_400_never_a_500(
    gateway: Gateway, sent: Sent
) -> None:
    note(f"{sent.path} {sent.content!r}")
    response = gateway.send(sent.path, sent.content)
    event(f"{sent.path} {response.status_code}")  # --hypothesis-show-statistics
    # Judged on the body as the server reads it: two surrogates side by side, sent as
    # escapes, are read back as the one character they encode.
    assert_answered(response, json.loads(sent.content))


def _chat(content: Any, **extra: Any) -> dict[str, Any]:
    return CHAT | {"messages": [*CHAT["messages"], {"role": "user", "content": content}]} | extra


def _tools(description: str) -> dict[str, Any]:
    function = {"name": "f", "description": description, "parameters": {"type": "object"}}
    return CHAT | {"tools": [{"type": "function", "function": function}]}


def _items(content: str) -> dict[str, Any]:
    return RESPONSES | {"input": [*RESPONSES["input"] * 2, {"role": "user", "content": content}]}


def _escaped(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=True).encode()


# The marker sits next to every refused surrogate: the audit must not hold it.
MARK = "zebraquill"
CHAT_PATH = "/v1/chat/completions"
REFUSED = [
    pytest.param(CHAT_PATH, _escaped(_chat(f"{MARK}\ud800")), "messages[1].content", id="high"),
    pytest.param(CHAT_PATH, _escaped(_chat(f"\udc00{MARK}")), "messages[1].content", id="low"),
    pytest.param(
        CHAT_PATH, _escaped(_chat(f"{MARK}\ude00\ud83d")), "messages[1].content", id="reversed"
    ),
    pytest.param(
        CHAT_PATH,
        _escaped(_chat([{"type": "text", "text": f"{MARK}\ud800"}])),
        "messages[1].content[0].text",
        id="content part",
    ),
    pytest.param(
        CHAT_PATH,
        _escaped(_tools(f"{MARK}\udbff")),
        "tools[0].function.description",
        id="tool description",
    ),
    pytest.param(
        CHAT_PATH,
        _escaped(CHAT | {"metadata": {f"{MARK}\ud800": "1"}}),
        f"metadata.{MARK}\\ud800",
        id="metadata key",
    ),
    # Surrogate bytes: not UTF-8, but Python's json reads them (surrogatepass).
    pytest.param(
        CHAT_PATH,
        _escaped(_chat(MARK)).replace(MARK.encode(), MARK.encode() + b"\xed\xa0\x80"),
        "messages[1].content",
        id="raw bytes",
    ),
    pytest.param(
        "/v1/completions",
        _escaped({"model": "auto", "prompt": f"{MARK}\ud800"}),
        "prompt",
        id="prompt",
    ),
    pytest.param(
        "/v1/completions",
        _escaped({"model": "auto", "prompt": ["ok", f"{MARK}\ud800"]}),
        "prompt[1]",
        id="prompt list",
    ),
    pytest.param(
        "/v1/responses", _escaped(_items(f"{MARK}\udfff")), "input[2].content", id="input item"
    ),
    pytest.param(
        "/v1/embeddings",
        _escaped({"model": "auto", "input": f"{MARK}\ud800"}),
        "input",
        id="embeddings",
    ),
    pytest.param(
        "/v1/route/explain", _escaped(_chat(f"{MARK}\ud800")), "messages[1].content", id="explain"
    ),
]


@pytest.mark.parametrize(("path", "content", "param"), REFUSED)
def test_a_lone_surrogate_is_a_400_naming_the_field_audited_without_the_text(
    gateway: Gateway, path: str, content: bytes, param: str
) -> None:
    before = len(gateway.audit())
    response = gateway.send(path, content)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error == {
        "message": error["message"],
        "type": "invalid_request_error",
        "param": param,
        "code": "invalid_text",
    }
    assert MARK not in error["message"].removeprefix(param)  # names the field, quotes no value
    events = gateway.audit()
    assert len(events) == before + 1
    assert events[-1]["status"] == 400
    assert events[-1]["error_code"] == "invalid_text"
    assert events[-1]["path"] == path
    assert MARK not in gateway.audit_text()


ACCEPTED = [
    # A valid pair written as two escapes is read as the one emoji it encodes.
    pytest.param(_escaped(_chat("\ud83d\ude00 a valid pair")), id="escaped pair"),
    pytest.param(_escaped(_chat("a\u0000b")), id="NUL"),
    pytest.param(_escaped(_chat("\uffff\ufffe\ufdd0\U0010ffff")), id="non-characters"),
    pytest.param(_escaped(_chat("e" + "\u0301" * 200)), id="200 combining marks"),
    pytest.param(_escaped(_chat("\u202eevil\u202c \u200f\u05e9\u05dc\u05d5\u05dd")), id="bidi"),
    pytest.param(_escaped(_chat("\x7f\x85\x1b[31m\r\n\t")), id="controls"),
    pytest.param(_escaped(_chat("hi", user="\u0000\n", metadata={"\uffff": "\u0000"})), id="names"),
]


@pytest.mark.parametrize("content", ACCEPTED)
def test_valid_unicode_is_served(gateway: Gateway, content: bytes) -> None:
    response = gateway.send("/v1/chat/completions", content)
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["content"] == "ok"
