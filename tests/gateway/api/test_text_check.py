"""gateway/api/text_check.py: the one walk that finds a lone surrogate in a parsed body,
and the assumption that lets the fast path skip it (pydantic-core refuses them)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from gateway.api.text_check import first_surrogate, refuse_surrogates
from gateway.errors import InvalidText
from gateway.responses.schema import ResponsesRequest
from gateway.schemas import ChatCompletionRequest, CompletionRequest, EmbeddingRequest


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("\ud800", (None, 0xD800)),
        ({"prompt": "ok\udfff"}, ("prompt", 0xDFFF)),
        ({"messages": [{"content": "a"}, {"content": [{"text": "\udc00"}]}]},
         ("messages[1].content[0].text", 0xDC00)),
        ({"tools": [{"function": {"description": "x\udbffy"}}]},
         ("tools[0].function.description", 0xDBFF)),
        ({"metadata": {"k\ud800": "v"}}, ("metadata.k\\ud800", 0xD800)),
        ({"\ud800": 1}, ("\\ud800", 0xD800)),
        # The shallowest field holding one is named, the first at its depth.
        ({"a": ["ok", "\ud801"], "b": "\ud802"}, ("b", 0xD802)),
        ({"a": ["ok", "\ud801"], "b": ["\ud802"]}, ("a[1]", 0xD801)),
        ({"a": "\ud801", "b\ud802": 1}, ("b\\ud802", 0xD802)),
        ({"input": [["x"], [["y", "\ude00\ud83d"]]]}, ("input[1][0][1]", 0xDE00)),
    ],
)  # fmt: skip
def test_the_first_surrogate_is_found_with_its_field(
    body: Any, found: tuple[str | None, int]
) -> None:
    assert first_surrogate(body) == found


@pytest.mark.parametrize(
    "body",
    [
        None, 1, 1.5, True, "", "plain", "\U0001f600", "a\x00b\x1b\x7f\x85",
        "\ufffe\uffff\ufdd0\ufdef\U0010ffff", "e" + "\u0301" * 200, "\u202e\u200f\u05e9",
        {"k\uffff": ["\x00", {"\u0000": None}]},
        # A pair written as two escapes is read as the one character it encodes.
        json.loads('"\\ud83d\\ude00"'),
    ],
)  # fmt: skip
def test_every_other_code_point_passes(body: Any) -> None:
    assert first_surrogate(body) is None
    assert refuse_surrogates(body) is body


def test_the_refusal_names_the_field_and_quotes_no_value() -> None:
    with pytest.raises(InvalidText) as raised:
        refuse_surrogates({"messages": [{"role": "user", "content": "secret\ud800"}]})
    assert raised.value.status_code == 400
    assert raised.value.param == "messages[0].content"
    assert raised.value.code == "invalid_text"
    assert "secret" not in raised.value.message
    assert "U+D800" in raised.value.message
    raised.value.message.encode("utf-8")  # writable, unlike what it refuses


def test_deep_bodies_are_walked_without_recursion() -> None:
    body: Any = "\ud800"
    for _ in range(100_000):
        body = [body]
    found = first_surrogate({"x": body})
    assert found is not None
    assert found[0] == "x" + "[0]" * 100_000


SURROGATE_FORMS = [
    b'"\\ud800"',  # lone high
    b'"\\udc00"',  # lone low
    b'"\\ude00\\ud83d"',  # reversed pair
    b'"\\uD800x"',  # upper case, followed by a character
    b'"\xed\xa0\x80"',  # surrogate bytes, not UTF-8
]


@pytest.mark.parametrize("form", SURROGATE_FORMS)
@pytest.mark.parametrize(
    ("model", "template"),
    [
        (ChatCompletionRequest, b'{"model":"a","messages":[{"role":"user","content":%s}]}'),
        (ChatCompletionRequest, b'{"model":"a","messages":[{"role":"user"}],%s:1}'),
        (CompletionRequest, b'{"model":"a","prompt":%s}'),
        (ResponsesRequest, b'{"model":"a","input":"x","metadata":{"k":%s}}'),
        (EmbeddingRequest, b'{"model":"a","input":[%s]}'),
    ],
)
def test_the_fast_paths_parser_refuses_every_lone_surrogate(
    form: bytes, model: type[BaseModel], template: bytes
) -> None:
    """What lets the fast path (gateway.api.direct) skip the walk: such a body fails
    pydantic-core's JSON parser and falls back to FastAPI, whose routes walk it."""
    with pytest.raises(ValidationError):
        model.model_validate_json(template % form)
    assert first_surrogate(json.loads(template % form)) is not None


def test_the_fast_paths_parser_reads_a_valid_pair() -> None:
    body = b'{"model":"a","messages":[{"role":"user","content":"\\ud83d\\ude00"}]}'
    parsed = ChatCompletionRequest.model_validate_json(body)
    assert parsed.messages[0].content == "\U0001f600"
