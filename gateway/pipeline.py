"""The request pipeline: decide where a request runs, then forward it there.

Later stages (authenticate, classify, transform, restore, record) slot in here; the
API layer only parses, calls these steps and writes the response.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from gateway.auth.authenticator import Caller
from gateway.backends.upstream import Upstream, UpstreamStream
from gateway.classify.registry import Classifiers
from gateway.routing import Decision, Route, decide
from gateway.schemas import VIRTUAL_MODELS, ChatCompletionRequest, CompletionRequest

Body = ChatCompletionRequest | CompletionRequest


class Pipeline:
    def __init__(self, backends: Mapping[Route, Upstream], classifiers: Classifiers) -> None:
        self._backends = backends
        self._classifiers = classifiers
        # spaCy and Presidio are not documented thread-safe: one worker thread runs
        # them, off the event loop.
        self._classify_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="classify")

    async def decide(self, decision_id: str, body: Body) -> Decision:
        if body.model not in VIRTUAL_MODELS:
            # Unknown models are refused before any classification work.
            return decide(decision_id, body.model)
        loop = asyncio.get_running_loop()
        signals = await loop.run_in_executor(self._classify_pool, self._classifiers.classify, body)
        return decide(decision_id, body.model, signals)

    def close(self) -> None:
        self._classify_pool.shutdown(wait=False, cancel_futures=True)

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
