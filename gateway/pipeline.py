"""The request pipeline: one completion request from its authenticated caller to the
recorded outcome.

`Pipeline.handle` classifies the body, decides under the active policy snapshot,
applies the caller's limits, refuses what the policy denies, forwards to the chosen
backend (redacted when that is the cloud and the rule says so), falls back from a
failed cloud to the edge where the rule allows it, and writes all of it into the
request's record. The routers only parse and return; the record stage turns the
record into the audit event and metrics. A Responses request (`/v1/responses`) takes
the same path; a backend that speaks only chat completions gets it translated, and its
answer translated back (`gateway.responses`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from gateway.auth.authenticator import Caller
from gateway.auth.principal import Principal
from gateway.backends.edge_load import EdgeLoad
from gateway.backends.fields import forwarded
from gateway.backends.sse import cut_short
from gateway.backends.upstream import Upstream, UpstreamStream
from gateway.classify.budget import OVERSIZED, PROSE_S_PER_CHAR, TIMEOUT, Budget
from gateway.classify.extract import SEAM, Segment, classified, estimated_tokens, unclassified_kinds
from gateway.classify.registry import Classifiers
from gateway.classify.signals import Level, Signals, unread
from gateway.classify_shares import ClassificationShares
from gateway.context import RequestContext
from gateway.errors import (
    BackendUnavailable,
    BadGateway,
    ModelNotFound,
    PayloadTooLarge,
    PolicyDenied,
)
from gateway.limits import FairShares, Hold, MemoryShares
from gateway.limits.holdoff import HoldOff
from gateway.limits.quota import principal_key
from gateway.policy.decision import Decision, Route
from gateway.policy.engine import RequestFacts, evaluate
from gateway.policy.loader import LoadedPolicy, PolicyStore
from gateway.policy.model import Limits
from gateway.policy.redact import Redaction, Restorer
from gateway.responses.from_chat import to_response
from gateway.responses.relay import ResponsesRelay
from gateway.responses.schema import ResponsesRequest
from gateway.responses.stream import ChatToResponses
from gateway.responses.to_chat import to_chat
from gateway.schemas import (
    VIRTUAL_MODELS,
    ChatCompletionRequest,
    CompletionRequest,
    EmbeddingRequest,
)
from gateway.settings import ClassificationSettings, TracingSettings
from gateway.telemetry.stream_meter import StreamMeter
from gateway.telemetry.tracing import Tracing

logger = logging.getLogger(__name__)
OVERRUNS = frozenset({OVERSIZED, TIMEOUT})
Body = ChatCompletionRequest | CompletionRequest | ResponsesRequest | EmbeddingRequest
RESPONSES = "/v1/responses"
CHAT = "/v1/chat/completions"
SSE = "text/event-stream"
# Where a failed cloud request may go instead, as the record and header name it.
CLOUD_TO_EDGE = "cloud->edge"
CLOUD_PROBE_TIMEOUT_S = 1.0


@dataclass(frozen=True)
class Whole:
    """A non-streamed answer, restored where it was redacted."""

    body: dict[str, Any]


async def _nothing_to_close() -> None:
    return None


@dataclass(frozen=True)
class Streamed:
    events: AsyncIterator[bytes]
    media_type: str
    # How this stream ends when it is cut short (the drain): (message, code) -> the
    # last bytes, in the stream's own protocol.
    ending: Callable[[str, str], bytes] = cut_short
    # Gives the upstream connection back. The events close it when they end, but a
    # generator that was never started runs no `finally`: a response cancelled
    # before its first event (the client gone, the drain's cut) must close it too.
    close: Callable[[], Awaitable[None]] = _nothing_to_close


Reply = Whole | Streamed


@dataclass(frozen=True)
class Plan:
    """A decision and the classifiers of the policy snapshot that made it: redaction
    must use the same recognizers, even if the policy is reloaded mid-request."""

    decision: Decision
    classifiers: Classifiers
    classification_s: float = 0.0
    # (role, text with every detected entity replaced), when the policy asks for it.
    redacted_prompt: tuple[tuple[str, str], ...] | None = None
    # The body each backend may be sent (its allow-listed fields; the cloud's redacted
    # when the decision says so), and what puts the values back into the cloud's answer.
    payloads: Mapping[Route, dict[str, Any]] = field(default_factory=dict)
    restorer: Restorer | None = None
    # What the policy engine read and what it decided, before the gateway's own check
    # of a redacted body: recorded so that `policy replay` can evaluate it again.
    facts: RequestFacts | None = None
    evaluated: Decision | None = None
    limits: Limits = field(default_factory=Limits)
    # Characters classified for this request (0 when the caches answered), and the
    # budget limits it ran into.
    classified_chars: int = 0
    overruns: frozenset[str] = frozenset()

    def redacts(self, route: Route) -> bool:
        """Only what leaves for the cloud is redacted; a fallback to the edge is not."""
        return self.decision.redacted and route == "cloud"


class Pipeline:
    def __init__(
        self,
        backends: Mapping[Route, Upstream],
        policies: PolicyStore[Classifiers],
        edge_load: EdgeLoad | None = None,
        tracing: Tracing | None = None,
        classification: ClassificationSettings | None = None,
        limiter: FairShares | None = None,
    ) -> None:
        self._backends = backends
        self.policies = policies
        self._edge_load = edge_load
        self.tracing = tracing or Tracing(TracingSettings())
        self.limiter: FairShares = limiter or MemoryShares()
        settings = classification or ClassificationSettings()
        self._budget = Budget(settings.max_chars, settings.timeout_s, settings.max_messages)
        # Off the event loop, on more than one thread: a long classification (within
        # its budget) must not hold up everyone else's. The classifiers keep their
        # per-request state (the deadline) per thread; their caches take locks.
        self._classify_pool = ThreadPoolExecutor(
            max_workers=settings.workers,
            thread_name_prefix="classify",
        )
        # ...and no one caller on all of them.
        self._shares = ClassificationShares(settings.workers)
        # Callers told to wait, refused until then before their bodies are parsed.
        self.hold_off = HoldOff()

    async def handle(self, context: RequestContext, body: Body) -> Reply:
        """Runs one completion request and records what became of it. Raises the
        OpenAI errors the caller gets: denied (403), limited (429), backend failures."""
        record = context.record
        record.requested_model = body.model
        record.stream = bool(body.stream)
        principal = context.caller.principal
        # A caller already over its request rate or concurrency is refused before its
        # prompt costs a classification.
        await self.limiter.precheck(self.policies.current.policy.limits, principal)
        plan = await self.plan(context.decision_id, body, principal)
        record.decision, record.evaluated, record.facts = plan.decision, plan.evaluated, plan.facts
        record.classification_s = plan.classification_s
        record.classified_chars = plan.classified_chars
        record.classification_overruns = plan.overruns
        record.redacted_prompt = plan.redacted_prompt
        # Every request counts against its caller's quota, one the policy denies too.
        # One bound for the edge takes its place there in the same step.
        edge = plan.decision.route == "edge" and OVERSIZED not in plan.overruns
        lease = await self._admit(plan, principal, edge)
        # What the answer really used corrects the admission's estimate, where the
        # limits are counted in a shared store.
        record.on_finish.append(lambda: lease.release(record.tokens_used()))
        route = self._require_allowed(plan.decision)
        if route == "edge" and OVERSIZED in plan.overruns:
            # Text past the character cap was not read, so the cloud may not have it;
            # the edge would spend its cores tokenizing it only to refuse it as longer
            # than its context, while every other caller's edge work waits.
            raise PayloadTooLarge(
                "the prompt is longer than the gateway classifies"
                f" ({self._budget.max_chars} characters: classification.max_chars)"
            )
        try:
            return await self._send(context, plan, route, body, lease)
        except (BackendUnavailable, BadGateway):
            if route != "cloud" or plan.decision.fallback != "edge":
                raise
        # The cloud failed before the client got a byte (unreachable, breaker open, a
        # 5xx, no first byte in time) and the rule allows the edge. The sensitivity
        # ceiling was applied before the cloud was chosen, so this only ever moves
        # data inwards.
        record.fell_back = CLOUD_TO_EDGE
        return await self._send(context, plan, "edge", body, lease)

    async def _send(
        self, context: RequestContext, plan: Plan, route: Route, body: Body, lease: Hold
    ) -> Reply:
        if route == "edge":
            # A place on the edge within the principal's share, or a 429 (at once when
            # the lease has one already, taken at admission).
            await self.limiter.admit_edge(plan.limits, lease)
        record = context.record
        model = self._backends[route].model_for(context.endpoint)
        if model is None:
            # Nothing is sent: the caller gets a 503, or the edge where the rule allows.
            raise BackendUnavailable(f"the {route} backend serves no model for this endpoint")
        record.backend = route
        record.model = model
        record.redacted = plan.redacts(route)
        with self.tracing.span("forward", plan.decision.decision_id) as span:
            span.set_attribute("hybridgate.backend", route)
            if body.stream:
                meter = StreamMeter(record, forward_usage=body.include_usage())
                opened = self._stream(plan, route, context.endpoint, context.caller, meter)
                return await context.guard(opened)
            answered = self._complete(plan, route, context.endpoint, context.caller)
            answer = await context.guard(answered)
        record.observe_usage(answer.get("usage"))
        return Whole(answer)

    async def plan(self, decision_id: str, body: Body, principal: Principal | None) -> Plan:
        if body.model not in VIRTUAL_MODELS:
            raise ModelNotFound(
                f"The model '{body.model}' does not exist; use one of {', '.join(VIRTUAL_MODELS)}",
                param="model",
            )
        # One snapshot for the whole request: a reload mid-request changes nothing here.
        active = self.policies.current
        sent = body.as_json()
        # What the cloud could be sent is what is classified: every allow-listed field.
        aliases = body.field_aliases
        cloud, _ = forwarded(sent, self._backends["cloud"].forward_fields, aliases)
        edge, _ = forwarded(sent, self._backends["edge"].forward_fields, aliases)
        found = classified(cloud)
        loop = asyncio.get_running_loop()
        with self.tracing.span("classify", decision_id):
            started = time.perf_counter()
            signals, chars = await self._classify(active, found, principal)
            classification_s = time.perf_counter() - started
        overruns = signals.sensitivity.unreadable & OVERRUNS
        if overruns:
            # Never the text: which limit, for which decision, and how much there was.
            logger.warning(
                "classification over budget (%s): decision %s, %d characters in %d texts",
                ", ".join(sorted(overruns)),
                decision_id,
                sum(len(s.text) for s in found),
                len(found),
            )
        facts = RequestFacts(
            model=body.model,
            prompt_tokens=estimated_tokens(found),
            max_tokens=body.requested_max_tokens(),
            edge_queue=self._edge_load.in_flight if self._edge_load else None,
            # Content parts no recognizer reads, and binary payloads inside texts.
            unclassified=unclassified_kinds(cloud) | signals.sensitivity.unreadable,
        )
        with self.tracing.span("decide", decision_id) as span:
            decision = evaluated = evaluate(
                active.policy, active.revision, signals, principal, facts, decision_id
            )
            restorer = None
            if decision.redacted:
                cloud, restorer, decision = await loop.run_in_executor(
                    self._classify_pool, _redacted, active, cloud, decision
                )
            span.set_attribute("hybridgate.route", decision.route)
            span.set_attribute("hybridgate.rule", decision.rule)
        redacted_prompt = None
        # Past its budget a text is not read whole, so it cannot be redacted whole:
        # such a request's event carries no prompt.
        if active.policy.audit.redacted_prompts and not overruns:
            redaction = Redaction(active.built.sensitivity.spans)
            redacted_prompt = await loop.run_in_executor(
                self._classify_pool,
                lambda: tuple((s.role, redaction.text(s.text)) for s in found if s.role != SEAM),
            )
        payloads: dict[Route, dict[str, Any]] = {"cloud": cloud, "edge": edge}
        return Plan(
            decision,
            active.built,
            classification_s,
            redacted_prompt,
            payloads,
            restorer,
            facts,
            evaluated,
            active.policy.limits,
            chars,
            overruns,
        )

    async def _classify(
        self, active: LoadedPolicy[Classifiers], found: list[Segment], principal: Principal | None
    ) -> tuple[Signals, int]:
        """The signals, and the characters classified for them (0 from the caches)."""
        if sum(len(s.text) for s in found) > self._budget.max_chars and not active.policy.lets_out(
            OVERSIZED
        ):
            # Past the cap and no rule lets unread text out: whatever the part within
            # the cap holds, this request can only be refused (at the edge as longer
            # than the gateway classifies, or by a rule). Reading that part would cost
            # seconds of CPU for a refusal, on cores everyone shares.
            return unread(frozenset({OVERSIZED})), 0
        # A repeated prompt is answered by the caches on the loop; only a miss pays the
        # hop to a classification thread.
        signals = active.built.cached(found)
        if signals is not None:
            return signals, 0
        # Classification is work done for the caller: it counts against the caller's
        # allowance, so an abusive caller exhausts its own.
        chars = min(sum(len(s.text) for s in found), self._budget.max_chars)
        await self.limiter.charge_classification(active.policy.limits, principal, chars)
        loop = asyncio.get_running_loop()
        async with self._shares.hold(principal_key(active.policy.limits, principal)):
            work = loop.run_in_executor(
                self._classify_pool, _timed_classification, active.built, found, self._budget
            )
            try:
                fresh, cpu_s = await asyncio.shield(work)
            except asyncio.CancelledError:
                # A thread cannot be stopped: it runs on to its deadline. The caller
                # keeps its place until then, or a disconnecting abuser would hold
                # every thread.
                await asyncio.wait([work])
                raise
        # Characters are what the allowance counts, but some text costs far more a
        # character than prose (digits everywhere, a budget run out): what the thread
        # spent beyond prose's cost for as many characters is taken too.
        owed = round(cpu_s / PROSE_S_PER_CHAR) - chars
        if owed > 0:
            await self.limiter.debit_classification(active.policy.limits, principal, owed)
        return fresh, chars

    async def _admit(self, plan: Plan, principal: Principal | None, edge: bool) -> Hold:
        """The principal's quota for this request, or a 429 (`RateLimited`)."""
        facts = plan.facts
        tokens = facts.prompt_tokens + (facts.max_tokens or 0) if facts is not None else 0
        return await self.limiter.admit(plan.limits, principal, tokens, edge)

    def _require_allowed(self, decision: Decision) -> Route:
        if decision.route == "deny":
            raise PolicyDenied(decision.message or "the policy refuses this request")
        return decision.route

    def close(self) -> None:
        self._classify_pool.shutdown(wait=False, cancel_futures=True)

    async def _complete(
        self, plan: Plan, route: Route, path: str, caller: Caller
    ) -> dict[str, Any]:
        upstream = self._backends[route]
        payload, restorer = self._prepare(plan, route, upstream, path)
        if path == RESPONSES and upstream.responses == "translate":
            answer = to_response(await upstream.complete(CHAT, to_chat(payload), caller), payload)
        else:
            answer = await upstream.complete(path, payload, caller)
        return restorer.response(answer) if restorer else answer

    async def _stream(
        self, plan: Plan, route: Route, path: str, caller: Caller, meter: StreamMeter
    ) -> Streamed:
        upstream = self._backends[route]
        payload, restorer = self._prepare(plan, route, upstream, path)
        if path != RESPONSES:
            opened = await _chat_stream(upstream, path, payload, caller, restorer, meter)
            return Streamed(opened.events(), opened.media_type, close=opened.aclose)
        if upstream.responses == "native":
            relay = ResponsesRelay(restorer, meter.observe_responses_event)
            opened = await upstream.stream(path, payload, caller)
            return Streamed(relay.events(opened.events()), SSE, relay.failure, opened.aclose)
        # Placeholders are restored in the chat chunks, before translation; the
        # request the response object echoes is restored as it is built.
        translation = ChatToResponses(payload, restorer.response if restorer else None)
        chat = to_chat(payload)
        opened = await _chat_stream(upstream, CHAT, chat, caller, restorer, meter)
        return Streamed(
            translation.events(opened.events()), SSE, translation.failure, opened.aclose
        )

    def _prepare(
        self, plan: Plan, route: Route, upstream: Upstream, path: str
    ) -> tuple[dict[str, Any], Restorer | None]:
        payload = {**plan.payloads[route], "model": upstream.model_for(path)}
        return payload, plan.restorer if plan.redacts(route) else None

    async def edge_ready(self) -> bool:
        return await self._backends["edge"].probe("/readyz")

    async def cloud_ready(self) -> bool:
        """The cloud's own /readyz, without credentials, within CLOUD_PROBE_TIMEOUT_S:
        it runs on every readiness probe of the gateway, and a cloud that is slow to
        answer it is as good as down for the report."""
        return await self._backends["cloud"].probe("/readyz", CLOUD_PROBE_TIMEOUT_S)

    def breaker_states(self) -> dict[str, str]:
        return {name: upstream.breaker.state for name, upstream in self._backends.items()}


