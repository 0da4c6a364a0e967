"""evaluate(policy, signals, principal, request) -> Decision. Pure: no I/O, no clock,
no globals; the same inputs give the same decision and the same trace."""

from __future__ import annotations

import dataclasses

from gateway.auth.principal import Principal
from gateway.classify.signals import Level, Signals
from gateway.policy.decision import Decision, DecisionRoute
from gateway.policy.leaves import LEAVES, LeafContext
from gateway.policy.leaves import RequestFacts as RequestFacts  # evaluate() takes one
from gateway.policy.model import Condition, Policy, Rule


def evaluate(
    policy: Policy,
    revision: str,
    signals: Signals,
    principal: Principal | None,
    facts: RequestFacts,
    decision_id: str,
) -> Decision:
    context = LeafContext(signals, principal, facts)
    trace: list[str] = []
    chosen: Rule | None = None
    for rule in policy.rules:
        held, why = _holds(rule.when, context)
        trace.append(f"{rule.id}: {'matched' if held else 'no'} ({why})")
        if held:
            chosen = rule
            break
    route: str
    if chosen is None:
        trace.append(f"default: route {policy.default.route}")
        route, fallback, rule_id = policy.default.route, policy.default.fallback, "default"
        allowed: frozenset[str] = frozenset()
    else:
        if chosen.deny is not None:
            return Decision(
                decision_id,
                "deny",
                chosen.id,
                revision,
                signals,
                trace=tuple(trace),
                message=chosen.deny,
            )
        route, fallback, rule_id = chosen.route or "edge", chosen.fallback, chosen.id
        allowed = frozenset(chosen.allow_unclassified)
    unread = context.facts.unclassified - allowed
    decision = _guarded(
        policy, revision, context, route, fallback, rule_id, trace, decision_id, unread
    )
    if decision.route == "cloud" and chosen is not None and _mentions_queue(chosen.when):
        # Sent to the cloud because the edge was busy: counted apart from the cloud
        # work that complexity sends.
        return dataclasses.replace(decision, spillover=True)
    return decision


def _guarded(
    policy: Policy,
    revision: str,
    context: LeafContext,
    route: str,
    fallback: str | None,
    rule_id: str,
    trace: list[str],
    decision_id: str,
    unread: frozenset[str],
) -> Decision:
    """The rules' choice, held to what no rule can override: the caller's explicit
    `model: edge`, the sensitivity ceiling for the cloud, and content no classifier
    could read (fail closed)."""
    level = context.signals.sensitivity.level
    ceiling = Level.parse(policy.max_cloud_level)
    redacted = route == "redact_then_cloud"
    if route != "edge" and context.facts.model == "edge":
        trace.append("caller asked for model edge: edge")
        route, redacted = "edge", False
    why_not = _why_not_cloud(level, ceiling, redacted, unread)
    if context.facts.model == "cloud" and why_not:
        # The caller asked for the cloud by name; what the ceiling keeps home is refused
        # or kept on the edge, as the policy says, never sent.
        trace.append(why_not)
        if policy.cloud_refusal == "deny":
            return Decision(
                decision_id,
                "deny",
                rule_id,
                revision,
                context.signals,
                trace=tuple(trace),
                message=_refusal(level, unread),
            )
        route, redacted = "edge", False
    elif route != "edge" and why_not:
        trace.append(why_not)
        route, redacted = "edge", False
    final: DecisionRoute = "cloud" if redacted or route == "cloud" else "edge"
    return Decision(
        decision_id,
        final,
        rule_id,
        revision,
        context.signals,
        redacted=redacted,
        fallback=fallback if final == "cloud" else None,
        trace=tuple(trace),
    )


def _why_not_cloud(level: Level, ceiling: Level, redacted: bool, unread: frozenset[str]) -> str:
    """The trace line of the guard that keeps a request from the cloud, or ''."""
    if unread:
        kinds = ", ".join(sorted(unread))
        return f"unclassified content ({kinds}) not allowed by the rule: not cloud"
    if level >= ceiling and not redacted:
        return f"ceiling: {level} is at or above max_cloud_level {ceiling}: not cloud"
    return ""


def _refusal(level: Level, unread: frozenset[str]) -> str:
    if unread:
        kinds = ", ".join(sorted(unread))
        return f"this request holds content no classifier can read ({kinds}); not for the cloud"
    return f"this request is {level}; it may not go to the cloud"


def _holds(condition: Condition, context: LeafContext) -> tuple[bool, str]:
    if condition.all is not None:
        results = [_holds(c, context) for c in condition.all]
        return all(r for r, _ in results), " and ".join(w for _, w in results)
    if condition.any is not None:
        results = [_holds(c, context) for c in condition.any]
        return any(r for r, _ in results), " or ".join(w for _, w in results)
    if condition.not_ is not None:
        held, why = _holds(condition.not_, context)
        return not held, f"not ({why})"
    name, expected, held = _leaf(condition, context)
    return held, f"{name} {expected}: {'yes' if held else 'no'}"


def _leaf(c: Condition, context: LeafContext) -> tuple[str, object, bool]:
    """The one test a leaf condition holds, its expected value, and whether it holds."""
    for name, holds in LEAVES.items():
        expected = getattr(c, name)
        if expected is not None:
            return name, expected, holds(expected, context)
    raise ValueError("empty condition")  # the model refuses these at load time


def _mentions_queue(condition: Condition) -> bool:
    if condition.edge_queue_over is not None:
        return True
    # Not under `not`: a rule that fires when the edge is *not* busy is no spillover.
    children = [*(condition.all or ()), *(condition.any or ())]
    return any(_mentions_queue(child) for child in children)
