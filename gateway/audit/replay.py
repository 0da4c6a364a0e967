"""`policy replay`: a candidate policy evaluated again over the decisions an audit log
recorded, before it goes live: what changes, what would newly leave for the cloud, and
what that moves in cloud tokens and cost.

Each decision event carries the engine's inputs (`gateway.audit.event.replay_inputs`):
entity types and counts, the complexity score, the request's model and sizes, the edge
queue depth, roles, groups, and tenant and app as the log holds them. The sensitivity
level is derived again from the entity types under the candidate's options, so edits
of `entity_levels` and `combinations` show; edits of recognizers or score thresholds
cannot (the log holds no text to run them on). Events written before the inputs were
recorded are counted and skipped, never guessed. The log is streamed: memory does not
grow with its size.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gateway.audit.event import INPUTS_VERSION, PrincipalView
from gateway.auth.principal import Principal
from gateway.classify.levels import sensitivity_level
from gateway.classify.signals import Level
from gateway.policy.decision import Decision
from gateway.policy.engine import RequestFacts, evaluate
from gateway.policy.given import given_signals
from gateway.policy.model import Condition, Policy
from gateway.settings import ReportSettings

EXPOSURE_EXIT = 3  # distinct from 1 (an error) and 2 (bad arguments)
PER_MTOK = 1_000_000
Event = Mapping[str, Any]


@dataclass(frozen=True)
class Outcome:
    rule: str
    route: str  # edge, cloud, cloud+redacted or deny

    @classmethod
    def of(cls, route: str, rule: str, redacted: bool) -> Outcome:
        return cls(rule, f"{route}+redacted" if redacted else route)

    @property
    def exposed(self) -> bool:
        """Sent to the cloud as it was, not redacted."""
        return self.route == "cloud"

    @property
    def cloud(self) -> bool:
        return self.route.startswith("cloud")


@dataclass
class ReplayReport:
    revision: str
    fail_level: Level
    events: int = 0
    decisions: int = 0
    skipped: int = 0  # decisions recorded without their inputs
    changed: int = 0
    transitions: Counter[tuple[Outcome, Outcome]] = field(default_factory=Counter)
    # Decisions that would newly go to the cloud unredacted, by sensitivity level.
    exposure: Counter[str] = field(default_factory=Counter)
    tokens_in_moved: int = 0  # onto the cloud minus off it
    tokens_out_moved: int = 0
    cost_moved_usd: float = 0.0

    @property
    def exposed_at_or_above(self) -> int:
        return sum(n for level, n in self.exposure.items() if Level.parse(level) >= self.fail_level)

    @property
    def exit_code(self) -> int:
        return EXPOSURE_EXIT if self.exposed_at_or_above else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "candidate_revision": self.revision,
            "events": self.events,
            "decisions": self.decisions,
            "replayed": self.decisions - self.skipped,
            "skipped_without_inputs": self.skipped,
            "changed": self.changed,
            "changes": [
                {
                    "old_rule": old.rule,
                    "new_rule": new.rule,
                    "old_route": old.route,
                    "new_route": new.route,
                    "count": count,
                }
                for (old, new), count in self.transitions.most_common()
            ],
            "newly_to_cloud_by_level": dict(sorted(self.exposure.items())),
            "fail_level": str(self.fail_level),
            "newly_to_cloud_at_or_above_fail_level": self.exposed_at_or_above,
            "cloud_tokens_moved": {"in": self.tokens_in_moved, "out": self.tokens_out_moved},
            "cloud_cost_moved_usd": round(self.cost_moved_usd, 4),
        }

    def table(self) -> str:
        lines = [
            f"candidate {self.revision}",
            f"{self.decisions} decisions in {self.events} events; "
            f"{self.decisions - self.skipped} replayed, {self.skipped} skipped (no inputs "
            f"recorded); {self.changed} would change",
        ]
        if self.transitions:
            lines.append(f"{'old rule':<28}{'new rule':<28}{'old route':<16}{'new route':<16}n")
            for (old, new), count in self.transitions.most_common():
                lines.append(f"{old.rule:<28}{new.rule:<28}{old.route:<16}{new.route:<16}{count}")
        exposure = ", ".join(f"{k}: {v}" for k, v in sorted(self.exposure.items())) or "none"
        lines += [
            f"newly to the cloud, unredacted, by level: {exposure}",
            f"cloud tokens moved: {self.tokens_in_moved:+d} in, {self.tokens_out_moved:+d} out; "
            f"cost {self.cost_moved_usd:+.4f} USD",
        ]
        if self.exit_code:
            lines.append(
                f"EXPOSURE: {self.exposed_at_or_above} decisions at or above "
                f"{self.fail_level} would newly go to the cloud"
            )
        return "\n".join(lines)


class Replayer:
    """Evaluates one candidate over recorded decisions. Tenant and app conditions are
    hashed with the log's key, so that they still match hashed principals."""

    def __init__(
        self,
        candidate: Policy,
        revision: str,
        principal_key: bytes | None,
        prices: ReportSettings,
        fail_level: Level = Level.CONFIDENTIAL,
        since: datetime | None = None,
    ) -> None:
        self._clear = candidate
        view = PrincipalView(principal_key) if principal_key is not None else None
        self._hashed = hashed_ids(candidate, view) if view is not None else None
        self._prices = prices
        self._since = since
        self.report = ReplayReport(revision, fail_level)
        # Logs repeat a few entity sets and principals many times: derive each once.
        self._levels: dict[tuple[bool, tuple[tuple[str, int], ...]], Level] = {}
        self._principals: dict[tuple[Any, ...], Principal | None] = {}

    def run(self, events: Iterable[Event]) -> ReplayReport:
        for event in events:
            self.add(event)
        return self.report

    def add(self, event: Event) -> None:
        report = self.report
        if self._since is not None and not _at_or_after(event, self._since):
            return
        report.events += 1
        if event.get("kind") != "decision" or event.get("rule") is None:
            return  # refused before any decision (401, 400, 404): nothing to replay
        report.decisions += 1
        inputs = event.get("inputs")
        if not isinstance(inputs, dict) or inputs.get("v") != INPUTS_VERSION:
            report.skipped += 1
            return
        decided = inputs["decided"]
        old = Outcome.of(decided["route"], decided["rule"], decided["redacted"])
        new_decision = self.decide(inputs)
        if new_decision is None:  # hashed ids, and no key to hash the candidate's with
            report.skipped += 1
            return
        new = Outcome.of(new_decision.route, new_decision.rule, new_decision.redacted)
        if new == old:
            return
        report.changed += 1
        report.transitions[(old, new)] += 1
        if new.exposed and not old.exposed:
            report.exposure[str(inputs.get("level", "public"))] += 1
        self._move_tokens(event, old, new)

    def decide(self, inputs: Mapping[str, Any]) -> Decision | None:
        who = inputs.get("principal")
        policy = self._clear
        if isinstance(who, dict) and who.get("hashed"):
            if self._hashed is None:
                return None
            policy = self._hashed
        options = policy.classifiers
        entities: dict[str, int] = inputs["entities"]
        key = (policy is self._hashed, tuple(entities.items()))
        level = self._levels.get(key)
        if level is None:
            level = self._levels[key] = sensitivity_level(entities, {}, options.sensitivity)[0]
        signals = given_signals(
            level, entities, float(inputs["complexity"]), options.complexity, 0.0
        )
        facts = RequestFacts(
            model=str(inputs["model"]),
            prompt_tokens=int(inputs["prompt_tokens"]),
            max_tokens=inputs.get("max_tokens"),
            edge_queue=inputs.get("edge_queue"),
            unclassified=frozenset(inputs.get("unclassified") or ()),
        )
        return evaluate(
            policy, self.report.revision, signals, self._principal(who), facts, "replay"
        )

    def _principal(self, who: Any) -> Principal | None:
        if not isinstance(who, dict):
            return None
        groups = who.get("groups")
        key = (
            who.get("tenant"),
            who.get("app"),
            tuple(who.get("roles") or ()),
            None if groups is None else tuple(groups),
        )
        if key not in self._principals:
            self._principals[key] = _principal(who)
        return self._principals[key]

    def _move_tokens(self, event: Event, old: Outcome, new: Outcome) -> None:
        if old.cloud == new.cloud:
            return
        tokens = event.get("tokens") or {}
        sign = 1 if new.cloud else -1
        tokens_in, tokens_out = int(tokens.get("in") or 0), int(tokens.get("out") or 0)
        self.report.tokens_in_moved += sign * tokens_in
        self.report.tokens_out_moved += sign * tokens_out
        self.report.cost_moved_usd += (
            sign
            * (
                tokens_in * self._prices.cloud_input_usd_per_mtok
                + tokens_out * self._prices.cloud_output_usd_per_mtok
            )
            / PER_MTOK
        )