def _timed_classification(
    classifiers: Classifiers, found: list[Segment], budget: Budget
) -> tuple[Signals, float]:
    """The signals, and the CPU time this thread spent on them."""
    started = time.thread_time()
    signals = classifiers.classify_segments(found, budget)
    return signals, time.thread_time() - started


def _redacted(
    active: LoadedPolicy[Classifiers], payload: dict[str, Any], decision: Decision
) -> tuple[dict[str, Any], Restorer | None, Decision]:
    """The cloud's body with every finding replaced, checked by classifying it again:
    what the recognizers still find above the ceiling keeps the request home."""
    # The mapping lives in this request's memory only: never logged, never reused.
    redaction = Redaction(active.built.sensitivity.spans)
    redacted = redaction.payload(payload)
    left = active.built.sensitivity.classify(classified(redacted)).level
    ceiling = Level.parse(active.policy.max_cloud_level)
    if left < ceiling:
        return redacted, redaction.restorer(), decision
    trace = (*decision.trace, f"redaction left {left}, at or above {ceiling}: edge")
    home = dataclasses.replace(decision, route="edge", redacted=False, fallback=None, trace=trace)
    return payload, None, home


async def _chat_stream(
    upstream: Upstream,
    path: str,
    payload: dict[str, Any],
    caller: Caller,
    restorer: Restorer | None,
    meter: StreamMeter,
) -> UpstreamStream:
    # Usage arrives in the stream's last chunk only when asked for; the meter drops
    # it again if the client did not ask.
    options = payload.get("stream_options") or {}
    payload["stream_options"] = {**options, "include_usage": True}
    transform = _compose(restorer.sse_event if restorer else None, meter)
    return await upstream.stream(path, payload, caller, transform)


def _compose(
    first: Callable[[bytes], bytes] | None, second: Callable[[bytes], bytes] | None
) -> Callable[[bytes], bytes] | None:
    if first is None or second is None:
        return first or second
    return lambda event: second(first(event))
