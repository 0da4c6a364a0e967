"""The request pipeline: decide where a request runs, then forward it there.

Later stages (authenticate, classify, transform, restore, record) slot in here; the
API layer only parses, calls these steps and writes the response.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.auth.authenticator import Caller
from gateway.backends.upstream import Upstream, UpstreamStream
from gateway.routing import Decision, Route, decide
from gateway.schemas import ChatCompletionRequest, CompletionRequest

Body = ChatCompletionRequest | CompletionRequest


class Pipeline:
    def __init__(self, backends: Mapping[Route, Upstream]) -> None:
        self._backends = backends

    def decide(self, decision_id: str, body: Body) -> Decision:
        return decide(decision_id, body.model)

    async def complete(
        self, decision: Decision, path: str, body: Body, caller: Caller
    ) -> dict[str, Any]:
        upstream = self._backends[decision.route]
        return await upstream.complete(path, body.upstream_payload(upstream.model), caller)

    async def stream(
        self, decision: Decision, path: str, body: Body, caller: Caller
    ) -> UpstreamStream:
        upstream = self._backends[decision.route]
        return await upstream.stream(path, body.upstream_payload(upstream.model), caller)

    async def edge_ready(self) -> bool:
        return await self._backends["edge"].probe("/readyz")
