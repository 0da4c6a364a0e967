"""Nothing unclassified leaves for the cloud: one test per body field and per disguise,
through the app with the real recognizers and a recording cloud.

`model: cloud` asks for the cloud by name, so a request whose planted value is found
gets the policy's 403 and one whose value is missed reaches the recording cloud; each
test's control sends the same body without the value and sees it arrive.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.classify.registry import Classifiers
from gateway.cli.settings import load_settings
from tests.conftest import DEFAULT_POLICY
from tests.fakes.recording import RecordingBackend
from tests.processes import dev_token

EMAIL = "maria.garcia77@gmail.com"
SSN = "536-22-8741"
CARD = "4111 1111 1111 1111"
BENIGN = "Summarise the attached release notes in three bullet points."


class Gateway:
    def __init__(self, client: TestClient, cloud: RecordingBackend, edge: RecordingBackend):
        self.client, self.cloud, self.edge = client, cloud, edge

    def chat(self, **fields: Any) -> httpx.Response:
        body = {"model": "cloud", "messages": [{"role": "user", "content": BENIGN}], **fields}
        return self.client.post("/v1/chat/completions", json=body)


GatewayFactory = Callable[..., Gateway]


@pytest.fixture
def make_gateway(
    classifiers: Classifiers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[GatewayFactory]:
    clients: list[TestClient] = []

    def build(policy: str | None = None, **env: str) -> Gateway:
        if policy is not None:
            path = tmp_path / f"policy-{len(clients)}.yaml"
            path.write_text(policy)
            monkeypatch.setenv("HYBRIDGATE_POLICY__FILE", str(path))
        else:
            monkeypatch.setenv("HYBRIDGATE_POLICY__FILE", str(DEFAULT_POLICY))
        monkeypatch.setenv("HYBRIDGATE_SERVER__STATE_DIR", str(tmp_path))
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        cloud, edge = RecordingBackend("cloud-model"), RecordingBackend("edge-model")
        transports = {"cloud": cloud.transport(), "edge": edge.transport()}
        app = create_app(load_settings(), transports, classifiers)  # type: ignore[arg-type]
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        client.headers["Authorization"] = f"Bearer {dev_token(tmp_path)}"
        return Gateway(client, cloud, edge)

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def gateway(make_gateway: GatewayFactory) -> Gateway:
    return make_gateway()


def kept_home(gateway: Gateway, response: httpx.Response, *values: str) -> None:
    """The request was refused for the cloud, and no value reached it in any form."""
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "policy_denied"
    for value in values:
        assert value not in gateway.cloud.received_text()


def reached_cloud(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text
    assert response.headers["x-hybridgate-route"] == "cloud"


def tool(description: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    function = {"name": "lookup", "description": description}
    function["parameters"] = parameters or {"type": "object", "properties": {}}
    return [{"type": "function", "function": function}]


def schema_with(**property_schema: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"owner": {"type": "string", **property_schema}},
        "required": ["owner"],
    }


# Each case: the body fields with a planted value, and the same fields without it.
FIELD_CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "tool description": (
        {"tools": tool(f"Look up the file of the customer {EMAIL}")},
        {"tools": tool("Look up a customer's file")},
    ),
    "tool parameter description": (
        {"tools": tool("Look up", schema_with(description=f"always {SSN}"))},
        {"tools": tool("Look up", schema_with(description="the owner"))},
    ),
    "tool parameter enum": (
        {"tools": tool("Look up", schema_with(enum=[EMAIL, "someone"]))},
        {"tools": tool("Look up", schema_with(enum=["anyone", "someone"]))},
    ),
    "tool parameter example": (
        {"tools": tool("Look up", schema_with(examples=[f"card {CARD}"]))},
        {"tools": tool("Look up", schema_with(examples=["card ending 42"]))},
    ),
    "tool property name": (
        {"tools": tool("Look up", {"type": "object", "properties": {EMAIL: {"type": "string"}}})},
        {"tools": tool("Look up", {"type": "object", "properties": {"who": {"type": "string"}}})},
    ),
    "tool card as a number": (
        {"tools": tool("Look up", schema_with(default=4111111111111111))},
        {"tools": tool("Look up", schema_with(default=12))},
    ),
    "prediction": (
        {"prediction": {"type": "content", "content": f"The SSN on file is {SSN}."}},
        {"prediction": {"type": "content", "content": "The answer on file is short."}},
    ),
    "response_format schema description": (
        {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "r", "schema": schema_with(description=f"for {EMAIL}")},
            }
        },
        {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "r", "schema": schema_with(description="for the owner")},
            }
        },
    ),
    "stop sequence": ({"stop": [EMAIL]}, {"stop": ["\n\n"]}),
    "tool_choice function name": (
        {"tools": tool("Look up"), "tool_choice": {"type": "function", "function": {"name": SSN}}},
        {"tools": tool("Look up"), "tool_choice": {"type": "function", "function": {"name": "x"}}},
    ),
}


@pytest.mark.parametrize("case", FIELD_CASES)
def test_every_forwarded_field_is_classified(gateway: Gateway, case: str) -> None:
    planted, clean = FIELD_CASES[case]
    kept_home(gateway, gateway.chat(**planted), EMAIL, SSN, CARD, "4111111111111111")
    reached_cloud(gateway.chat(**clean))
    sent = gateway.cloud.bodies[-1]
    assert all(sent[name] == value for name, value in clean.items())


MESSAGE_CASES: dict[str, dict[str, Any]] = {
    "unknown message field": {"role": "user", "content": BENIGN, "note": f"from {EMAIL}"},
    "message name": {"role": "user", "content": BENIGN, "name": EMAIL},
    "unknown content part field": {
        "role": "user",
        "content": [{"type": "text", "text": BENIGN, "comment": f"SSN {SSN}"}],
    },
    "tool call id": {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": EMAIL, "type": "function", "function": {"name": "f", "arguments": "{}"}}
        ],
    },
}


@pytest.mark.parametrize("case", MESSAGE_CASES)
def test_every_string_in_a_message_is_classified(gateway: Gateway, case: str) -> None:
    message = MESSAGE_CASES[case]
    messages = [message, {"role": "user", "content": BENIGN}]
    kept_home(gateway, gateway.chat(messages=messages), EMAIL, SSN)


@pytest.mark.parametrize("field", ["user", "metadata", "store", "unknown_vendor_field"])
def test_fields_off_the_cloud_allow_list_are_dropped(gateway: Gateway, field: str) -> None:
    value: Any = {"owner": EMAIL, EMAIL: "x"} if field == "metadata" else EMAIL
    reached_cloud(gateway.chat(**{field: value}))
    assert field not in gateway.cloud.bodies[-1]
    assert EMAIL not in gateway.cloud.received_text()


def test_fields_the_operator_allows_for_the_cloud_are_classified(
    make_gateway: GatewayFactory,
) -> None:
    allowed = json.dumps(["model", "messages", "user", "metadata"])
    gateway = make_gateway(HYBRIDGATE_BACKENDS__CLOUD__FORWARD_FIELDS=allowed)
    kept_home(gateway, gateway.chat(user=EMAIL), EMAIL)
    kept_home(gateway, gateway.chat(metadata={"ticket": f"SSN {SSN}"}), SSN)
    kept_home(gateway, gateway.chat(metadata={EMAIL: "owner"}), EMAIL)
    reached_cloud(gateway.chat(user="app-7", metadata={"ticket": "42"}))
    assert gateway.cloud.bodies[-1]["user"] == "app-7"
    assert gateway.cloud.bodies[-1]["metadata"] == {"ticket": "42"}


def letters_for_digits(value: str) -> str:
    """Every third digit written as a letter that looks like it (1 as l, 5 as S...)."""
    lookalike = {"0": "O", "1": "l", "2": "Z", "5": "S", "8": "B"}
    out, seen = [], 0
    for c in value:
        if c.isdigit():
            seen += 1
            if seen % 3 == 1 and c in lookalike:
                c = lookalike[c]
        out.append(c)
    return "".join(out)


def zero_width(value: str) -> str:
    return "\u200b".join(value)


def fullwidth(value: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in value)


def arabic_digits(value: str) -> str:
    return "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in value)


def cyrillic(value: str) -> str:
    # Cyrillic a, c, e, o, p and Dze, and Greek Nu.
    return value.translate(str.maketrans("aceopSN", "\u0430\u0441\u0435\u043e\u0440\u0405\u039d"))


DISGUISES: dict[str, Callable[[str], str]] = {
    "zero-width characters": zero_width,
    "soft hyphens": lambda v: "\u00ad".join(v),
    "bidi controls": lambda v: "\u202d" + "\u2066".join(v) + "\u202c",
    "word joiners and BOMs": lambda v: "\u2060\ufeff".join(v),
    "fullwidth forms": fullwidth,
    "arabic-indic digits": arabic_digits,
    "mathematical digits": lambda v: "".join(
        chr(0x1D7CE + int(c)) if c.isdigit() else c for c in v
    ),
    "cyrillic look-alikes": cyrillic,
    "combining marks": lambda v: "\u0301".join(v),
    "letters for digits": lambda v: letters_for_digits(v),
    "letter-spaced": lambda v: "   ".join(" ".join(word) for word in v.split(" ")),
}


@pytest.mark.parametrize("disguise", DISGUISES)
@pytest.mark.parametrize("value", [EMAIL, f"SSN {SSN}", f"card {CARD}"])
def test_disguised_values_are_still_recognized(gateway: Gateway, disguise: str, value: str) -> None:
    hidden = DISGUISES[disguise](value)
    if hidden == value:
        pytest.skip("this disguise does not apply to this value")
    content = f"Please forward this to the team: {hidden}"
    response = gateway.chat(messages=[{"role": "user", "content": content}])
    kept_home(gateway, response, hidden, value)


def halves(value: str) -> tuple[str, str]:
    return value[: len(value) // 2], value[len(value) // 2 :]


@pytest.mark.parametrize("value", [EMAIL, f"SSN {SSN}", f"card {CARD}"])
def test_a_value_split_across_parts_or_messages_is_recognized(gateway: Gateway, value: str) -> None:
    first, second = halves(value)
    parts = [{"type": "text", "text": f"Forward this: {first}"}, {"type": "text", "text": second}]
    kept_home(gateway, gateway.chat(messages=[{"role": "user", "content": parts}]), value)
    messages = [
        {"role": "user", "content": f"Remember this: {first}"},
        {"role": "user", "content": f"{second} and forward it."},
    ]
    kept_home(gateway, gateway.chat(messages=messages), value)


def test_a_disguise_in_a_tool_schema_is_recognized(gateway: Gateway) -> None:
    kept_home(gateway, gateway.chat(tools=tool(f"Owner: {zero_width(EMAIL)}")), EMAIL)


REDACT_POLICY = f"""classifiers_from: {DEFAULT_POLICY}
rules:
  - id: redact-the-rest
    when: {{sensitivity_below: restricted}}
    route: redact_then_cloud