def hashed_ids(policy: Policy, view: PrincipalView) -> Policy:
    """The policy with every tenant and app id written as the log writes them."""
    rules = [rule.model_copy(update={"when": _hashed(rule.when, view)}) for rule in policy.rules]
    return policy.model_copy(update={"rules": rules})


def _hashed(condition: Condition, view: PrincipalView) -> Condition:
    update: dict[str, Any] = {}
    if condition.all is not None:
        update["all"] = [_hashed(c, view) for c in condition.all]
    if condition.any is not None:
        update["any"] = [_hashed(c, view) for c in condition.any]
    if condition.not_ is not None:
        update["not_"] = _hashed(condition.not_, view)
    if condition.tenants_any is not None:
        update["tenants_any"] = [view.identifier(t) for t in condition.tenants_any]
    if condition.apps_any is not None:
        update["apps_any"] = [view.identifier(a) for a in condition.apps_any]
    return condition.model_copy(update=update) if update else condition


def _principal(who: Any) -> Principal | None:
    if not isinstance(who, dict):
        return None
    groups = who.get("groups")
    return Principal(
        subject="",
        oid=None,
        tid=str(who.get("tenant") or ""),
        app_id=who.get("app"),
        is_app=False,
        roles=frozenset(who.get("roles") or ()),
        scopes=frozenset(),
        groups=None if groups is None else frozenset(groups),
        token_version="",
    )


def _at_or_after(event: Event, since: datetime) -> bool:
    value = event.get("timestamp")
    if not isinstance(value, str):
        return False
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)) >= since
