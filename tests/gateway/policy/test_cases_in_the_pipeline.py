"""Every shipped policy test case (`policies/tests/*.yaml`, what `hybridgate policy test`
runs) decided by `policy test` and routed by the real pipeline (`Pipeline.handle`, the
policy loaded as the gateway loads it, the settings' field allow-lists and budget,
scripted backends), which must agree: a case can pass only where the gateway routes
the same request the same way.

A request case is classified by the real classifiers on both sides. A signal case has
no text: the pipeline is given its signals in place of a classification (and an empty
prompt), which is all the case says. A case without a principal goes to the pipeline
as a caller whose token carries nothing an identity test reads.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.auth.authenticator import Caller
from gateway.auth.principal import Principal
from gateway.backends.edge_load import EdgeLoad, EdgeSlots
from gateway.backends.upstream import Upstream
from gateway.classify.extract import Segment
from gateway.classify.registry import Classifiers
from gateway.classify.signals import Level, Signals
from gateway.cli.policy import planning_config
from gateway.cli.settings import load_settings
from gateway.context import Endpoint, RequestContext
from gateway.errors import PolicyDenied
from gateway.pipeline import Body, Pipeline
from gateway.policy.decision import Decision, Route
from gateway.policy.given import given_signals
from gateway.policy.loader import LoadedPolicy, PolicyStore, load_policy
from gateway.policy.model import Policy
from gateway.policy.testcases import (
    Case,
    decide,
    policy_of,
    principal_of,
    read_tests,
    request_body,
)
from gateway.record import RequestRecord
from gateway.schemas import ChatCompletionRequest
from tests.conftest import DEFAULT_POLICY

TESTS = sorted((DEFAULT_POLICY.parent / "tests").glob("*.yaml"))
NOBODY = Principal(
    subject="nobody",
    oid=None,
    tid="",
    app_id=None,
    is_app=False,
    roles=frozenset(),
    scopes=frozenset({"access_as_user"}),
    groups=frozenset(),
    token_version="2.0",
)


def answer(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    message = {"role": "assistant", "content": "ok"}
    choice = {"index": 0, "message": message, "finish_reason": "stop"}
    return httpx.Response(200, json={"model": body["model"], "choices": [choice]})


class GivenSignals:
    """A signal case's signals where the pipeline asks the classifiers' caches."""

    def __init__(self, signals: Signals) -> None:
        self.signals = signals

    def cached(self, found: Sequence[Segment]) -> Signals:
        return self.signals


def given(case: Case, policy: Policy) -> Signals:
    spec = case.signals
    assert spec is not None
    signals = given_signals(
        Level.parse(spec.level),
        spec.entities,
        spec.complexity,
        policy.classifiers.complexity,
        1.0,
    )
    # What no classifier read, as a classification reports it.
    unread = dataclasses.replace(signals.sensitivity, unreadable=frozenset(case.unclassified))
    return Signals(unread, signals.complexity)


def pipeline_for(case: Case, built: Any, policy: Path) -> Pipeline:
    """A pipeline as the app builds it, on `built`: the classifiers, or a signal case's
    `GivenSignals`."""
    settings = load_settings()
    upstreams: dict[Route, Upstream] = {
        "edge": Upstream("edge", settings.backends.edge, transport=httpx.MockTransport(answer)),
        "cloud": Upstream("cloud", settings.backends.cloud, transport=httpx.MockTransport(answer)),
    }
    edge_load = EdgeLoad(upstreams["edge"], 1.0)
    if case.edge_queue is not None:
        edge_load.slots = EdgeSlots(busy=0, total=1, waiting=case.edge_queue)
    store = PolicyStore(policy, lambda _: built)
    return Pipeline(upstreams, store, edge_load, classification=settings.classification)


async def routed(pipeline: Pipeline, case: Case, body: Body) -> tuple[Decision, str]:
    """The pipeline's decision for the case, and where the request really went."""
    decision_id = f"dec-{uuid.uuid4().hex}"
    principal = principal_of(case.principal) or NOBODY
    endpoint: Endpoint = (
        "/v1/chat/completions" if isinstance(body, ChatCompletionRequest) else "/v1/completions"
    )
    record = RequestRecord(decision_id, decision_id, "POST", endpoint)
    context = RequestContext(decision_id, endpoint, Caller(principal, "token"), record)
    went: str | None
    try:
        await pipeline.handle(context, body)
        went = record.backend
    except PolicyDenied:
        went = "deny"
    assert record.decision is not None
    assert went is not None
    return record.decision, went


@pytest.mark.parametrize("path", TESTS, ids=[p.stem for p in TESTS])
async def test_policy_test_and_the_pipeline_agree(path: Path, classifiers: Classifiers) -> None:
    spec = read_tests(path)
    policy = policy_of(path, spec, DEFAULT_POLICY)
    config = planning_config(load_settings())
    # The examples share the default's recognizers (classifiers_from), so one set serves.
    loaded, revision = load_policy(policy)
    active: LoadedPolicy[Classifiers | None] = LoadedPolicy(
        loaded, revision, policy, 0.0, classifiers
    )
    disagreements = []
    for case in spec.cases:
        tested = decide(case, active, config)
        if case.request is not None:
            body: Body = request_body(case.request)
            pipeline = pipeline_for(case, classifiers, policy)
        else:
            body = ChatCompletionRequest.model_validate(
                {"model": case.model, "messages": [{"role": "user", "content": "."}]}
            )
            pipeline = pipeline_for(case, GivenSignals(given(case, loaded)), policy)
        try:
            decision, went = await routed(pipeline, case, body)
        finally:
            pipeline.close()
        gateway = (went, decision.rule, decision.redacted)
        if (tested.route, tested.rule, tested.redacted) != gateway or decision.route != went:
            disagreements.append(
                f"{case.name}: policy test {tested.route} by {tested.rule}"
                f" (redacted: {tested.redacted}), gateway {gateway}"
            )
    assert not disagreements, "\n".join(disagreements)


def test_policy_test_is_given_what_the_pipeline_decides_with(classifiers: Classifiers) -> None:
    case = Case.model_validate({"name": "c", "request": {}, "expect": {"route": "edge"}})
    pipeline = pipeline_for(case, classifiers, DEFAULT_POLICY)
    try:
        assert pipeline.planning == planning_config(load_settings())
    finally:
        pipeline.close()
