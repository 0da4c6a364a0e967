"""Random OpenAI bodies with a sensitive value planted in a random text place,
optionally disguised: the strategies shared by the property test and its longer run
in bench/leak_probe.py."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from gateway.classify.normalize import normalize

BENIGN = (
    "Summarise the release notes in three bullet points.",
    "Explain the trade-offs between optimistic and pessimistic locking.",
    "Translate the paragraph into German and keep the formatting.",
    "List the open risks for the data centre migration.",
    "Write a haiku about autumn in the city.",
)


@dataclass(frozen=True)
class Secret:
    name: str
    template: str  # {v} is where the (maybe disguised) value goes
    value: str
    forms: tuple[str, ...]  # what must never arrive, compared after normalization


SECRETS = (
    Secret("ssn", "Her SSN {v} is on file.", "536-22-8741", ("536-22-8741", "536228741")),
    Secret("card", "Charge card {v} today.", "4111 1111 1111 1111", ("4111111111111111",)),
    Secret("email", "Write to {v} tonight.", "maria.lopez82@gmail.com", ("maria.lopez82",)),
    Secret("cloud key", "boto3 fails with {v}", "AKIA4HX7QWE3RTY5UIOP", ("AKIA4HX7QWE3RTY5UIOP",)),
    Secret(
        "private key",
        "{v}",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----",
        ("MIIEpAIBAAKCAQEA7",),
    ),
    Secret(
        "person and diagnosis",
        "Patient {v} was diagnosed with type 2 diabetes.",
        "Mary Jones",
        ("Mary Jones", "MaryJones"),
    ),
)


def _fullwidth(value: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in value)


def _letters_for_digits(value: str) -> str:
    lookalike = {"0": "O", "1": "l", "2": "Z", "5": "S", "8": "B"}
    digits = [i for i, c in enumerate(value) if c.isdigit()]
    chars = list(value)
    for i in digits[::3]:
        chars[i] = lookalike.get(chars[i], chars[i])
    return "".join(chars)


def _digits(base: int) -> Callable[[str], str]:
    return lambda v: "".join(chr(base + int(c)) if c.isdigit() else c for c in v)


DISGUISES: dict[str, Callable[[str], str]] = {
    "none": lambda v: v,
    "zero-width": lambda v: "\u200b".join(v),
    "zero-width joiner": lambda v: "\u200d".join(v),
    "soft hyphen": lambda v: "\u00ad".join(v),
    "bidi": lambda v: "\u202e" + "\u2067".join(v) + "\u202c",
    "fullwidth": _fullwidth,
    "arabic-indic digits": _digits(0x0660),
    "devanagari digits": _digits(0x0966),
    "math digits": _digits(0x1D7CE),
    "cyrillic": lambda v: v.translate(
        str.maketrans(
            "aceopxyABCEHKMOPTX",
            "\u0430\u0441\u0435\u043e\u0440\u0445\u0443\u0410\u0412\u0421\u0415\u041d\u041a\u041c\u041e\u0420\u0422\u0425",
        )
    ),
    "combining": lambda v: "\u0307".join(v),
    "letters for digits": lambda v: _letters_for_digits(v),
    "letter-spaced": lambda v: "   ".join(" ".join(word) for word in v.split(" ")),
}


def _base64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def _base64url(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def _percent(value: str) -> str:
    return "".join(f"%{byte:02X}" for byte in value.encode())


def _entities(value: str) -> str:
    """Numeric, hexadecimal and named references mixed, as scraped pages have them."""
    named = {"@": "&commat;", ".": "&period;", " ": "&nbsp;"}
    out = []
    for i, char in enumerate(value):
        if char in named and i % 2:
            out.append(named[char])
        else:
            out.append(f"&#{ord(char)};" if i % 3 else f"&#x{ord(char):x};")
    return "".join(out)


def _quoted_printable(value: str) -> str:
    """Every other byte as =XX (and every "=" and whitespace byte, as an encoder must
    write them), with a soft line break in the middle."""
    encoded = [
        f"={b:02X}" if i % 2 == 0 or chr(b) in "= \t\r\n" else chr(b)
        for i, b in enumerate(value.encode())
    ]
    half = len(encoded) // 2
    return "".join(encoded[:half]) + "=\n" + "".join(encoded[half:])


def _unicode_escapes(value: str) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in value)


def _hex_escapes(value: str) -> str:
    return "".join(f"\\x{b:02x}" for b in value.encode())


_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _number_words(value: str, spoken: bool = False) -> str:
    """Digits as words, groups as pauses ("five three six, two two, ..."); `spoken`:
    "oh" for zero, "double" for a repeated digit, no pauses. Only a value of digits and
    separators is dictated; any other is left as it is."""
    if not all(c.isdigit() or c in " -" for c in value):
        return value
    groups = [g for g in re.split(r"[ -]", value) if g]
    if not spoken:
        return ", ".join(" ".join(_DIGIT_WORDS[int(d)] for d in g) for g in groups)
    words: list[str] = []
    digits = "".join(groups)
    i = 0
    while i < len(digits):
        word = "oh" if digits[i] == "0" else _DIGIT_WORDS[int(digits[i])]
        if i + 1 < len(digits) and digits[i + 1] == digits[i]:
            words.append(f"double {word}")
            i += 2
        else:
            words.append(word)
            i += 1
    return " ".join(words)


# Encodings a reader can undo (issue 28): each takes any text.
ENCODINGS: dict[str, Callable[[str], str]] = {
    "base64": _base64,
    "base64url": _base64url,
    "percent": _percent,
    "html entities": _entities,
    "quoted-printable": _quoted_printable,
    "unicode escapes": _unicode_escapes,
    "hex escapes": _hex_escapes,
}
DISGUISES.update(ENCODINGS)
DISGUISES["number words"] = _number_words
DISGUISES["spoken number words"] = lambda v: _number_words(v, spoken=True)


def nested(names: Sequence[str]) -> Callable[[str], str]:
    """The encodings applied in order: the first is the innermost layer."""

    def encode(value: str) -> str:
        for name in names:
            value = ENCODINGS[name](value)
        return value

    return encode


@st.composite
def disguised(draw: st.DrawFn, value: str) -> tuple[str, str]:
    """A disguise's name and the value under it: one of DISGUISES, or two or three
    encodings nested at random."""
    if draw(st.integers(0, 4)) == 0:
        names = draw(st.lists(st.sampled_from(sorted(ENCODINGS)), min_size=2, max_size=3))
        return " of ".join(reversed(names)), nested(names)(value)
    name = draw(st.sampled_from(sorted(DISGUISES)))
    return name, DISGUISES[name](value)


# Where a text can go in a chat body: each takes the body and the text and plants it.
Planter = Callable[[dict[str, Any], str], None]


def _tool(body: dict[str, Any]) -> dict[str, Any]:
    tools = body.setdefault(
        "tools",
        [
            {
                "type": "function",
                "function": {
                    "name": "lookup",
                    "description": "Look up a record",
                    "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
                },
            }
        ],
    )
    function: dict[str, Any] = tools[0]["function"]
    return function


def _schema(body: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = _tool(body)["parameters"]["properties"]["q"]
    return schema


def _response_schema(body: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    body["response_format"] = {
        "type": "json_schema",
        "json_schema": {"name": "r", "schema": schema},
    }
    return schema["properties"]["a"]  # type: ignore[return-value]


def _last_user(body: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = next(m for m in reversed(body["messages"]) if m["role"] == "user")
    return message


def _content(body: dict[str, Any], text: str) -> None:
    message = _last_user(body)
    message["content"] = f"{message['content']} {text}"


def _part(body: dict[str, Any], text: str) -> None:
    message = _last_user(body)
    message["content"] = [
        {"type": "text", "text": message["content"]},
        {"type": "text", "text": text},
    ]


def _split_parts(body: dict[str, Any], text: str) -> None:
    message = _last_user(body)
    half = len(text) // 2
    message["content"] = [
        {"type": "text", "text": f"{message['content']} {text[:half]}"},
        {"type": "text", "text": text[half:]},
    ]


def _split_messages(body: dict[str, Any], text: str) -> None:
    half = len(text) // 2
    body["messages"] += [
        {"role": "user", "content": text[:half]},
        {"role": "user", "content": text[half:]},
    ]


def _system(body: dict[str, Any], text: str) -> None:
    body["messages"].insert(0, {"role": "system", "content": text})


def _tool_call(body: dict[str, Any], text: str) -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "lookup"}}
    call["function"]["arguments"] = json.dumps({"q": text})  # type: ignore[index]
    body["messages"] += [
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "done"},
    ]


def _tool_result(body: dict[str, Any], text: str) -> None:
    body["messages"] += [
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
        ]},
        {"role": "tool", "tool_call_id": "c", "content": text},
    ]  # fmt: skip


def _set(path: Callable[[dict[str, Any]], dict[str, Any]], key: str) -> Planter:
    def plant(body: dict[str, Any], text: str) -> None:
        path(body)[key] = text

    return plant


def _list(path: Callable[[dict[str, Any]], dict[str, Any]], key: str) -> Planter:
    def plant(body: dict[str, Any], text: str) -> None:
        path(body)[key] = ["something", text]

    return plant


def _key(path: Callable[[dict[str, Any]], dict[str, Any]], key: str) -> Planter:
    def plant(body: dict[str, Any], text: str) -> None:
        path(body).setdefault(key, {})[text] = {"type": "string"}

    return plant


CHAT_PLACES: dict[str, Planter] = {
    "user content": _content,
    "content part": _part,
    "split across parts": _split_parts,
    "split across messages": _split_messages,
    "system message": _system,
    "tool-call arguments": _tool_call,
    "tool result": _tool_result,
    "message extra field": lambda b, t: _last_user(b).__setitem__("x_note", t),
    "tool description": _set(_tool, "description"),
    "parameter description": _set(_schema, "description"),
    "parameter enum": _list(_schema, "enum"),
    "parameter examples": _list(_schema, "examples"),
    "parameter default": _set(_schema, "default"),
    "property name": _key(lambda b: _tool(b)["parameters"], "properties"),
    "response_format description": _set(_response_schema, "description"),
    "response_format enum": _list(_response_schema, "enum"),
    "prediction": lambda b, t: b.__setitem__("prediction", {"type": "content", "content": t}),
    "stop": lambda b, t: b.__setitem__("stop", [t]),
    "stream_options extra": lambda b, t: b.__setitem__(
        "stream_options", {"include_usage": True, "note": t}
    ),
    "user field": lambda b, t: b.__setitem__("user", t),
    "metadata value": lambda b, t: b.__setitem__("metadata", {"note": t}),
    "metadata key": lambda b, t: b.__setitem__("metadata", {t: "1"}),
    "unknown field": lambda b, t: b.__setitem__("x_vendor", {"text": t}),
}
COMPLETION_PLACES: dict[str, Planter] = {
    "prompt": lambda b, t: b.__setitem__("prompt", f"{b['prompt']} {t}"),
    "prompt list": lambda b, t: b.__setitem__("prompt", [b["prompt"], t]),
    "suffix": lambda b, t: b.__setitem__("suffix", t),
    "stop": lambda b, t: b.__setitem__("stop", t),
}


def _responses_tool(body: dict[str, Any]) -> dict[str, Any]:
    tools = body.setdefault(
        "tools",
        [
            {
                "type": "function",
                "name": "lookup",
                "description": "Look up a record",
                "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
            }
        ],
    )
    tool: dict[str, Any] = tools[0]
    return tool


def _responses_schema(body: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = _responses_tool(body)["parameters"]["properties"]["q"]
    return schema


def _text_format(body: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    body["text"] = {"format": {"type": "json_schema", "name": "r", "schema": schema}}
    return schema["properties"]["a"]  # type: ignore[return-value]


def _last_item(body: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = next(i for i in reversed(body["input"]) if i.get("role") == "user")
    return item


def _item_content(body: dict[str, Any], text: str) -> None:
    item = _last_item(body)
    item["content"] = f"{item['content']} {text}"


def _input_text(body: dict[str, Any], text: str) -> None:
    item = _last_item(body)
    item["content"] = [
        {"type": "input_text", "text": item["content"]},
        {"type": "input_text", "text": text},
    ]


def _split_input_parts(body: dict[str, Any], text: str) -> None:
    item = _last_item(body)
    half = len(text) // 2
    item["content"] = [
        {"type": "input_text", "text": f"{item['content']} {text[:half]}"},
        {"type": "input_text", "text": text[half:]},
    ]


def _split_items(body: dict[str, Any], text: str) -> None:
    half = len(text) // 2
    body["input"] += [
        {"role": "user", "content": text[:half]},
        {"type": "message", "role": "user", "content": text[half:]},
    ]


def _call(arguments: str, output: Any) -> list[dict[str, Any]]:
    return [
        {"type": "function_call", "call_id": "call_1", "name": "lookup", "arguments": arguments},
        {"type": "function_call_output", "call_id": "call_1", "output": output},
    ]


def _assistant_text(body: dict[str, Any], text: str) -> None:
    part = {"type": "output_text", "text": text, "annotations": []}
    body["input"].insert(0, {"type": "message", "role": "assistant", "content": [part]})


RESPONSES_PLACES: dict[str, Planter] = {
    "input string": lambda b, t: b.__setitem__("input", f"{b['input'][-1]['content']} {t}"),
    "item content": _item_content,
    "input_text part": _input_text,
    "split across parts": _split_input_parts,
    "split across items": _split_items,
    "instructions": lambda b, t: b.__setitem__("instructions", t),
    "developer item": lambda b, t: b["input"].insert(0, {"role": "developer", "content": t}),
    "assistant output_text": _assistant_text,
    "function_call arguments": lambda b, t: b["input"].extend(_call(json.dumps({"q": t}), "ok")),
    "function_call_output": lambda b, t: b["input"].extend(_call("{}", t)),
    "function_call_output part": lambda b, t: b["input"].extend(
        _call("{}", [{"type": "input_text", "text": t}])
    ),
    "item extra field": lambda b, t: _last_item(b).__setitem__("x_note", t),
    "tool description": _set(_responses_tool, "description"),
    "parameter description": _set(_responses_schema, "description"),
    "parameter enum": _list(_responses_schema, "enum"),
    "parameter examples": _list(_responses_schema, "examples"),
    "parameter default": _set(_responses_schema, "default"),
    "property name": _key(lambda b: _responses_tool(b)["parameters"], "properties"),
    "text.format description": _set(_text_format, "description"),
    "text.format enum": _list(_text_format, "enum"),
    "user field": lambda b, t: b.__setitem__("user", t),
    "metadata value": lambda b, t: b.__setitem__("metadata", {"note": t}),
    "metadata key": lambda b, t: b.__setitem__("metadata", {t: "1"}),
}


@dataclass(frozen=True)
class Probe:
    path: str
    body: dict[str, Any]  # with the secret planted
    clean: dict[str, Any]  # the same body with a benign text in its place
    secret: Secret
    disguised: str
    place: str


@st.composite
def probes(draw: st.DrawFn, models: tuple[str, ...] = ("cloud", "auto")) -> Probe:
    chat = draw(st.booleans())
    secret = draw(st.sampled_from(SECRETS))
    _, hidden = draw(disguised(secret.value))
    base: dict[str, Any] = {"model": draw(st.sampled_from(models))}
    if draw(st.booleans()):
        base["max_tokens"] = draw(st.integers(1, 512))
    if draw(st.booleans()):
        base["temperature"] = draw(st.floats(0, 2, allow_nan=False))
    base["stream"] = draw(st.booleans())
    if chat:
        turns = draw(st.lists(st.sampled_from(BENIGN), min_size=1, max_size=4))
        roles = ["user", "assistant"] * 2
        base["messages"] = [{"role": roles[i], "content": t} for i, t in enumerate(turns)]
        if base["messages"][-1]["role"] != "user":
            base["messages"].append({"role": "user", "content": draw(st.sampled_from(BENIGN))})
        places = CHAT_PLACES
    else:
        base["prompt"] = draw(st.sampled_from(BENIGN))
        places = COMPLETION_PLACES
    place = draw(st.sampled_from(sorted(places)))
    body, clean = json.loads(json.dumps(base)), json.loads(json.dumps(base))
    places[place](body, secret.template.format(v=hidden))
    places[place](clean, draw(st.sampled_from(BENIGN)))
    path = "/v1/chat/completions" if chat else "/v1/completions"
    return Probe(path, body, clean, secret, hidden, place)


def leaked(probe: Probe, received: str) -> list[str]:
    """The forms of the probe's secret found in what a backend received."""
    seen = normalize(received).text
    squeezed = re.sub(r"[\s\-]", "", seen)
    found = [f for f in probe.secret.forms if f in seen or f.replace(" ", "") in squeezed]
    if probe.disguised in received:
        found.append("the disguised value itself")
    return found


