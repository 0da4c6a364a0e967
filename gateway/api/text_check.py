"""Refuses a JSON body holding text that is not Unicode: a lone UTF-16 surrogate.
One linear walk over the parsed body, before the schema, so the 400 names the field.

Python's `json` decodes `"\\ud800"` (and raw surrogate bytes, read with
`surrogatepass`) into a str that UTF-8 cannot encode: classification, the upstream
body and even an error message quoting it would fail with a 500. A surrogate is the
only such case: every other code point, NUL, control characters and non-characters
(U+FFFE, U+FFFF, U+FDD0-U+FDEF) included, is valid Unicode that UTF-8 and JSON carry,
so it passes as it is (the classifiers' normalization drops controls, format
characters and combining marks from the copy they read; the backend gets the text).

Only FastAPI's path needs the walk: pydantic-core's JSON parser, which the fast path
(`gateway.api.direct`) validates with, refuses every lone surrogate, so such a body
always falls back to FastAPI, whose routes take their body as `Annotated[Model,
READABLE]`. A valid body on the fast path pays nothing. The walk runs where the schema
does, so FastAPI's order holds: malformed JSON, then the token, then the body.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from typing import Any

from pydantic import BeforeValidator

from common.errors import field_path
from gateway.errors import InvalidText

_SURROGATE = re.compile("[\ud800-\udfff]")
# Where a value sits: (the parent's place, this key or index); None at the top. Made
# per node in O(1) and rendered only for the one refused, so the walk stays linear.
_Place = tuple["_Place", str | int] | None
# What Python's json makes of a JSON object or array.
_Container = dict[str, Any] | list[Any]
_CONTAINERS = (dict, list)  # a tuple: isinstance checks it faster than a union


def _surrogate(text: str) -> int | None:
    if text.isascii():  # O(1) in CPython: most strings need no scan
        return None
    found = _SURROGATE.search(text)
    return ord(found.group()) if found else None


def _escaped(key: str) -> str:
    return key.encode("utf-8", "backslashreplace").decode()


def _param(place: _Place) -> str | None:
    parts: list[str | int] = []
    while place is not None:
        place, key = place
        # A refused key is named with its surrogate escaped: the name must be
        # writable itself.
        parts.append(_escaped(key) if isinstance(key, str) else key)
    return field_path(("body", *reversed(parts)))


def first_surrogate(body: object) -> tuple[str | None, int] | None:
    """(the field, the code point) of a string value or object key holding a
    surrogate, None when there is none: the shallowest such field, the first in
    document order at its depth (an object's keys before its values).

    Breadth first, strings checked where they are found and only containers queued:
    a node costs a type check or two, and no depth of nesting can exhaust the stack."""
    if isinstance(body, str):
        code = _surrogate(body)
        return None if code is None else (None, code)
    queue: deque[tuple[_Container, _Place]] = deque()
    if isinstance(body, _CONTAINERS):
        queue.append((body, None))
    while queue:
        value, place = queue.popleft()
        entries: Iterable[tuple[str | int, Any]]
        if isinstance(value, dict):
            for name in value:
                if (code := _surrogate(name)) is not None:
                    return _param((place, name)), code
            entries = value.items()
        else:
            entries = enumerate(value)
        for key, item in entries:
            if isinstance(item, str):
                if (code := _surrogate(item)) is not None:
                    return _param((place, key)), code
            elif isinstance(item, _CONTAINERS):
                queue.append((item, (place, key)))
    return None


def refuse_surrogates(body: object) -> object:
    """`body` as it is, or a 400 naming the first field that holds a surrogate. The
    message quotes no value: the caller has it, and it must be writable itself."""
    found = first_surrogate(body)
    if found is None:
        return body
    param, code = found
    where = param or "the body"
    raise InvalidText(
        f"{where}: holds U+{code:04X}, a lone UTF-16 surrogate, which is not text; "
        "send valid Unicode",
        param=param,
    )


# Runs on the JSON FastAPI parsed, before the model: not a ValueError, so pydantic
# lets it through and the app's handler answers it like any OpenAIError.
READABLE = BeforeValidator(refuse_surrogates)
