"""Redaction mechanics with a scripted span finder; the real recognizers are covered
by tests/gateway/test_app_redact.py."""

from __future__ import annotations

import json
import re

from gateway.policy.redact import Redaction, Restorer, Span

NAMES = re.compile(r"Alice Smith|Bob Jones|alice@corp\.test")


def finder(text: str) -> list[Span]:
    return [
        (m.start(), m.end(), "EMAIL_ADDRESS" if "@" in m.group(0) else "PERSON")
        for m in NAMES.finditer(text)
    ]


def test_same_value_same_placeholder_across_messages_and_tool_calls() -> None:
    redaction = Redaction(finder)
    payload = {
        "model": "m",
        "messages": [
            {"role": "system", "content": "Write to Alice Smith."},
            {"role": "user", "content": [{"type": "text", "text": "Alice Smith and Bob Jones"}]},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "mail", "arguments": '{"to": "alice@corp.test"}'},
                    }
                ],
            },
        ],
        "temperature": 0,
    }
    out = redaction.payload(payload)
    text = json.dumps(out)
    assert "Alice" not in text
    assert "Bob" not in text
    assert "alice@corp.test" not in text
    assert out["messages"][0]["content"] == "Write to [PERSON_1]."
    assert out["messages"][1]["content"][0]["text"] == "[PERSON_1] and [PERSON_2]"
    assert json.loads(out["messages"][2]["tool_calls"][0]["function"]["arguments"]) == {
        "to": "[EMAIL_ADDRESS_1]"
    }
    assert payload["messages"][0]["content"] == "Write to Alice Smith."  # the original is kept
    assert out["temperature"] == 0


def test_restore_whole_responses_and_leave_invented_placeholders() -> None:
    restorer = Restorer({"[PERSON_1]": "Alice Smith"})
    body = {"choices": [{"message": {"content": "Dear [PERSON_1], and [PERSON_7]."}}]}
    assert restorer.response(body)["choices"][0]["message"]["content"] == (
        "Dear Alice Smith, and [PERSON_7]."
    )


def test_a_placeholder_split_across_chunks_is_restored() -> None:
    restorer = Restorer({"[PERSON_1]": "Alice Smith", "[PERSON_12]": "Bob Jones"})
    pieces = ["Hello [PER", "SON_1", "] and [PERSON_1", "2]! [not", " a tag]"]
    out = "".join(restorer.feed(0, p) for p in pieces) + restorer.flush(0)
    assert out == "Hello Alice Smith and Bob Jones! [not a tag]"