default: {{route: edge}}
"""


def test_redact_then_cloud_covers_every_field_and_disguise(make_gateway: GatewayFactory) -> None:
    gateway = make_gateway(REDACT_POLICY)
    hidden = zero_width(EMAIL)
    response = gateway.chat(
        model="auto",
        messages=[{"role": "user", "content": f"Write to {hidden} about the release."}],
        tools=tool(f"Send mail as {cyrillic(EMAIL)}", schema_with(enum=[EMAIL])),
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "r", "schema": schema_with(description=f"cc {EMAIL}")},
        },
        prediction={"type": "content", "content": f"Dear {fullwidth(EMAIL)}"},
    )
    reached_cloud(response)
    sent = gateway.cloud.received_text()
    for form in (EMAIL, hidden, cyrillic(EMAIL), fullwidth(EMAIL), "maria.garcia77", "gmail"):
        assert form not in sent
    assert "[EMAIL_ADDRESS_" in sent


def image(url: str) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": url}}


PNG = "data:image/png;base64," + "iVBORw0KGgo" * 40
BLOB = base64.b64encode(random.Random(28).randbytes(300)).decode()
UNREADABLE: dict[str, tuple[str, dict[str, Any]]] = {
    "image": (
        "/v1/chat/completions",
        {"messages": [{"role": "user", "content": [{"type": "text", "text": BENIGN}, image(PNG)]}]},
    ),
    "audio": (
        "/v1/chat/completions",
        {
            "messages": [
                {
                    "role": "user",
                    "content": [{"type": "input_audio", "input_audio": {"data": "UklGR" * 80}}],
                }
            ]
        },
    ),
    "file": (
        "/v1/chat/completions",
        {"messages": [{"role": "user", "content": [{"type": "file", "file": {"file_id": "f1"}}]}]},
    ),
    "token_ids": ("/v1/completions", {"prompt": [[1, 2, 3], [4, 5]]}),
    # Base64 pasted into a text that decodes to bytes (an image, key material).
    "binary": (
        "/v1/chat/completions",
        {"messages": [{"role": "user", "content": f"{BENIGN} Attached: {BLOB}"}]},
    ),
}


@pytest.mark.parametrize("kind", UNREADABLE)
def test_content_no_classifier_can_read_stays_home(gateway: Gateway, kind: str) -> None:
    path, fields = UNREADABLE[kind]
    asked = gateway.client.post(path, json={"model": "cloud", **fields})
    assert asked.status_code == 403
    assert kind in asked.json()["error"]["message"]
    # A complex prompt would go to the cloud; this one goes to the edge instead.
    automatic = gateway.client.post(path, json={"model": "auto", **fields})
    assert automatic.headers["x-hybridgate-route"] == "edge"
    assert gateway.cloud.bodies == []
    assert len(gateway.edge.bodies) == 1


BINARY_POLICY = f"""classifiers_from: {DEFAULT_POLICY}
rules:
  - id: blobs-to-the-cloud
    when: {{model: cloud}}
    route: cloud
    allow_unclassified: [binary]
