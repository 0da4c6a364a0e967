"""What the policy decides for one request body, as the gateway decides it: the fields
each backend may be sent, the texts classified, the facts the engine reads, its
decision, and the gateway's check of a redacted body.

Pure, CPU only. `Pipeline.plan` runs these steps around its own classification
(budgeted, shared out between callers, off the event loop) and `policy test` runs them
on its thread (`read_request`, `classify`, `plan`), so that a test case is routed
exactly as the gateway routes the same request.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from gateway.auth.principal import Principal
from gateway.classify.budget import OVERSIZED, Budget
from gateway.classify.extract import Segment, classified, estimated_tokens, unclassified_kinds
from gateway.classify.registry import Classifiers
from gateway.classify.signals import Level, Signals, unread
from gateway.errors import ModelNotFound
from gateway.policy.decision import Decision
from gateway.policy.engine import RequestFacts, evaluate
from gateway.policy.fields import forwarded
from gateway.policy.loader import LoadedPolicy
from gateway.policy.model import Policy
from gateway.policy.redact import Redaction, Restorer
from gateway.schemas import VIRTUAL_MODELS, RequestBody

Active = LoadedPolicy[Classifiers]


@dataclass(frozen=True)
class PlanConfig:
    """What the configuration adds to a decision: each backend's field allow-list
    (`backends.<name>.forward_fields`) and the classification budget."""

    cloud_fields: Collection[str]
    edge_fields: Collection[str]
    budget: Budget


@dataclass(frozen=True)
class Request:
    """A body as the policy reads it."""

    body: RequestBody
    # What the cloud may be sent (its allow-listed fields): what is classified.
    cloud: dict[str, Any]
    edge: dict[str, Any]
    # The texts of `cloud`, in the order the classifiers read them.
    found: list[Segment]


@dataclass(frozen=True)
class Decided:
    """The decision for a request, and what the cloud may be sent under it."""

    facts: RequestFacts
    # What the engine decided, before the gateway's own check of a redacted body.
    evaluated: Decision
    decision: Decision
    # The cloud's body: redacted when the decision says so, with what puts the values
    # back into the cloud's answer.
    cloud: dict[str, Any]
    restorer: Restorer | None = None


def read_request(body: RequestBody, config: PlanConfig) -> Request:
    """The body's fields as each backend may be sent them; a 404 (`ModelNotFound`) for
    a model that is not one of the virtual ones."""
    if body.model not in VIRTUAL_MODELS:
        raise ModelNotFound(
            f"The model '{body.model}' does not exist; use one of {', '.join(VIRTUAL_MODELS)}",
            param="model",
        )
    sent = body.as_json()
    # What the cloud could be sent is what is classified: every allow-listed field.
    aliases = body.field_aliases
    cloud, _ = forwarded(sent, config.cloud_fields, aliases)
    edge, _ = forwarded(sent, config.edge_fields, aliases)
    return Request(body, cloud, edge, classified(cloud))


def past_the_cap(policy: Policy, found: Sequence[Segment], budget: Budget) -> bool:
    """Past the character cap and no rule lets unread text out: whatever the part
    within the cap holds, such a request can only be refused (at the edge as longer
    than the gateway classifies, or by a rule), so it is decided unread."""
    return sum(len(s.text) for s in found) > budget.max_chars and not policy.lets_out(OVERSIZED)


def classify(active: Active, found: Sequence[Segment], budget: Budget) -> Signals:
    """The signals the gateway gets for the texts, classified on this thread."""
    if past_the_cap(active.policy, found, budget):
        return unread(frozenset({OVERSIZED}))
    return active.built.classify_segments(found, budget)


def decide(
    active: Active,
    request: Request,
    signals: Signals,
    principal: Principal | None,
    edge_queue: int | None,
    decision_id: str,
) -> Decided:
    """The engine's decision on what the request is, asks and carries; cheap. A
    redacted decision still needs `check_redaction`."""
    facts = RequestFacts(
        model=request.body.model,
        prompt_tokens=estimated_tokens(request.found),
        max_tokens=request.body.requested_max_tokens(),
        edge_queue=edge_queue,
        # Content parts no recognizer reads, and binary payloads inside texts.
        unclassified=unclassified_kinds(request.cloud) | signals.sensitivity.unreadable,
    )
    decision = evaluate(active.policy, active.revision, signals, principal, facts, decision_id)
    return Decided(facts, decision, decision, request.cloud)


def check_redaction(active: Active, decided: Decided) -> Decided:
    """The cloud's body with every finding replaced, checked by classifying it again:
    what the recognizers still find above the ceiling keeps the request home. A
    classification: the pipeline runs it off the event loop, and only when
    `decided.decision.redacted`; otherwise it changes nothing."""
    decision = decided.decision
    if not decision.redacted:
        return decided
    # The mapping lives in this request's memory only: never logged, never reused.
    redaction = Redaction(active.built.sensitivity.spans)
    redacted = redaction.payload(decided.cloud)
    left = active.built.sensitivity.classify(classified(redacted)).level
    ceiling = Level.parse(active.policy.max_cloud_level)
    if left < ceiling:
        return dataclasses.replace(decided, cloud=redacted, restorer=redaction.restorer())
    trace = (*decision.trace, f"redaction left {left}, at or above {ceiling}: edge")
    home = dataclasses.replace(decision, route="edge", redacted=False, fallback=None, trace=trace)
    return dataclasses.replace(decided, decision=home)


def plan(
    active: Active,
    request: Request,
    signals: Signals,
    principal: Principal | None,
    edge_queue: int | None,
    decision_id: str,
) -> Decided:
    """`decide`, then `check_redaction`: the whole decision, on this thread."""
    decided = decide(active, request, signals, principal, edge_queue, decision_id)
    return check_redaction(active, decided)
