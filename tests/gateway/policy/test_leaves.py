"""The leaf table: one entry per leaf field of Condition, each matching one pair of
facts and not the other, evaluated and traced the same way."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.auth.principal import Principal, principal_from_claims
from gateway.classify.signals import ComplexitySignal, Level, SensitivitySignal, Signals
from gateway.policy.engine import evaluate
from gateway.policy.leaves import LEAVES, LeafContext, RequestFacts
from gateway.policy.model import LEAF_TESTS, Condition, Policy

COMBINATORS = {"all", "any", "not_"}


def context(
    level: Level = Level.PUBLIC,
    entities: dict[str, int] | None = None,
    complexity: float = 0.1,
    principal: Principal | None = None,
    **facts: Any,
) -> LeafContext:
    label = "complex" if complexity >= 0.5 else "simple"
    signals = Signals(
        SensitivitySignal(level, entities or {}, 0.9),
        ComplexitySignal(complexity, label, {}),
    )
    return LeafContext(signals, principal, RequestFacts(**{"model": "auto", **facts}))


def who(**claims: Any) -> Principal:
    return principal_from_claims({"tid": "t", "scp": "x", **claims})


# leaf -> (expected value, facts it matches, facts it does not match)
CASES: dict[str, tuple[Any, LeafContext, LeafContext]] = {
    "sensitivity_at_least": (
        "confidential",
        context(Level.CONFIDENTIAL),
        context(Level.INTERNAL),
    ),
    "sensitivity_below": ("internal", context(Level.PUBLIC), context(Level.INTERNAL)),
    "entities_any": (
        ["US_SSN", "API_KEY"],
        context(entities={"API_KEY": 1}),
        context(entities={"API_KEY": 0, "EMAIL_ADDRESS": 2}),
    ),
    "complexity_label": ("complex", context(complexity=0.9), context(complexity=0.1)),
    "complexity_at_least": (0.8, context(complexity=0.8), context(complexity=0.79)),
    "roles_any": (
        ["Cloud.User"],
        context(principal=who(roles=["Cloud.User", "Other"])),
        context(principal=who(roles=["Other"])),
    ),
    # Unknown groups (overage) match nothing.
    "groups_any": (
        ["g1"],
        context(principal=who(groups=["g1"])),
        context(principal=who(groups=["g1"], hasgroups=True)),
    ),
    "tenants_any": (
        ["t"],
        context(principal=who()),
        context(principal=who(tid="other")),
    ),
    "apps_any": (
        ["app-1"],
        context(principal=who(azp="app-1")),
        context(principal=None),
    ),
    "model": ("cloud", context(model="cloud"), context(model="auto")),
    "prompt_tokens_over": (100, context(prompt_tokens=101), context(prompt_tokens=100)),
    "max_tokens_over": (100, context(max_tokens=101), context(max_tokens=None)),
    "edge_queue_over": (4, context(edge_queue=5), context(edge_queue=None)),
}


def test_every_leaf_field_of_the_condition_model_has_a_table_entry_and_back() -> None:
    # Same names in the same order, so the model's error message lists them as declared.
    leaf_fields = [name for name in Condition.model_fields if name not in COMBINATORS]
    assert leaf_fields == list(LEAVES)
    assert tuple(LEAVES) == LEAF_TESTS


def test_every_leaf_has_a_case() -> None:
    assert set(CASES) == set(LEAVES)


@pytest.mark.parametrize("name", list(CASES))
def test_each_leaf_matches_one_and_not_the_other(name: str) -> None:
    expected, matching, other = CASES[name]
    # The value is one the model accepts for the leaf.
    value = getattr(Condition.model_validate({name: expected}), name)
    assert LEAVES[name](value, matching) is True
    assert LEAVES[name](value, other) is False


@pytest.mark.parametrize("name", list(CASES))
def test_the_engine_evaluates_and_traces_each_leaf(name: str) -> None:
    expected, matching, other = CASES[name]
    policy = Policy.model_validate(
        {"rules": [{"id": "r", "when": {name: expected}, "route": "edge"}]}
    )
    for ctx, word, verdict in ((matching, "yes", "matched"), (other, "no", "no")):
        decision = evaluate(policy, "rev", ctx.signals, ctx.principal, ctx.facts, "d")
        assert decision.trace[0] == f"r: {verdict} ({name} {expected}: {word})"
