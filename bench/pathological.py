"""Well-formed but pathological chat bodies, each under the gateway's 4 MiB body limit,
as raw JSON (a lone surrogate travels as the escape a client writes): the abusive
caller of `bench/soak.py --abuse pathological` and tests/gateway/test_pathological.py."""

from __future__ import annotations

import json
from typing import Any


def pathological_bodies() -> dict[str, bytes]:
    def chat(content: Any) -> bytes:
        body = {"model": "auto", "messages": [{"role": "user", "content": content}]}
        return json.dumps(body).encode()

    messages = [{"role": "user", "content": f"note {i}"} for i in range(10_000)]
    deep = '{"x": [' * 5_000 + '"deep"' + "]}" * 5_000
    return {
        "3.9 MB prompt": chat("All work and no play makes a dull afternoon. " * 85_000),
        "10,000 messages": json.dumps({"model": "auto", "messages": messages}).encode(),
        "200,000 emoji": chat("\U0001f600" * 200_000),
        "letters, @, b.": chat("a" * 100_000 + "@" + "b." * 100_000),
        "brackets": chat("[{(" * 60_000 + ")}]" * 60_000),
        "lone surrogate": chat("broken \ud800 text"),
        "deep nesting": (
            '{"model": "auto", "messages": [{"role": "user", "content": "hi"}], "metadata": '
            + deep
            + "}"
        ).encode(),
    }
