"""`policy test`: YAML cases beside a policy that say where requests must go.

A case gives a request (chat messages or a prompt, classified by the policy's own
classifiers as the gateway would) or, for cases that must not depend on the
classifiers, the signals themselves; optionally a principal and the edge's queue
depth; and the expected route, rule and redaction. Failures carry the rule trace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gateway.auth.principal import Principal
from gateway.backends.fields import CLOUD_FIELDS, forwarded
from gateway.classify.extract import classified, estimated_tokens, unclassified_kinds
from gateway.classify.registry import Classifiers
from gateway.classify.signals import ComplexitySignal, Level, LevelName, SensitivitySignal, Signals
from gateway.policy.decision import Decision
from gateway.policy.engine import RequestFacts, evaluate
from gateway.policy.loader import PolicyError, load_policy
from gateway.policy.model import Policy
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
    files: Iterable[Path], default_policy: Path, classifiers: Callable[[Policy], Classifiers]
) -> list[Result]:
    """Every case of every file. `classifiers` builds (or reuses) a policy's classifiers;
    it is called only for files with request cases."""
    results: list[Result] = []
    for path in files:
        spec = _read(path)
        policy_path = path.parent / spec.policy if spec.policy is not None else default_policy
        policy, revision = load_policy(policy_path)
        built = (
            classifiers(policy) if any(case.request is not None for case in spec.cases) else None
        )
        for case in spec.cases:
            decision = decide(case, policy, revision, built)
            results.append(_result(path, case, decision))
    return results


def decide(case: Case, policy: Policy, revision: str, classifiers: Classifiers | None) -> Decision:
    principal = _principal(case.principal)
    if case.signals is not None:
        threshold = policy.classifiers.complexity.threshold
        score = case.signals.complexity
        signals = Signals(
            SensitivitySignal(Level.parse(case.signals.level), case.signals.entities, 1.0),
            ComplexitySignal(score, "complex" if score >= threshold else "simple"),
        )
        facts = RequestFacts(
            model=case.model,
            edge_queue=case.edge_queue,
            unclassified=frozenset(case.unclassified),
        )
        return evaluate(policy, revision, signals, principal, facts, case.name)
    if case.request is None or classifiers is None:
        raise ValueError(f"case {case.name!r}: a request case needs the policy's classifiers")
    request = {"model": "auto", **case.request}
    body = (ChatCompletionRequest if "messages" in request else CompletionRequest).model_validate(
        request
    )
    # Classified as the gateway classifies it: what the cloud could be sent.
    cloud, _ = forwarded(body.as_json(), CLOUD_FIELDS)
    found = classified(cloud)
    signals = classifiers.classify_segments(found)
    facts = RequestFacts(
        model=body.model,
        prompt_tokens=estimated_tokens(found),
        max_tokens=getattr(body, "max_completion_tokens", None) or body.max_tokens,
        edge_queue=case.edge_queue,
        unclassified=unclassified_kinds(cloud) | signals.sensitivity.unreadable,
    )
    return evaluate(policy, revision, signals, principal, facts, case.name)


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


def _read(path: Path) -> TestFile:
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


def _principal(spec: PrincipalSpec | None) -> Principal | None:
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
