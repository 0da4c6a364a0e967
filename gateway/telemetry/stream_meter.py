"""Watches a stream on its way to the client: time to first token, the gaps between
tokens, the backend's usage report and any error event, into the request's record."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from gateway.record import RequestRecord

TOKEN_EVENTS = frozenset(
    {
        "response.output_text.delta",
        "response.refusal.delta",
        "response.function_call_arguments.delta",
    }
)
FINAL_EVENTS = frozenset({"response.completed", "response.incomplete", "response.failed"})


def _has_token(chunk: dict[str, Any]) -> bool:
    for choice in chunk.get("choices") or ():
        if not isinstance(choice, dict):
            continue
        delta = choice.get("delta")
        if isinstance(delta, dict) and (delta.get("content") or delta.get("tool_calls")):
            return True
        if choice.get("text"):
            return True
    return False


class StreamMeter:
    """An SSE event transform. The gateway always asks the backend for usage; when the
    client did not ask for it, the usage-only chunk is dropped (returned as b"")."""

    def __init__(
        self,
        record: RequestRecord,
        forward_usage: bool,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._record = record
        self._forward_usage = forward_usage
        self._clock = clock
        self._first: float | None = None
        self._last: float | None = None

    def __call__(self, event: bytes) -> bytes:
        if not event.startswith(b"data: {"):
            return event
        try:
            chunk = json.loads(event[6:])
        except ValueError:
            return event
        if not isinstance(chunk, dict):
            return event
        if isinstance(chunk.get("error"), dict):
            code = chunk["error"].get("code")
            self._record.error_code = str(code) if code else "stream_error"
            return event
        if _has_token(chunk):
            self._token()
        usage = chunk.get("usage")
        if usage:
            self._record.observe_usage(usage)
            if not chunk.get("choices") and not self._forward_usage:
                return b""
        return event

    def observe_responses_event(self, event: dict[str, Any]) -> None:
        """The same figures from a Responses stream event (a native backend's)."""
        kind = event.get("type")
        if kind == "error":
            self._record.error_code = str(event.get("code") or "stream_error")
        elif kind in TOKEN_EVENTS and event.get("delta"):
            self._token()
        response = event.get("response")
        if kind in FINAL_EVENTS and isinstance(response, dict):
            self._record.observe_usage(response.get("usage"))
            error = response.get("error")
            if kind == "response.failed" and isinstance(error, dict):
                self._record.error_code = str(error.get("code") or "stream_error")

    def _token(self) -> None:
        now = self._clock()
        record = self._record
        if self._first is None:
            self._first = now
            record.ttft_s = now - record.started
        elif self._last is not None:
            record.inter_token_s.append(now - self._last)
        self._last = now
        record.generation_s = now - self._first
