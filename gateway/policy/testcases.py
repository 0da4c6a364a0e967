"""`policy test`: YAML cases beside a policy that say where requests must go.

A case gives a request (chat messages or a prompt, classified by the policy's own
classifiers as the gateway would) or, for cases that must not depend on the
classifiers, the signals themselves; optionally a principal and the edge's queue
depth; and the expected route, rule and redaction. Failures carry the rule trace.

A request case is decided by the gateway's own steps (`gateway.policy.planning`), under
the configured field allow-lists and classification budget (`PlanConfig`), so that it
passes only if the gateway routes the same request the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gateway.auth.principal import Principal
from gateway.classify.registry import Classifiers
from gateway.classify.signals import Level, LevelName
from gateway.errors import ModelNotFound
from gateway.policy.decision import Decision
from gateway.policy.engine import RequestFacts, evaluate
from gateway.policy.given import given_signals
from gateway.policy.loader import LoadedPolicy, PolicyError, load_policy
from gateway.policy.model import Policy
from gateway.policy.planning import PlanConfig, classify, plan, read_request
from gateway.schemas import ChatCompletionRequest, CompletionRequest


class SignalsSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: LevelName = "public"
    entities: dict[str, int] = {}
    complexity: float = Field(default=0.0, ge=0.0, le=1.0)


class PrincipalSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: list[str] = []
    # None: the token had a groups overage (unknown groups match nothing).
    groups: list[str] | None = []
    tenant: str = "tenant"
    app: str | None = None


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")

    route: Literal["edge", "cloud", "deny"]
    rule: str | None = None
    redacted: bool | None = None


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    request: dict[str, Any] | None = None
    signals: SignalsSpec | None = None
    principal: PrincipalSpec | None = None
    edge_queue: int | None = Field(default=None, ge=0)
    # With signals: the virtual model asked for, and content kinds no classifier read.
    model: Literal["auto", "edge", "cloud"] = "auto"
    unclassified: list[str] = []
    expect: Expect

    @model_validator(mode="after")
    def _one_source(self) -> Case:
        if (self.request is None) == (self.signals is None):
            raise ValueError(f"case {self.name!r}: give exactly one of request or signals")
        return self


class TestFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: Path | None = None  # relative to the test file
    cases: list[Case] = Field(min_length=1)


@dataclass(frozen=True)
class Result:
    file: Path
    case: str
    passed: bool
    expected: str
    got: str
    trace: tuple[str, ...]


def run_files(
    files: Iterable[Path],
    default_policy: Path,
    classifiers: Callable[[Policy], Classifiers],
    config: PlanConfig,
) -> list[Result]:
    """Every case of every file. `classifiers` builds (or reuses) a policy's classifiers;
    it is called only for files with request cases."""
    results: list[Result] = []
    for path in files:
        spec = read_tests(path)
        policy_path = policy_of(path, spec, default_policy)
        policy, revision = load_policy(policy_path)
        built = (
            classifiers(policy) if any(case.request is not None for case in spec.cases) else None
        )
        active = LoadedPolicy(policy, revision, policy_path, time.time(), built)
        for case in spec.cases:
            try:
                decision = decide(case, active, config)
            except ModelNotFound as exc:  # the gateway answers it 404: there is no route
                raise PolicyError([f"{path}: case {case.name!r}: {exc.message}"]) from exc
            results.append(_result(path, case, decision))
    return results


def policy_of(path: Path, spec: TestFile, default_policy: Path) -> Path:
    """The policy a test file's cases run under."""
    return path.parent / spec.policy if spec.policy is not None else default_policy


def decide(case: Case, active: LoadedPolicy[Classifiers | None], config: PlanConfig) -> Decision:
    """The decision for one case: the engine's on a signal case's signals; the gateway's
    (`gateway.policy.planning`) on a request case's body."""
    principal = principal_of(case.principal)
    policy = active.policy
    if case.signals is not None:
        signals = given_signals(
            Level.parse(case.signals.level),
            case.signals.entities,
            case.signals.complexity,
            policy.classifiers.complexity,
            1.0,
        )
        facts = RequestFacts(
            model=case.model,
            edge_queue=case.edge_queue,
            unclassified=frozenset(case.unclassified),
        )
        return evaluate(policy, active.revision, signals, principal, facts, case.name)
    classifiers = active.built
    if case.request is None or classifiers is None:
        raise ValueError(f"case {case.name!r}: a request case needs the policy's classifiers")
    built = LoadedPolicy(policy, active.revision, active.path, active.loaded_at, classifiers)
    request = read_request(request_body(case.request), config)
    signals = classify(built, request.found, config.budget)
    return plan(built, request, signals, principal, case.edge_queue, case.name).decision


def request_body(request: dict[str, Any]) -> ChatCompletionRequest | CompletionRequest:
    """A request case's body, as the gateway parses it (the model `auto` by default)."""
    body = {"model": "auto", **request}
    model = ChatCompletionRequest if "messages" in body else CompletionRequest
    return model.model_validate(body)


def table(results: list[Result]) -> str:
    lines = []
    for r in results:
        mark = "PASS" if r.passed else "FAIL"
        line = f"{mark}  {r.file}: {r.case}"
        if not r.passed:
            line += f"\n      expected {r.expected}, got {r.got}"
            line += "".join(f"\n        {step}" for step in r.trace)
        lines.append(line)
    failed = sum(1 for r in results if not r.passed)
    lines.append(f"{len(results) - failed} passed, {failed} failed")
    return "\n".join(lines)


def read_tests(path: Path) -> TestFile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError([f"{path}:0: cannot read: {exc.strerror}"]) from exc
    except yaml.YAMLError as exc:
        raise PolicyError([f"{path}:0: invalid YAML: {exc}"]) from exc
    try:
        return TestFile.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(
            [f"{path}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        ) from exc


def principal_of(spec: PrincipalSpec | None) -> Principal | None:
    """A case's principal, as a token with its roles, groups, tenant and app gives it."""
    if spec is None:
        return None
    return Principal(
        subject="test",
        oid=None,
        tid=spec.tenant,
        app_id=spec.app,
        is_app=False,
        roles=frozenset(spec.roles),
        scopes=frozenset(),
        groups=None if spec.groups is None else frozenset(spec.groups),
        token_version="2.0",
    )


def _result(path: Path, case: Case, decision: Decision) -> Result:
    want = case.expect
    passed = (
        decision.route == want.route
        and (want.rule is None or decision.rule == want.rule)
        and (want.redacted is None or decision.redacted == want.redacted)
    )
    expected = want.route + (f" by {want.rule}" if want.rule else "")
    if want.redacted is not None:
        expected += " redacted" if want.redacted else " not redacted"
    got = f"{decision.route} by {decision.rule}" + (" redacted" if decision.redacted else "")
    return Result(path, case.name, passed, expected, got, decision.trace)
