"""The leaf tests a policy condition may hold, as one table: name -> predicate.

A new signal is one entry here (and its field on `Condition`, with the same name);
`LEAF_TESTS` in the model and the engine's evaluation both read this table, and a test
holds the table and the model's fields to each other. Pure: no I/O, no state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from gateway.auth.principal import Principal
from gateway.classify.signals import Level, Signals


@dataclass(frozen=True)
class RequestFacts:
    """What the policy may know about the request besides its signals."""

    model: str  # the virtual model asked for: auto, edge or cloud
    prompt_tokens: int = 0
    max_tokens: int | None = None
    edge_queue: int | None = None
    # Kinds of content in the request that no classifier could read (token ids, images).
    unclassified: frozenset[str] = frozenset()


@dataclass(frozen=True)
class LeafContext:
    """Everything a leaf may test."""

    signals: Signals
    principal: Principal | None  # None in a CLI explain: matches no identity test
    facts: RequestFacts


# expected: the value the condition gives for the leaf (its field on Condition).
Predicate = Callable[[Any, LeafContext], bool]


def _sensitivity_at_least(expected: str, c: LeafContext) -> bool:
    return c.signals.sensitivity.level >= Level.parse(expected)


def _sensitivity_below(expected: str, c: LeafContext) -> bool:
    return c.signals.sensitivity.level < Level.parse(expected)


def _entities_any(expected: list[str], c: LeafContext) -> bool:
    return any(c.signals.sensitivity.entities.get(e, 0) > 0 for e in expected)


def _complexity_label(expected: str, c: LeafContext) -> bool:
    return c.signals.complexity.label == expected


def _complexity_at_least(expected: float, c: LeafContext) -> bool:
    return c.signals.complexity.score >= expected


def _roles_any(expected: list[str], c: LeafContext) -> bool:
    return bool(c.principal and c.principal.roles & set(expected))


def _groups_any(expected: list[str], c: LeafContext) -> bool:
    # Unknown groups (overage) match nothing: fail closed.
    groups = c.principal.groups if c.principal else None
    return bool(groups and groups & set(expected))


def _tenants_any(expected: list[str], c: LeafContext) -> bool:
    return bool(c.principal and c.principal.tid in expected)


def _apps_any(expected: list[str], c: LeafContext) -> bool:
    return bool(c.principal and c.principal.app_id in expected)


def _model(expected: str, c: LeafContext) -> bool:
    return c.facts.model == expected


def _prompt_tokens_over(expected: int, c: LeafContext) -> bool:
    return c.facts.prompt_tokens > expected


def _max_tokens_over(expected: int, c: LeafContext) -> bool:
    return (c.facts.max_tokens or 0) > expected


def _edge_queue_over(expected: int, c: LeafContext) -> bool:
    # An unknown queue (no edge stats yet) is not a busy one.
    return c.facts.edge_queue is not None and c.facts.edge_queue > expected


# The order is the order `Condition` lists the tests in its error message.
LEAVES: Mapping[str, Predicate] = MappingProxyType(
    {
        "sensitivity_at_least": _sensitivity_at_least,
        "sensitivity_below": _sensitivity_below,
        "entities_any": _entities_any,
        "complexity_label": _complexity_label,
        "complexity_at_least": _complexity_at_least,
        "roles_any": _roles_any,
        "groups_any": _groups_any,
        "tenants_any": _tenants_any,
        "apps_any": _apps_any,
        "model": _model,
        "prompt_tokens_over": _prompt_tokens_over,
        "max_tokens_over": _max_tokens_over,
        "edge_queue_over": _edge_queue_over,
    }
)
