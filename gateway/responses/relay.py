"""A native Responses stream on its way to the caller: placeholders restored (a delta
that ends inside one is held back, and what was held goes out before its `.done`), the
events numbered again (restoring can add one), and a cut turned into the Responses way
of failing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from gateway.policy.redact import Restorer
from gateway.responses.events import Emitter, parse

# Where a delta belongs: its kind, output item and content part.
KEY_FIELDS = ("item_id", "output_index", "content_index")


class ResponsesRelay:
    def __init__(
        self,
        restorer: Restorer | None,
        observe: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self._restorer = restorer
        self._observe = observe
        self._emit = Emitter()
        self._response: dict[str, Any] = {"object": "response", "output": []}
        self._ended = False

    async def events(self, upstream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        async for event in upstream:
            if self._ended:
                continue
            out = self._relay(event)
            if out:
                yield out

    def failure(self, message: str, code: str) -> bytes:
        self._ended = True
        return self._emit.failure(self._response, message, code)

    def _relay(self, event: bytes) -> bytes:
        _, data = parse(event)
        if not isinstance(data, dict):
            return b""  # [DONE], comments: the Responses protocol has no [DONE]
        error = data.get("error")
        if "type" not in data and isinstance(error, dict):
            # The gateway's own in-stream error (the backend broke or stalled).
            message = str(error.get("message") or "the backend stream failed")
            code = str(error.get("code") or "stream_error")
            if self._observe is not None:  # the meter records it, as it does in chat
                self._observe({"type": "error", "code": code})
            return self.failure(message, code)
        if self._observe is not None:
            self._observe(data)
        out = b""
        for restored in self._restored(data):
            kind = str(restored.pop("type", "unknown"))
            restored.pop("sequence_number", None)
            if isinstance(restored.get("response"), dict):
                self._response = restored["response"]
            if kind in ("response.completed", "response.incomplete", "response.failed"):
                self._ended = True
            out += self._emit.event(kind, **restored)
        return out

    def _restored(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        restorer = self._restorer
        if restorer is None:
            return [data]
        kind = str(data.get("type"))
        key = tuple(data.get(name) for name in KEY_FIELDS)
        if kind.endswith(".delta") and isinstance(data.get("delta"), str):
            data["delta"] = restorer.feed((kind, *key), data["delta"], _json_delta(kind))
            return [data]
        out: list[dict[str, Any]] = []
        if kind.endswith(".done"):
            delta_kind = kind.removesuffix(".done") + ".delta"
            tail = restorer.flush((delta_kind, *key), _json_delta(delta_kind))
            if tail:
                held = {name: data[name] for name in KEY_FIELDS if name in data}
                out.append({"type": delta_kind, **held, "delta": tail})
        restored: dict[str, Any] = restorer.response(data)
        return [*out, restored]


def _json_delta(kind: str) -> bool:
    """Arguments deltas (function and MCP calls) are pieces of JSON text."""
    return kind.removesuffix(".delta").endswith("_arguments")
