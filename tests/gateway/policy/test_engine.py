"""evaluate() is pure: table-driven cases over signals, principals and requests."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.auth.principal import principal_from_claims
from gateway.classify.signals import ComplexitySignal, Level, SensitivitySignal, Signals
from gateway.policy.engine import RequestFacts, evaluate
from gateway.policy.loader import load_policy
from gateway.policy.model import Policy
from tests.conftest import DEFAULT_POLICY

DEFAULT, REVISION = load_policy(DEFAULT_POLICY)


def signals(level: Level = Level.PUBLIC, complex_: bool = False, **entities: int) -> Signals:
    return Signals(
        SensitivitySignal(level, entities, 0.9 if level else 0.0),
        ComplexitySignal(0.9 if complex_ else 0.1, "complex" if complex_ else "simple", {}),
    )


def decide(
    policy: Policy, s: Signals, model: str = "auto", roles: tuple[str, ...] = (), **facts: Any
) -> tuple[str, str]:
    principal = principal_from_claims({"tid": "t", "scp": "x", "roles": list(roles)})
    decision = evaluate(policy, REVISION, s, principal, RequestFacts(model, **facts), "dec-1")
    return decision.route, decision.rule


@pytest.mark.parametrize(
    ("s", "model", "expected"),
    [
        (signals(), "auto", ("edge", "default")),
        (signals(complex_=True), "auto", ("cloud", "complex-to-cloud")),
        (signals(Level.CONFIDENTIAL, True), "auto", ("edge", "sensitive-stays-on-edge")),
        (signals(Level.RESTRICTED, True), "auto", ("edge", "sensitive-stays-on-edge")),
        (signals(Level.INTERNAL, True), "auto", ("cloud", "complex-to-cloud")),
        (signals(complex_=True), "edge", ("edge", "caller-asked-for-edge")),
        (signals(), "cloud", ("cloud", "caller-asked-for-cloud")),
        # An explicit cloud request cannot carry sensitive data out: 403.
        (signals(Level.CONFIDENTIAL), "cloud", ("deny", "sensitive-stays-on-edge")),
    ],
)
def test_default_policy(s: Signals, model: str, expected: tuple[str, str]) -> None:
    assert decide(DEFAULT, s, model) == expected


def policy(rules: list[dict[str, Any]], **extra: Any) -> Policy:
    return Policy.model_validate({"rules": rules, **extra})


def test_no_rule_can_send_sensitive_data_to_the_cloud() -> None:
    reckless = policy([{"id": "all-cloud", "when": {"model": "auto"}, "route": "cloud"}])
    assert decide(reckless, signals(Level.RESTRICTED)) == ("edge", "all-cloud")
    assert decide(reckless, signals(Level.INTERNAL)) == ("cloud", "all-cloud")


def test_cloud_refusal_edge_keeps_it_home_instead_of_403() -> None:
    lenient = policy([], cloud_refusal="edge")
    assert decide(lenient, signals(Level.RESTRICTED), "cloud") == ("edge", "default")


def test_the_ceiling_is_configurable() -> None:
    strict = policy(
        [{"id": "c", "when": {"model": "auto"}, "route": "cloud"}], max_cloud_level="internal"
    )
    assert decide(strict, signals(Level.INTERNAL)) == ("edge", "c")


@pytest.mark.parametrize(
    ("when", "kwargs", "matches"),
    [
        (
            {"all": [{"complexity_label": "complex"}, {"roles_any": ["Cloud.User"]}]},
            {"roles": ("Cloud.User",), "s": signals(complex_=True)},
            True,
        ),
        (
            {"all": [{"complexity_label": "complex"}, {"roles_any": ["Cloud.User"]}]},
            {"roles": (), "s": signals(complex_=True)},
            False,
        ),
        (
            {"any": [{"entities_any": ["CONFIDENTIAL_TERM"]}, {"model": "edge"}]},
            {"s": signals(CONFIDENTIAL_TERM=1)},
            True,
        ),
        ({"not": {"sensitivity_below": "internal"}}, {"s": signals(Level.INTERNAL)}, True),
        ({"prompt_tokens_over": 1000}, {"s": signals(), "prompt_tokens": 1001}, True),
        ({"max_tokens_over": 100}, {"s": signals(), "max_tokens": 50}, False),
        ({"edge_queue_over": 4}, {"s": signals(), "edge_queue": 5}, True),
        ({"edge_queue_over": 4}, {"s": signals()}, False),
        ({"complexity_at_least": 0.8}, {"s": signals(complex_=True)}, True),
    ],
)
def test_conditions(when: dict[str, Any], kwargs: dict[str, Any], matches: bool) -> None:
    p = policy([{"id": "r", "when": when, "route": "edge"}], default={"route": "cloud"})
    s = kwargs.pop("s")
    _route, rule = decide(p, s, **kwargs)
    assert (rule == "r") is matches


def test_deny_rules_carry_their_message() -> None:
    p = policy([{"id": "no-secrets", "when": {"entities_any": ["API_KEY"]}, "deny": "no keys"}])
    principal = principal_from_claims({"tid": "t", "scp": "x"})
    decision = evaluate(
        p, "r", signals(Level.RESTRICTED, API_KEY=1), principal, RequestFacts("auto"), "d"
    )
    assert (decision.route, decision.message) == ("deny", "no keys")


def test_trace_and_json_shape() -> None:
    principal = principal_from_claims({"tid": "t", "scp": "x"})
    decision = evaluate(
        DEFAULT, REVISION, signals(complex_=True), principal, RequestFacts("auto"), "dec-9"
    )
    body = decision.as_json()
    assert body["route"] == "cloud"
    assert body["rule"] == "complex-to-cloud"
    assert body["policy_revision"] == REVISION
    assert body["fallback"] == "edge"
    assert body["trace"][0].startswith("sensitive-stays-on-edge: no")
    assert body["trace"][-1].startswith("complex-to-cloud: matched")


def test_evaluate_is_pure() -> None:
    principal = principal_from_claims({"tid": "t", "scp": "x"})
    args = (DEFAULT, REVISION, signals(Level.INTERNAL, True), principal, RequestFacts("auto"), "d")
    assert evaluate(*args) == evaluate(*args)


def test_a_cloud_route_chosen_for_a_busy_edge_is_a_spillover() -> None:
    principal = principal_from_claims({"tid": "t", "scp": "x"})

    def spilled(s: Signals, edge_queue: int) -> tuple[str, bool]:
        facts = RequestFacts("auto", edge_queue=edge_queue)
        decision = evaluate(DEFAULT, REVISION, s, principal, facts, "d")
        return decision.route, decision.spillover

    assert spilled(signals(), edge_queue=12) == ("cloud", True)
    assert spilled(signals(), edge_queue=0) == ("edge", False)
    # Complex work goes to the cloud on its own merits, busy edge or not.
    assert spilled(signals(complex_=True), edge_queue=0) == ("cloud", False)
    # A sensitive request stays home however busy the edge is.
    assert spilled(signals(Level.RESTRICTED), edge_queue=12) == ("edge", False)


IMAGE = frozenset({"image"})


@pytest.mark.parametrize(
    ("rules", "model", "unclassified", "expected"),
    [
        # Content no classifier read never goes out on a rule that does not name it...
        ([{"id": "c", "when": {"model": "auto"}, "route": "cloud"}], "auto", IMAGE, "edge"),
        (
            [{"id": "r", "when": {"model": "auto"}, "route": "redact_then_cloud"}],
            "auto",
            IMAGE,
            "edge",
        ),
        ([{"id": "c", "when": {"model": "cloud"}, "route": "cloud"}], "cloud", IMAGE, "deny"),
        (
            [
                {
                    "id": "c",
                    "when": {"model": "auto"},
                    "route": "cloud",
                    "allow_unclassified": ["audio"],
                }
            ],
            "auto",
            IMAGE | {"audio"},
            "edge",
        ),
        # ...and does on one that does.
        (
            [
                {
                    "id": "c",
                    "when": {"model": "auto"},
                    "route": "cloud",
                    "allow_unclassified": ["image"],
                }
            ],
            "auto",
            IMAGE,
            "cloud",
        ),
        ([{"id": "c", "when": {"model": "auto"}, "route": "cloud"}], "auto", frozenset(), "cloud"),
    ],
)
def test_unclassified_content_needs_a_rule_that_allows_its_kind(
    rules: list[dict[str, Any]], model: str, unclassified: frozenset[str], expected: str
) -> None:
    route, _ = decide(policy(rules), signals(), model, unclassified=unclassified)
    assert route == expected


def test_the_default_route_never_sends_unclassified_content() -> None:
    cloud_default = policy([], default={"route": "cloud"})
    assert decide(cloud_default, signals(), unclassified=frozenset({"token_ids"}))[0] == "edge"
    decision = evaluate(
        cloud_default,
        REVISION,
        signals(),
        None,
        RequestFacts("auto", unclassified=frozenset({"token_ids"})),
        "d",
    )
    assert "unclassified content (token_ids)" in decision.trace[-1]


def test_the_refusal_names_the_unread_kind() -> None:
    decision = evaluate(
        DEFAULT, REVISION, signals(), None, RequestFacts("cloud", unclassified=IMAGE), "d"
    )
    assert decision.route == "deny"
    assert "image" in (decision.message or "")


def test_every_unclassified_kind_the_classifiers_report_can_be_named_in_a_rule() -> None:
    from typing import get_args

    from gateway.classify.budget import OVERSIZED, TIMEOUT
    from gateway.classify.extract import PART_KINDS
    from gateway.policy.model import UnclassifiedKind

    reported = {*PART_KINDS.values(), "token_ids", "other", "binary", "language"}
    assert reported | {OVERSIZED, TIMEOUT} <= set(get_args(UnclassifiedKind))
