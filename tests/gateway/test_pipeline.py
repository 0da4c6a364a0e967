"""`Pipeline.handle` without ASGI: real classifiers and policy, scripted backends.

What the pipeline decides and records for one request: the route, a cloud→edge
fallback, a denial, redaction that only ever applies to the cloud, spillover from a
busy edge.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.auth.authenticator import Caller
from gateway.auth.principal import Principal
from gateway.backends.edge_load import EdgeLoad, EdgeSlots
from gateway.backends.upstream import Upstream
from gateway.classify.registry import Classifiers
from gateway.cli.settings import load_settings
from gateway.context import Endpoint, RequestContext
from gateway.errors import PolicyDenied
from gateway.limits import RateLimited
from gateway.pipeline import Body, Pipeline, Streamed, Whole
from gateway.policy.decision import Decision, Route
from gateway.policy.loader import PolicyStore
from gateway.record import RequestRecord
from gateway.schemas import ChatCompletionRequest
from tests.conftest import DEFAULT_POLICY

COMPLEX = (
    "Compare the trade-offs between optimistic and pessimistic locking in a distributed "
    "database, and explain step by step when each one is the better choice."
)
EMAIL = "jane.roe@contoso.com"
USAGE = {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}
# Deny long answers; send anything naming an e-mail address to the cloud redacted.
TEST_POLICY = f"""
version: 1
classifiers_from: {DEFAULT_POLICY}
max_cloud_level: restricted
rules:
  - id: no-essays
    when: {{max_tokens_over: 1000}}
    deny: answers that long are not allowed
  - id: mail-redacted
    when: {{entities_any: [EMAIL_ADDRESS]}}
    route: redact_then_cloud
    fallback: edge
default: {{route: edge}}
"""


class Backend:
    """A scripted backend: records the bodies it is sent; `failing` answers 503."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.failing = False
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        if self.failing:
            return httpx.Response(503, json={"error": {"message": "down"}})
        if body.get("stream"):
            chunk = {"choices": [{"index": 0, "delta": {"content": "hi"}}]}
            last = {"choices": [], "usage": USAGE}
            sse = f"data: {json.dumps(chunk)}\n\ndata: {json.dumps(last)}\n\n"
            return httpx.Response(
                200,
                content=sse.encode() + b"data: [DONE]\n\n",
                headers={"content-type": "text/event-stream"},
            )
        message = {"role": "assistant", "content": f"from {self.name}: {json.dumps(body)}"}
        choice = {"index": 0, "message": message, "finish_reason": "stop"}
        return httpx.Response(
            200, json={"model": body["model"], "choices": [choice], "usage": USAGE}
        )


@pytest.fixture
def backends() -> dict[Route, Backend]:
    return {"edge": Backend("edge"), "cloud": Backend("cloud")}


def make_pipeline(
    backends: dict[Route, Backend], classifiers: Classifiers, policy: Path
) -> tuple[Pipeline, EdgeLoad]:
    settings = load_settings().backends
    upstreams: dict[Route, Upstream] = {
        "edge": Upstream("edge", settings.edge, transport=httpx.MockTransport(backends["edge"])),
        "cloud": Upstream(
            "cloud", settings.cloud, transport=httpx.MockTransport(backends["cloud"])
        ),
    }
    edge_load = EdgeLoad(upstreams["edge"], 0.5)
    return Pipeline(upstreams, PolicyStore(policy, lambda _: classifiers), edge_load), edge_load


@pytest.fixture
def pipeline(
    backends: dict[Route, Backend], classifiers: Classifiers
) -> Iterator[tuple[Pipeline, EdgeLoad]]:
    built = make_pipeline(backends, classifiers, DEFAULT_POLICY)
    yield built
    built[0].close()


@pytest.fixture
def test_policy_pipeline(
    backends: dict[Route, Backend], classifiers: Classifiers, tmp_path: Path
) -> Iterator[Pipeline]:
    policy = tmp_path / "policy.yaml"
    policy.write_text(TEST_POLICY)
    built, _ = make_pipeline(backends, classifiers, policy)
    yield built
    built.close()


PRINCIPAL = Principal(
    subject="s",
    oid="o",
    tid="t",
    app_id=None,
    is_app=False,
    roles=frozenset(),
    scopes=frozenset({"access_as_user"}),
    groups=frozenset(),
    token_version="2.0",
)


def context(endpoint: Endpoint = "/v1/chat/completions") -> RequestContext:
    record = RequestRecord("dec-1", "req-1", "POST", endpoint)
    return RequestContext("dec-1", endpoint, Caller(PRINCIPAL, "token"), record)


def chat(content: str, **fields: Any) -> Body:
    body = {"model": "auto", "messages": [{"role": "user", "content": content}], **fields}
    return ChatCompletionRequest.model_validate(body)


def decided(record: RequestRecord) -> Decision:
    assert record.decision is not None
    return record.decision


async def answer_text(reply: Whole | Streamed) -> str:
    assert isinstance(reply, Whole)
    return str(reply.body["choices"][0]["message"]["content"])


