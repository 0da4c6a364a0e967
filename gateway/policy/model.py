"""The policy format. `policies/schema.json` is generated from these models.

A policy is plain data: classifier options, a sensitivity ceiling for the cloud,
ordered rules (condition tree + action) and a default. Validation refuses anything
ambiguous, so a policy that loads is one the engine can evaluate.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gateway.classify.options import ClassifierOptions
from gateway.classify.signals import LevelName
from gateway.policy.decision import RuleRoute
from gateway.policy.leaves import LEAVES
from gateway.schemas import VirtualModel

# Content no recognizer can read (see gateway.classify.extract): it reaches the cloud
# only through a rule that names its kind.
UnclassifiedKind = Literal[
    "token_ids",
    "image",
    "audio",
    "file",
    "binary",
    "oversized",
    "timeout",
    "language",
    "other",
]
# The leaf tests a condition may hold, in order; each is a field of Condition below.
LEAF_TESTS = tuple(LEAVES)


class Condition(BaseModel):
    """Exactly one of: a combinator (`all`, `any`, `not`) or one leaf test."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = Field(default=None, alias="not")
    sensitivity_at_least: LevelName | None = None
    sensitivity_below: LevelName | None = None
    entities_any: list[str] | None = None
    complexity_label: Literal["simple", "complex"] | None = None
    complexity_at_least: float | None = Field(default=None, ge=0.0, le=1.0)
    roles_any: list[str] | None = None
    groups_any: list[str] | None = None
    tenants_any: list[str] | None = None
    apps_any: list[str] | None = None
    model: VirtualModel | None = None
    prompt_tokens_over: int | None = Field(default=None, ge=0)
    max_tokens_over: int | None = Field(default=None, ge=0)
    edge_queue_over: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _exactly_one(self) -> Condition:
        set_fields = [name for name in self.model_fields_set if getattr(self, name) is not None]
        if len(set_fields) != 1:
            raise ValueError(
                "a condition has exactly one of all, any, not or a test "
                f"({', '.join(LEAF_TESTS)}); got {sorted(set_fields) or 'none'}"
            )
        return self


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    description: str = ""
    when: Condition
    route: RuleRoute | None = None
    deny: str | None = None  # the message the caller gets with the 403
    # Where to go when the chosen backend is unavailable; only towards the edge.
    fallback: Literal["edge"] | None = None
    # Kinds of unclassifiable content this rule may send to the cloud (images, say,
    # for a vision model the organisation trusts with them). Never redacted.
    allow_unclassified: list[UnclassifiedKind] = []

    @model_validator(mode="after")
    def _one_action(self) -> Rule:
        if (self.route is None) == (self.deny is None):
            raise ValueError(f"rule {self.id}: give exactly one of route or deny")
        return self


class Default(BaseModel):
    model_config = ConfigDict(extra="forbid")

    route: Literal["edge", "cloud"] = "edge"
    fallback: Literal["edge"] | None = None


class AuditOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Put each request's prompt in its audit event with every detected entity replaced
    # by a placeholder ([US_SSN_1]). Off: events hold no prompt text at all.
    redacted_prompts: bool = False


class Quota(BaseModel):
    """What one principal may use; a limit left out is no limit."""

    model_config = ConfigDict(extra="forbid")

    requests_per_minute: int | None = Field(default=None, ge=1)
    # Estimated prompt tokens plus max_tokens (the most the request can produce).
    tokens_per_minute: int | None = Field(default=None, ge=1)
    concurrent: int | None = Field(default=None, ge=1)
    # Characters of prompt text classified (cache misses only): the gateway's own work
    # for the caller, so that one caller's huge or many prompts exhaust its allowance
    # rather than the classification threads everyone shares.
    classified_chars_per_minute: int | None = Field(default=None, ge=1_000)


class RoleQuota(Quota):
    """A quota for the callers holding any of these app roles or in any of these Entra
    groups (object ids, the token's `groups` claim); either list, or both."""

    roles_any: list[str] | None = Field(default=None, min_length=1)
    # Unknown groups (a token with a groups overage claim) match nothing here, as in
    # the rules: such a caller gets the default quota, never a larger one by accident.
    groups_any: list[str] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _names_someone(self) -> RoleQuota:
        if self.roles_any is None and self.groups_any is None:
            raise ValueError("a roles entry needs roles_any, groups_any or both")
        return self

    def matches(self, roles: frozenset[str], groups: frozenset[str] | None) -> bool:
        return bool(roles & set(self.roles_any or ())) or bool(
            groups and groups & set(self.groups_any or ())
        )


class EdgeShare(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Requests kept on the edge at once (by this replica; with a shared limit store, by
    # the fleet); none: no cap, no shares.
    concurrent: int | None = Field(default=None, ge=1)
    # The most of that cap one principal may hold, so one caller cannot take every
    # place while others wait (at least one place each).
    max_share: float = Field(default=0.5, gt=0.0, le=1.0)


class Limits(BaseModel):
    """Fair shares, counted per gateway replica or for the fleet (the settings'
    limits.store; see docs/policy.md)."""

    model_config = ConfigDict(extra="forbid")

    # Who a quota belongs to: each user (oid), each calling app, or each tenant.
    key: Literal["user", "app", "tenant"] = "user"
    default: Quota = Quota()
    # The first entry whose roles or groups the caller holds replaces the default.
    roles: list[RoleQuota] = []
    edge: EdgeShare = EdgeShare()


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    # Requests at or above this level never go to the cloud, whatever a rule says,
    # except redacted through redact_then_cloud.
    max_cloud_level: LevelName = "confidential"
    # An explicit `model: cloud` for a request the ceiling keeps home: 403 or edge.
    cloud_refusal: Literal["deny", "edge"] = "deny"
    classifiers: ClassifierOptions = ClassifierOptions()
    # Instead of `classifiers`: take them from another policy file (relative to this
    # one), so example and site policies share one set of recognizers.
    classifiers_from: str | None = None
    rules: list[Rule] = []
    default: Default = Default()
    audit: AuditOptions = AuditOptions()
    limits: Limits = Limits()

    def lets_out(self, kind: str) -> bool:
        """Whether any rule may send unclassified content of this kind to the cloud."""
        return any(kind in rule.allow_unclassified for rule in self.rules)

    @model_validator(mode="after")
    def _unique_ids(self) -> Policy:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} is used twice")
            seen.add(rule.id)
        return self
