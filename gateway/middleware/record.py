"""The record stage: exactly one audit event, one set of metrics and one trace per
request that reaches the gateway, whatever becomes of it. Run by the front layer
(`gateway.middleware.front`), which makes the record and calls `finish` once.

A whole (non-streamed) response is held until its event is written, so that with
`audit.on_failure: fail_closed` a request whose event cannot be written is answered
with a 503 instead. A stream's status has left before its end is known; its event is
written when it ends, and a failure then is logged as an unaudited request.
Probes and scrapes (/healthz, /readyz, /metrics) are not requests in this sense.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import Scope

from common.errors import OpenAIError, error_response
from gateway.audit.log import AuditLog
from gateway.record import RequestRecord
from gateway.telemetry.metrics import Metrics
from gateway.telemetry.tracing import Tracing

log = logging.getLogger(__name__)
EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
# Scrapes are recorded only when refused (a security event), not every 15 s.
RECORDED_WHEN_REFUSED = frozenset({"/metrics"})
SECURITY_CODES = frozenset(
    {"invalid_token", "missing_token", "insufficient_scope", "auth_unavailable"}
)
# Correlation ids callers commonly send; the decision id stands in when none is sent.
REQUEST_ID_HEADERS = (b"x-request-id", b"x-ms-client-request-id", b"x-client-request-id")
MAX_REQUEST_ID = 128


class AuditUnavailable(OpenAIError):
    status_code = 503
    code = "audit_unavailable"


@dataclass(frozen=True)
class Recording:
    """What the record stage writes to; built in the app's lifespan."""

    audit: AuditLog
    metrics: Metrics
    tracing: Tracing


def new_record(scope: Scope, decision_id: str) -> RequestRecord:
    return RequestRecord(
        decision_id=decision_id,
        request_id=_request_id(scope, decision_id),
        method=scope["method"],
        path=scope["path"],
    )


def _request_id(scope: Scope, fallback: str) -> str:
    for name, value in scope.get("headers", ()):
        if name in REQUEST_ID_HEADERS:
            text = str(value.decode("latin-1"))
            if text.isprintable():
                return text[:MAX_REQUEST_ID]
    return fallback


def _error(body: bytes) -> dict[str, Any] | None:
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    error = parsed.get("error") if isinstance(parsed, dict) else None
    return error if isinstance(error, dict) else None


def audit_refusal() -> JSONResponse:
    """The 503 a request gets when its event cannot be written (fail-closed)."""
    return error_response(AuditUnavailable("the audit log cannot be written"))


async def finish(record: RequestRecord, recording: Recording, body: bytes | None) -> bool:
    """Writes the request's event and observes its metrics; False if the event could
    not be written. `body` is a whole response's, for its error code."""
    record.total_s = time.perf_counter() - record.started
    while record.on_finish:
        record.on_finish.pop()()
    if record.path in RECORDED_WHEN_REFUSED and (record.status or 0) < 400:
        return True
    if body is not None and (record.status or 0) >= 400:
        # Read back from the body, so that every source of an error response (handlers,
        # the body limit, refusals) is recorded the same way.
        error = _error(body)
        if error is not None:
            record.error_code = str(error.get("code") or error.get("type") or "error")
            if record.decision is None and record.error_code in SECURITY_CODES:
                record.security_reason = str(error.get("message", record.error_code))
    written = await recording.audit.record(record)
    if not written:
        recording.metrics.audit_failures.inc()
    recording.metrics.observe(record)
    return written


async def finish_stream(record: RequestRecord, recording: Recording, ended: bool) -> None:
    if not ended and record.error_code is None:
        # Cut short, most often by the client leaving; the status had gone out.
        record.error_code = "stream_incomplete"
    if not await finish(record, recording, None):
        log.error("stream %s ended unaudited", record.decision_id)