@st.composite
def responses_probes(draw: st.DrawFn, models: tuple[str, ...] = ("cloud", "auto")) -> Probe:
    """A Responses body (`POST /v1/responses`) with the value planted in one of its
    text places: input items of every kind, instructions, tool definitions, formats."""
    secret = draw(st.sampled_from(SECRETS))
    _, hidden = draw(disguised(secret.value))
    base: dict[str, Any] = {"model": draw(st.sampled_from(models))}
    if draw(st.booleans()):
        base["max_output_tokens"] = draw(st.integers(1, 512))
    if draw(st.booleans()):
        base["temperature"] = draw(st.floats(0, 2, allow_nan=False))
    base["stream"] = draw(st.booleans())
    turns = draw(st.lists(st.sampled_from(BENIGN), min_size=1, max_size=4))
    roles = ["user", "assistant"] * 2
    base["input"] = [{"role": roles[i], "content": t} for i, t in enumerate(turns)]
    if base["input"][-1]["role"] != "user":
        base["input"].append({"role": "user", "content": draw(st.sampled_from(BENIGN))})
    place = draw(st.sampled_from(sorted(RESPONSES_PLACES)))
    body, clean = json.loads(json.dumps(base)), json.loads(json.dumps(base))
    RESPONSES_PLACES[place](body, secret.template.format(v=hidden))
    RESPONSES_PLACES[place](clean, draw(st.sampled_from(BENIGN)))
    return Probe("/v1/responses", body, clean, secret, hidden, place)