"""


def test_a_rule_may_allow_binary_payloads_for_the_cloud(make_gateway: GatewayFactory) -> None:
    gateway = make_gateway(BINARY_POLICY)
    _, fields = UNREADABLE["binary"]
    reached_cloud(gateway.client.post("/v1/chat/completions", json={"model": "cloud", **fields}))
    assert BLOB in gateway.cloud.received_text()


VISION_POLICY = f"""classifiers_from: {DEFAULT_POLICY}
rules:
  - id: vision-in-the-cloud
    when: {{model: cloud}}
    route: cloud
    allow_unclassified: [image]
"""


def test_a_rule_may_allow_a_kind_for_the_cloud(make_gateway: GatewayFactory) -> None:
    gateway = make_gateway(VISION_POLICY)
    _, fields = UNREADABLE["image"]
    reached_cloud(gateway.client.post("/v1/chat/completions", json={"model": "cloud", **fields}))
    _, audio = UNREADABLE["audio"]
    refused = gateway.client.post("/v1/chat/completions", json={"model": "cloud", **audio})
    assert refused.status_code == 403


def test_text_beside_an_allowed_image_is_still_classified(make_gateway: GatewayFactory) -> None:
    gateway = make_gateway(VISION_POLICY)
    content = [{"type": "text", "text": f"Whose card is {CARD}?"}, image(PNG)]
    response = gateway.chat(messages=[{"role": "user", "content": content}])
    kept_home(gateway, response, CARD)


CLIENT_HEADERS = {
    "Cookie": "session=secret-cookie",
    "X-Api-Key": "sk-client-secret",
    "OpenAI-Organization": "org-private",
    "X-Forwarded-For": "10.1.2.3",
    "X-Patient": EMAIL,
}


def test_no_client_header_or_query_reaches_a_backend(gateway: Gateway) -> None:
    body = {"model": "cloud", "messages": [{"role": "user", "content": BENIGN}]}
    reached_cloud(
        gateway.client.post(
            "/v1/chat/completions", json=body, headers=CLIENT_HEADERS, params={"user": EMAIL}
        )
    )
    assert gateway.cloud.urls[-1].query == b""
    sent = gateway.cloud.headers[-1]
    for name in CLIENT_HEADERS:
        assert name.lower() not in sent
    assert "Bearer" not in sent.get("authorization", "")  # the caller's token stays here
    assert set(sent) <= {
        "host",
        "accept",
        "accept-encoding",
        "connection",
        "user-agent",
        "content-length",
        "content-type",
        "authorization",
    }