def test_sse_events_are_restored_chunk_by_chunk() -> None:
    restorer = Restorer({"[PERSON_1]": "Alice Smith"})

    def event(content: str | None, finish: str | None = None) -> bytes:
        delta = {} if content is None else {"content": content}
        chunk = {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        return b"data: " + json.dumps(chunk).encode() + b"\n\n"

    events = [event("Hi [PERS"), event("ON_1]"), event(", bye [PERSON_"), event(None, "stop")]
    texts = [
        json.loads(restorer.sse_event(e)[6:])["choices"][0]["delta"].get("content", "")
        for e in events
    ]
    assert "".join(texts) == "Hi Alice Smith, bye [PERSON_"
    assert restorer.sse_event(b"data: [DONE]\n\n") == b"data: [DONE]\n\n"


def test_streamed_tool_call_arguments_are_restored_per_call() -> None:
    restorer = Restorer({"[PERSON_1]": "Alice Smith", "[EMAIL_ADDRESS_1]": "alice@corp.test"})

    def chunk(calls: list[dict[str, object]], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": {"tool_calls": calls}, "finish_reason": finish}
        return b"data: " + json.dumps({"choices": [choice]}).encode() + b"\n\n"

    def call(index: int, arguments: str) -> dict[str, object]:
        return {"index": index, "function": {"arguments": arguments}}

    events = [
        chunk([call(0, '{"who": "[PER')]),
        chunk([call(1, '{"to": "[EMAIL_ADD')]),
        chunk([call(0, 'SON_1]"}')]),
        chunk([call(1, 'RESS_1]", "x": "[PERS')]),
        chunk([], "tool_calls"),
    ]
    arguments: dict[int, str] = {0: "", 1: ""}
    for event in events:
        delta = json.loads(restorer.sse_event(event)[6:])["choices"][0]["delta"]
        for piece in delta.get("tool_calls", []):
            arguments[piece["index"]] += piece["function"]["arguments"]
    assert arguments == {0: '{"who": "Alice Smith"}', 1: '{"to": "alice@corp.test", "x": "[PERS'}


# Values from plain text that JSON must escape, and one first found in JSON text
# (earlier tool-call arguments), written there as a JSON string's content.
ODD_VALUES = {
    "[PASSWORD_1]": 'pa"ss\\w0rd',
    "[PERSON_1]": "Zoë\tO'Brien",
    "[API_KEY_1]": 'sk-"already"-escaped',
}
JSON_WRITTEN = {"[API_KEY_1]": 'sk-\\"already\\"-escaped'}


def test_restored_values_keep_tool_call_arguments_valid_json() -> None:
    restorer = Restorer(ODD_VALUES, JSON_WRITTEN)
    arguments = '{"user": "[PERSON_1]", "password": "[PASSWORD_1]", "key": "[API_KEY_1]"}'
    body = {
        "choices": [
            {
                "message": {
                    "content": "Logged in as [PERSON_1].",
                    "tool_calls": [{"function": {"name": "login", "arguments": arguments}}],
                }
            }
        ]
    }
    message = restorer.response(body)["choices"][0]["message"]
    assert json.loads(message["tool_calls"][0]["function"]["arguments"]) == {
        "user": "Zoë\tO'Brien",
        "password": 'pa"ss\\w0rd',
        "key": 'sk-"already"-escaped',
    }
    # Content is text, not JSON: values go back exactly as they were.
    assert message["content"] == "Logged in as Zoë\tO'Brien."


def test_streamed_tool_call_arguments_stay_valid_json() -> None:
    restorer = Restorer(ODD_VALUES, JSON_WRITTEN)
    pieces = ['{"password": "[PASS', 'WORD_1]", "user": "[PERSON_1', ']"}']
    events = [
        b"data: "
        + json.dumps(
            {
                "choices": [
                    {
                        "index": 0,
                        "delta": {"tool_calls": [{"index": 0, "function": {"arguments": p}}]},
                        "finish_reason": None,
                    }
                ]
            }
        ).encode()
        + b"\n\n"
        for p in pieces
    ]
    arguments = ""
    for event in events:
        delta = json.loads(restorer.sse_event(event)[6:])["choices"][0]["delta"]
        arguments += "".join(c["function"]["arguments"] for c in delta.get("tool_calls", []))
    assert json.loads(arguments) == {"password": 'pa"ss\\w0rd', "user": "Zoë\tO'Brien"}


def test_a_backslash_from_prose_is_escaped_even_where_it_reads_as_an_escape() -> None:
    # `\\n` in prose is a backslash and an n; put in JSON as it is, it becomes a newline.
    restorer = Restorer({"[PASSWORD_1]": "Tr0ub\\n4dor", "[PERSON_1]": "C:\\Users\\bob"})
    arguments = restorer.text('{"p": "[PASSWORD_1]", "u": "[PERSON_1]"}', in_json=True)
    assert json.loads(arguments) == {"p": "Tr0ub\\n4dor", "u": "C:\\Users\\bob"}


SECRET = re.compile(r'Tr0ub\\+n4dor|Maria \\?"Mia\\?" Garcia')


def test_a_value_found_in_json_text_is_the_same_value_as_in_prose() -> None:
    redaction = Redaction(
        lambda text: [(m.start(), m.end(), "SECRET") for m in SECRET.finditer(text)]
    )
    person = 'Maria "Mia" Garcia'
    prose = "Tr0ub\\n4dor"  # a backslash and an n
    arguments = json.dumps({"p": "Tr0ub\n4dor", "who": person})  # a newline, and JSON's escapes
    out = redaction.payload(
        {
            "messages": [
                {"role": "user", "content": f"{prose} for {person}"},
                {
                    "role": "assistant",
                    "tool_calls": [{"function": {"name": "f", "arguments": arguments}}],
                },
                {"role": "user", "content": json.dumps({"again": prose})},
            ]
        }
    )
    assert out["messages"][0]["content"] == "[SECRET_1] for [SECRET_2]"
    args = out["messages"][1]["tool_calls"][0]["function"]["arguments"]
    # A newline is another value than a backslash and an n; the person is the same one.
    assert json.loads(args) == {"p": "[SECRET_3]", "who": "[SECRET_2]"}
    assert json.loads(out["messages"][2]["content"]) == {"again": "[SECRET_1]"}
    restorer = redaction.restorer()
    assert json.loads(restorer.text(args, in_json=True)) == json.loads(arguments)
    restored = restorer.text('{"a": "[SECRET_1]", "b": "[SECRET_3]"}', in_json=True)
    assert json.loads(restored) == {"a": prose, "b": "Tr0ub\n4dor"}
    assert restorer.text("[SECRET_1] and [SECRET_2]") == f"{prose} and {person}"
