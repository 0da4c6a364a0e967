"""Structured outputs, tool calls and logprobs through the official openai SDK, against
the real edge server on SmolLM2. The model is tiny and often wrong: these tests check
that the answer's shape is always right, whatever the model wants to say."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Literal

import jsonschema
import openai
import pytest
from pydantic import BaseModel, Field

from tests.processes import Service

pytestmark = pytest.mark.integration

MODEL = "smollm2-135m-instruct"
WEATHER_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "maxLength": 30},
        "unit": {"enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer"},
    },
    "required": ["city", "unit"],
    "additionalProperties": False,
}
TIME_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {"timezone": {"type": "string", "maxLength": 30}},
    "required": ["timezone"],
    "additionalProperties": False,
}
TOOLS: list[Any] = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather in a city",
            "parameters": WEATHER_PARAMETERS,
        },
    },
    {
        "type": "function",
        "function": {
            "name": "get_time",
            "description": "Current time in a timezone",
            "parameters": TIME_PARAMETERS,
        },
    },
]
SCHEMAS = {"get_weather": WEATHER_PARAMETERS, "get_time": TIME_PARAMETERS}
ASK_WEATHER: list[Any] = [{"role": "user", "content": "What is the weather in Paris today?"}]


class City(BaseModel):
    name: str = Field(max_length=40)
    country: str = Field(max_length=40)
    population_millions: float
    capital: bool


class Step(BaseModel):
    action: Literal["mix", "bake", "serve"]
    minutes: int | None


class Recipe(BaseModel):
    title: str = Field(max_length=40)
    steps: list[Step] = Field(max_length=3)
    vegetarian: bool


@pytest.fixture(scope="module")
def client(edge_server: Service) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{edge_server.url}/v1", api_key="unused", max_retries=0) as c:
        yield c


def _valid_call(call: Any) -> dict[str, Any]:
    arguments = json.loads(call.function.arguments)
    jsonschema.validate(arguments, SCHEMAS[call.function.name])
    assert call.id.startswith("call_")
    assert call.type == "function"
    return dict(arguments)


def test_parse_with_a_pydantic_model_returns_a_valid_object(client: openai.OpenAI) -> None:
    completion = client.chat.completions.parse(
        model=MODEL,
        messages=[{"role": "user", "content": "Describe the city of Lyon as JSON."}],
        response_format=City,
        temperature=0,
        max_tokens=300,
    )
    message = completion.choices[0].message
    assert isinstance(message.parsed, City)
    assert completion.choices[0].finish_reason == "stop"
    jsonschema.validate(json.loads(message.content or ""), City.model_json_schema())


def test_parse_with_nested_models_references_and_optionals(client: openai.OpenAI) -> None:
    # $defs and $ref, Literal (enum), Optional (anyOf with null), bounded lists.
    completion = client.chat.completions.parse(
        model=MODEL,
        messages=[{"role": "user", "content": "Give me a simple cake recipe."}],
        response_format=Recipe,
        temperature=1.0,
        seed=7,
        max_tokens=400,
    )
    assert isinstance(completion.choices[0].message.parsed, Recipe)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_json_object_always_parses(client: openai.OpenAI, seed: int) -> None:
    completion = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Tell me a short joke."}],
        response_format={"type": "json_object"},
        temperature=1.0,
        seed=seed,
        max_tokens=300,
    )
    choice = completion.choices[0]
    assert choice.finish_reason == "stop"
    assert isinstance(json.loads(choice.message.content or ""), dict)


def test_a_named_tool_choice_forces_a_valid_call(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Hello! How are you?"}],
        tools=TOOLS,
        tool_choice={"type": "function", "function": {"name": "get_time"}},
        temperature=0,
        max_tokens=200,
    )
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    assert choice.message.tool_calls is not None
    assert len(choice.message.tool_calls) == 1
    call = choice.message.tool_calls[0]
    assert call.function.name == "get_time"
    _valid_call(call)


@pytest.mark.parametrize("seed", [4, 5])
def test_required_forces_a_valid_call_to_one_of_the_tools(client: openai.OpenAI, seed: int) -> None:
    completion = client.chat.completions.create(
        model=MODEL,
        messages=ASK_WEATHER,
        tools=TOOLS,
        tool_choice="required",
        temperature=1.0,
        seed=seed,
        max_tokens=200,
    )
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    (call,) = choice.message.tool_calls or []
    _valid_call(call)


def test_streamed_tool_call_deltas_accumulate_in_the_sdk(client: openai.OpenAI) -> None:
    with client.chat.completions.stream(
        model=MODEL,
        messages=ASK_WEATHER,
        tools=TOOLS,
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        temperature=0,
        max_tokens=200,
    ) as stream:
        events = list(stream)
        final = stream.get_final_completion()
    choice = final.choices[0]
    assert choice.finish_reason == "tool_calls"
    (call,) = choice.message.tool_calls or []
    assert call.function.name == "get_weather"
    arguments = _valid_call(call)
    # The SDK's own "arguments done" event carries the same, whole arguments.
    done = [e for e in events if e.type == "tool_calls.function.arguments.done"]
    assert len(done) == 1
    assert json.loads(done[0].arguments) == arguments
    fragments = [e for e in events if e.type == "tool_calls.function.arguments.delta"]
    assert len(fragments) > 1  # streamed as generated, not in one piece at the end
    assert not [e for e in events if e.type == "content.delta" and e.delta]


def test_tool_choice_none_answers_in_text(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model=MODEL,
        messages=ASK_WEATHER,
        tools=TOOLS,
        tool_choice="none",
        temperature=0,
        max_tokens=40,
    )
    choice = completion.choices[0]
    assert choice.message.tool_calls is None
    assert choice.message.content
    assert choice.finish_reason in {"stop", "length"}


@pytest.mark.parametrize("stream", [False, True])
def test_auto_gives_text_or_a_valid_call(client: openai.OpenAI, stream: bool) -> None:
    for prompt in ("Weather in Oslo please, in celsius.", "Write one sentence about cats."):
        request: dict[str, Any] = {
            "model": MODEL,
            "messages": [{"role": "user", "content": prompt}],
            "tools": TOOLS,
            "temperature": 0,
            "max_tokens": 150,
        }
        if stream:
            with client.chat.completions.stream(**request) as s:
                s.until_done()
                completion: Any = s.get_final_completion()
        else:
            completion = client.chat.completions.create(**request)
        choice = completion.choices[0]
        if choice.message.tool_calls:
            assert choice.finish_reason == "tool_calls"
            _valid_call(choice.message.tool_calls[0])
        else:
            assert choice.message.content
            assert not choice.message.content.startswith("<")


def test_a_tool_result_in_the_history_is_answered(client: openai.OpenAI) -> None:
    first = client.chat.completions.create(
        model=MODEL, messages=ASK_WEATHER, tools=TOOLS, tool_choice="required", temperature=0
    )
    message = first.choices[0].message
    (call,) = message.tool_calls or []
    history: list[Any] = [
        *ASK_WEATHER,
        message,  # the SDK's own message object, sent back as clients do
        {"role": "tool", "tool_call_id": call.id, "content": "18 degrees and sunny"},
    ]
    second = client.chat.completions.create(
        model=MODEL, messages=history, tools=TOOLS, tool_choice="none", temperature=0, max_tokens=40
    )
    assert second.choices[0].message.content


@pytest.mark.parametrize(
    ("schema", "keyword"),
    [
        ({"type": "object", "properties": {"n": {"type": "integer", "minimum": 3}}}, "minimum"),
        ({"type": "object", "patternProperties": {"^x": {}}}, "patternProperties"),
    ],
)
def test_an_unsupported_schema_keyword_is_a_400_naming_it(
    client: openai.OpenAI, schema: dict[str, Any], keyword: str
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model=MODEL,
            messages=ASK_WEATHER,
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "x", "schema": schema, "strict": True},
            },
        )
    error = caught.value.body
    assert isinstance(error, dict)
    assert error["param"] == "response_format.json_schema.schema"
    assert keyword in error["message"]


def test_an_unsupported_tool_parameter_keyword_names_the_tool(client: openai.OpenAI) -> None:
    tool = {
        "type": "function",
        "function": {"name": "f", "parameters": {"type": "object", "not": {"required": ["a"]}}},
    }
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=MODEL, messages=ASK_WEATHER, tools=[tool])  # type: ignore[list-item]
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["param"] == "tools[0].function.parameters"


def test_chat_logprobs_cover_every_token(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model=MODEL,
        messages=ASK_WEATHER,
        temperature=0,
        max_tokens=12,
        logprobs=True,
        top_logprobs=3,
    )
    choice = completion.choices[0]
    assert choice.logprobs is not None
    assert choice.logprobs.content is not None
    tokens = choice.logprobs.content
    assert len(tokens) == completion.usage.completion_tokens  # type: ignore[union-attr]
    assert b"".join(bytes(t.bytes or []) for t in tokens).decode() == choice.message.content
    for token in tokens:
        assert token.logprob <= 0
        assert len(token.top_logprobs) == 3
        ranked = [t.logprob for t in token.top_logprobs]
        assert ranked == sorted(ranked, reverse=True)
        # Greedy: the chosen token is the most likely one.
        assert token.logprob == pytest.approx(ranked[0])


def test_streamed_logprobs_and_text_logprobs(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model=MODEL, messages=ASK_WEATHER, temperature=0, max_tokens=8, logprobs=True, stream=True
    )
    text, tokens = "", []
    for chunk in stream:
        if chunk.choices and chunk.choices[0].logprobs and chunk.choices[0].logprobs.content:
            tokens += chunk.choices[0].logprobs.content
            text += chunk.choices[0].delta.content or ""
    assert tokens
    assert "".join(t.token for t in tokens) == text
    legacy = client.completions.create(
        model=MODEL, prompt="1, 2, 3,", max_tokens=5, temperature=0, logprobs=2
    )
    logprobs = legacy.choices[0].logprobs
    assert logprobs is not None
    assert logprobs.tokens is not None
    assert "".join(logprobs.tokens) == legacy.choices[0].text
    assert logprobs.top_logprobs is not None
    assert all(len(t) == 2 for t in logprobs.top_logprobs)
