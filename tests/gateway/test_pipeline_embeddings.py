"""/v1/embeddings bodies through `Pipeline.handle`: real classifiers and policy,
scripted backends. Each backend is sent its embedding model; a cloud with none is
never sent the input."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from gateway.backends.upstream import Upstream
from gateway.classify.registry import Classifiers
from gateway.cli.settings import load_settings
from gateway.context import EMBEDDINGS
from gateway.errors import BackendUnavailable
from gateway.pipeline import Pipeline, Whole
from gateway.policy.decision import Route
from gateway.policy.loader import PolicyStore
from gateway.schemas import EmbeddingRequest
from tests.conftest import DEFAULT_POLICY
from tests.gateway.test_pipeline import context

SENSITIVE = "Priya Raman's SSN is 536-22-8741."


class EmbeddingBackend:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        data = [{"object": "embedding", "index": 0, "embedding": [0.0] * 384}]
        usage = {"prompt_tokens": 7, "total_tokens": 7}
        return httpx.Response(200, json={"object": "list", "data": data, "usage": usage})


def make(
    classifiers: Classifiers, cloud_model: str | None
) -> tuple[Pipeline, dict[Route, EmbeddingBackend]]:
    settings = load_settings().backends
    cloud = settings.cloud.model_copy(update={"embedding_model": cloud_model})
    backends: dict[Route, EmbeddingBackend] = {
        "edge": EmbeddingBackend(),
        "cloud": EmbeddingBackend(),
    }
    upstreams = {
        "edge": Upstream("edge", settings.edge, transport=httpx.MockTransport(backends["edge"])),
        "cloud": Upstream("cloud", cloud, transport=httpx.MockTransport(backends["cloud"])),
    }
    return Pipeline(upstreams, PolicyStore(DEFAULT_POLICY, lambda _: classifiers)), backends


def body(model: str, text: str) -> EmbeddingRequest:
    return EmbeddingRequest.model_validate({"model": model, "input": text})


async def test_embeddings_go_to_the_edge_with_its_embedding_model(classifiers: Classifiers) -> None:
    pipeline, backends = make(classifiers, "all-minilm-l6-v2")
    ctx = context(EMBEDDINGS)
    reply = await pipeline.handle(ctx, body("auto", "The sky is blue."))
    assert isinstance(reply, Whole)
    assert backends["edge"].bodies == [{"model": "all-minilm-l6-v2", "input": "The sky is blue."}]
    assert (ctx.record.backend, ctx.record.model, ctx.record.tokens_in) == (
        "edge",
        "all-minilm-l6-v2",
        7,
    )
    pipeline.close()


async def test_the_cloud_gets_embeddings_when_a_rule_routes_them_there(
    classifiers: Classifiers,
) -> None:
    pipeline, backends = make(classifiers, "all-minilm-l6-v2")
    ctx = context(EMBEDDINGS)
    await pipeline.handle(ctx, body("cloud", "The sky is blue."))
    assert backends["cloud"].bodies[0]["model"] == "all-minilm-l6-v2"
    assert backends["edge"].bodies == []
    pipeline.close()


async def test_sensitive_input_is_embedded_on_the_edge_only(classifiers: Classifiers) -> None:
    pipeline, backends = make(classifiers, "all-minilm-l6-v2")
    ctx = context(EMBEDDINGS)
    await pipeline.handle(ctx, body("auto", SENSITIVE))
    assert ctx.record.backend == "edge"
    assert backends["cloud"].bodies == []
    pipeline.close()


async def test_a_cloud_without_embeddings_falls_back_per_rule_and_is_sent_nothing(
    classifiers: Classifiers,
) -> None:
    pipeline, backends = make(classifiers, None)
    ctx = context(EMBEDDINGS)
    # caller-asked-for-cloud has `fallback: edge`.
    await pipeline.handle(ctx, body("cloud", "The sky is blue."))
    assert (ctx.record.backend, ctx.record.fell_back) == ("edge", "cloud->edge")
    assert backends["cloud"].bodies == []
    pipeline.close()


async def test_no_embedding_model_anywhere_is_a_503(classifiers: Classifiers) -> None:
    pipeline, backends = make(classifiers, None)
    edge = pipeline._backends["edge"]
    edge.embedding_model = None
    with pytest.raises(BackendUnavailable):
        await pipeline.handle(context(EMBEDDINGS), body("auto", "The sky is blue."))
    assert backends["edge"].bodies == backends["cloud"].bodies == []
    pipeline.close()
