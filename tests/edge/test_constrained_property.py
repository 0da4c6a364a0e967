"""Property: for any small JSON schema in the supported subset, what the real model
writes under the schema's grammar parses and validates, whatever it wanted to say.

The engine runs in-process, loaded once for the module; hypothesis draws the schema
and the sampling seed (temperature 1, so the model wanders). Strings and arrays are
bounded in the drawn schemas, so that the grammar itself bounds the answer's length
and `max_tokens` can be set above it: the answer always ends by the grammar, never by
truncation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.constraints import constraint_for
from edge.engine import Delta, Finished, SamplingOptions
from edge.grammars import GrammarCache
from edge.llama_engine import LlamaEngine
from edge.models import default_model_path
from edge.schemas import ChatCompletionRequest
from edge.tool_prompt import render_messages

pytestmark = pytest.mark.integration

NAMES = st.sampled_from(["name", "age", "city", "tags", "score", "ok", "kind", "items", "x"])


def _scalars() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.builds(lambda n: {"type": "string", "maxLength": n}, st.integers(0, 12)),
        st.just({"type": "integer"}),
        st.just({"type": "number"}),
        st.just({"type": "boolean"}),
        st.builds(
            lambda values: {"enum": values},
            st.lists(
                st.sampled_from(["red", "green", 'say "hi"', "back\\slash", 1, None]),
                min_size=1,
                max_size=4,
                unique=True,
            ),
        ),
        st.just({"type": "string", "format": "date"}),
        st.just({"anyOf": [{"type": "integer"}, {"type": "null"}]}),
    )


def _objects(values: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    def build(props: dict[str, dict[str, Any]], data: st.DataObject) -> dict[str, Any]:
        required = data.draw(st.lists(st.sampled_from(sorted(props)), unique=True)) if props else []
        return {
            "type": "object",
            "properties": props,
            "required": required,
            "additionalProperties": False,
        }

    return st.builds(build, st.dictionaries(NAMES, values, max_size=4), st.data())


def _arrays(values: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda items, low, extra: {
            "type": "array",
            "items": items,
            "minItems": low,
            "maxItems": low + extra,
        },
        values,
        st.integers(0, 2),
        st.integers(0, 2),
    )


def _values(depth: int) -> st.SearchStrategy[dict[str, Any]]:
    if depth == 0:
        return _scalars()
    inner = _values(depth - 1)
    return st.one_of(_scalars(), _objects(inner), _arrays(inner))


SCHEMAS = _objects(_values(1))


def size_bound(schema: dict[str, Any]) -> int:
    """An upper bound of the bytes of any answer the schema's grammar allows: at
    least one byte per token, so also a bound on the tokens."""
    if "enum" in schema:
        return max(len(json.dumps(v)) for v in schema["enum"]) + 1
    if "anyOf" in schema:
        return max(size_bound(s) for s in schema["anyOf"])
    kind = schema.get("type")
    if kind == "object":
        fields = [
            len(json.dumps(k)) + 3 + size_bound(v) + 2 for k, v in schema["properties"].items()
        ]
        return 3 + sum(fields)
    if kind == "array":
        return 3 + schema["maxItems"] * (size_bound(schema["items"]) + 2)
    if kind == "string":
        return 3 + 6 * schema.get("maxLength", 10)  # "\uXXXX" is the longest character
    return {"integer": 19, "number": 56, "boolean": 6, "null": 5}[str(kind)]


@pytest.fixture(scope="module")
def engine() -> Iterator[LlamaEngine]:
    engine = LlamaEngine(
        default_model_path(), "smollm2", n_slots=1, n_ctx_slot=2048, n_threads=2, prefill_chunk=256
    )
    yield engine
    engine.close()


def generate(
    engine: LlamaEngine, body: dict[str, Any], seed: int, max_tokens: int
) -> tuple[str, Finished]:
    request = ChatCompletionRequest.model_validate(body)
    constraint = constraint_for(request, GrammarCache())
    messages = render_messages(request.messages, constraint.instructions)
    options = SamplingOptions(
        max_tokens=max_tokens, temperature=1.0, seed=seed, grammar=constraint.grammar
    )
    engine.admit(engine.prepare(messages, options))
    text = ""
    while True:
        for _, event in engine.step():
            if isinstance(event, Delta):
                text += event.text
            else:
                return text, event


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=SCHEMAS, seed=st.integers(0, 2**31))
def test_any_answer_validates_against_its_schema(
    engine: LlamaEngine, schema: dict[str, Any], seed: int
) -> None:
    body = {
        "model": "smollm2",
        "messages": [{"role": "user", "content": "Give me an example record as JSON."}],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "record", "schema": schema, "strict": True},
        },
    }
    text, finished = generate(engine, body, seed, size_bound(schema) + 8)
    assert finished.finish_reason == "stop", (schema, text)
    jsonschema.validate(json.loads(text), schema)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parameters=SCHEMAS, seed=st.integers(0, 2**31))
def test_any_forced_tool_call_validates_against_its_parameters(
    engine: LlamaEngine, parameters: dict[str, Any], seed: int
) -> None:
    body = {
        "model": "smollm2",
        "messages": [{"role": "user", "content": "Go."}],
        "tools": [
            {"type": "function", "function": {"name": "act", "parameters": parameters}},
            {"type": "function", "function": {"name": "wait"}},
        ],
        "tool_choice": "required",
    }
    text, finished = generate(engine, body, seed, size_bound(parameters) + 60)
    assert finished.finish_reason == "stop", (parameters, text)
    call = json.loads(text.removeprefix("<tool_call>"))
    assert call["name"] in {"act", "wait"}
    expected = (
        parameters if call["name"] == "act" else {"type": "object", "additionalProperties": False}
    )
    jsonschema.validate(call["arguments"], expected)