async def test_a_simple_prompt_runs_on_the_edge_and_is_recorded(
    pipeline: tuple[Pipeline, EdgeLoad], backends: dict[Route, Backend]
) -> None:
    ctx = context()
    reply = await pipeline[0].handle(ctx, chat("Hello there"))
    assert (await answer_text(reply)).startswith("from edge")
    record = ctx.record
    assert (record.backend, record.model, record.fell_back) == (
        "edge",
        "smollm2-135m-instruct",
        None,
    )
    assert decided(record).rule == "default"
    assert (record.tokens_in, record.tokens_out) == (12, 3)
    assert backends["cloud"].bodies == []


async def test_a_failed_cloud_falls_back_to_the_edge(
    pipeline: tuple[Pipeline, EdgeLoad], backends: dict[Route, Backend]
) -> None:
    backends["cloud"].failing = True
    ctx = context()
    reply = await pipeline[0].handle(ctx, chat(COMPLEX))
    assert (await answer_text(reply)).startswith("from edge")
    assert decided(ctx.record).route == "cloud"
    assert (ctx.record.backend, ctx.record.fell_back) == ("edge", "cloud->edge")
    assert backends["cloud"].bodies  # it was tried first


async def test_a_stream_is_handed_back_with_its_usage_metered(
    pipeline: tuple[Pipeline, EdgeLoad],
) -> None:
    ctx = context()
    reply = await pipeline[0].handle(ctx, chat("Hello there", stream=True))
    assert isinstance(reply, Streamed)
    events = [event async for event in reply.events]
    assert events[-1] == b"data: [DONE]\n\n"
    assert (ctx.record.tokens_in, ctx.record.tokens_out) == (12, 3)


async def test_a_denied_request_raises_and_is_recorded(test_policy_pipeline: Pipeline) -> None:
    ctx = context()
    with pytest.raises(PolicyDenied, match="not allowed"):
        await test_policy_pipeline.handle(ctx, chat("Hello", max_tokens=4000))
    assert decided(ctx.record).route == "deny"
    assert ctx.record.backend is None
    # Its quota lease is released when the record stage finishes the request.
    assert len(ctx.record.on_finish) == 1


async def test_redaction_applies_to_the_cloud_only(
    test_policy_pipeline: Pipeline, backends: dict[Route, Backend]
) -> None:
    ctx = context()
    reply = await test_policy_pipeline.handle(ctx, chat(f"Write a note to {EMAIL}"))
    sent = backends["cloud"].bodies[-1]["messages"][0]["content"]
    assert EMAIL not in sent
    assert ctx.record.redacted is True
    # The answer comes back with the value restored.
    assert EMAIL in await answer_text(reply)

    backends["cloud"].failing = True
    ctx = context()
    await test_policy_pipeline.handle(ctx, chat(f"Write a note to {EMAIL}"))
    # The fallback stays home, where nothing needs redacting.
    assert backends["edge"].bodies[-1]["messages"][0]["content"] == f"Write a note to {EMAIL}"
    assert (ctx.record.backend, ctx.record.redacted) == ("edge", False)


async def test_a_busy_edge_spills_simple_work_to_the_cloud(
    pipeline: tuple[Pipeline, EdgeLoad], backends: dict[Route, Backend]
) -> None:
    handler, edge_load = pipeline
    edge_load.slots = EdgeSlots(busy=8, total=8, waiting=4)
    ctx = context()
    await handler.handle(ctx, chat("Hello there"))
    assert ctx.record.backend == "cloud"
    assert decided(ctx.record).spillover
    # Sensitive work stays home however busy the edge is.
    ctx = context()
    await handler.handle(ctx, chat("Card 4111 1111 1111 1111"))
    assert ctx.record.backend == "edge"


async def test_a_caller_over_its_rate_is_refused_before_classification(
    backends: dict[Route, Backend], classifiers: Classifiers, tmp_path: Path
) -> None:
    policy = tmp_path / "limited.yaml"
    policy.write_text(
        f"classifiers_from: {DEFAULT_POLICY}\nlimits: {{default: {{requests_per_minute: 1}}}}\n"
    )
    handler, _ = make_pipeline(backends, classifiers, policy)
    try:
        await handler.handle(context(), chat("Hello there"))
        refused = context()
        with pytest.raises(RateLimited):
            await handler.handle(refused, chat("Hello again"))
        # Refused on the quota alone: no classification, no decision, no backend call.
        assert refused.record.decision is None
        assert refused.record.classification_s is None
        assert len(backends["edge"].bodies) == 1
    finally:
        handler.close()


class CountingPool(ThreadPoolExecutor):
    """The classification thread, counting what is handed to it."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self.submitted = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.submitted += 1
        return super().submit(fn, *args, **kwargs)


async def test_a_prompt_the_caches_know_is_classified_without_a_thread_hop(
    pipeline: tuple[Pipeline, EdgeLoad],
) -> None:
    handler, _ = pipeline
    pool = handler._classify_pool = CountingPool()
    prompt = f"Hello, a prompt for the cache test {uuid.uuid4().hex}"
    first, again = context(), context()
    await handler.handle(first, chat(prompt))
    assert pool.submitted == 1  # a miss: classified on the worker thread
    await handler.handle(again, chat(prompt))
    assert pool.submitted == 1  # answered by the caches, on the loop
    assert decided(again.record).signals == decided(first.record).signals
    await handler.handle(context(), chat(prompt + " and a new turn"))
    assert pool.submitted == 2
