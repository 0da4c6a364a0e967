"""Gives each request a decision id and stamps the x-hybridgate-* headers on its response.

The pipeline writes the decision (with its policy revision), the backend and any
fallback into the request's record (`gateway.audit.event.RequestRecord`); the explain
endpoint, which decides without a record of its own, puts its revision in the request
state. This middleware reads them when the response starts, so errors and streams
carry the headers too.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.errors import InternalError, error_response
from gateway.policy.decision import NO_POLICY_REVISION
from gateway.record import RequestRecord

log = logging.getLogger(__name__)


def _revision(state: dict[str, Any], record: RequestRecord | None) -> str:
    if record is not None and record.decision is not None:
        return record.decision.policy_revision
    revision: str = state.get("policy_revision", NO_POLICY_REVISION)
    return revision


class DecisionHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["decision_id"] = f"dec-{uuid.uuid4().hex}"

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                headers["x-hybridgate-decision-id"] = state["decision_id"]
                record: RequestRecord | None = state.get("record")
                headers["x-hybridgate-policy-revision"] = _revision(state, record)
                if record is not None and record.backend:
                    headers["x-hybridgate-route"] = record.backend
                if record is not None and record.fell_back:
                    headers["x-hybridgate-fallback"] = record.fell_back
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Answered here rather than by Starlette's outermost error middleware, so
            # that an unexpected failure also carries the decision id to quote.
            if started:
                raise
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            response = error_response(InternalError("internal server error"))
            await response(scope, receive, send_with_headers)
