"""`hybridgate policy check|test|replay`: a policy file before it is deployed."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway.cli.audit import audit_files, since
from gateway.cli.settings import Settings
from gateway.policy.loader import PolicyError

if TYPE_CHECKING:  # the classifiers are imported only by the commands that run them
    from gateway.policy.planning import PlanConfig


def _print_problems(error: PolicyError) -> None:
    for problem in error.problems:
        print(problem, file=sys.stderr)


def _policy_check(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.policy.check import check_policy

    try:
        warnings = check_policy(args.file)
    except PolicyError as exc:
        _print_problems(exc)
        return 1
    for warning in warnings:
        print(warning, file=sys.stderr)
    print(f"{args.file}: ok" + (f" ({len(warnings)} warnings)" if warnings else ""))
    return 0


def planning_config(settings: Settings) -> PlanConfig:
    """What the gateway under these settings decides with: the configured field
    allow-lists and classification budget, so that `policy test` decides alike."""
    from gateway.classify.budget import Budget
    from gateway.policy.planning import PlanConfig

    limits = settings.classification
    return PlanConfig(
        tuple(settings.backends.cloud.forward_fields),
        tuple(settings.backends.edge.forward_fields),
        Budget(limits.max_chars, limits.timeout_s, limits.max_messages),
    )


def _policy_test(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.classify.registry import Classifiers
    from gateway.policy.testcases import run_files, table

    policy = args.policy or settings.policy.file
    files = args.files or sorted((policy.parent / "tests").glob("*.yaml"))
    if not files:
        print(
            f"hybridgate policy test: no test files in {policy.parent / 'tests'}", file=sys.stderr
        )
        return 2
    built: dict[str, Classifiers] = {}

    def classifiers(candidate: Any) -> Classifiers:
        # Policies that share recognizers (classifiers_from) share one loaded set.
        key = candidate.classifiers.model_dump_json()
        if key not in built:
            built[key] = Classifiers(candidate.classifiers)
        return built[key]

    try:
        results = run_files(files, policy, classifiers, planning_config(settings))
    except PolicyError as exc:
        _print_problems(exc)
        return 2
    print(table(results))
    return 0 if all(r.passed for r in results) else 1


def _policy_replay(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.audit.log import read_principal_key
    from gateway.audit.query import iter_events
    from gateway.audit.replay import Replayer
    from gateway.classify.signals import Level
    from gateway.policy.loader import load_policy

    try:
        candidate, revision = load_policy(args.candidate)
        start = since(args.since)
    except PolicyError as exc:
        _print_problems(exc)
        return 1
    except ValueError as exc:
        print(f"hybridgate policy replay: --since: {exc}", file=sys.stderr)
        return 2
    files = audit_files(argparse.Namespace(files=args.audit), settings)
    if not files:
        print("hybridgate policy replay: no audit files found", file=sys.stderr)
        return 1
    replayer = Replayer(
        candidate,
        revision,
        read_principal_key(files[-1].parent),
        settings.telemetry.report,
        Level.parse(args.fail_level),
        start,
    )
    report = replayer.run(iter_events(files))
    print(json.dumps(report.as_json(), indent=2) if args.json else report.table())
    return report.exit_code


def add_commands(commands: Any) -> None:
    policy = commands.add_parser("policy", help="policy files")
    policy_commands = policy.add_subparsers(dest="policy_command", required=True)
    check = policy_commands.add_parser("check", help="validate a policy file")
    check.add_argument("file", type=Path)
    check.set_defaults(func=_policy_check)
    test = policy_commands.add_parser("test", help="run policy test cases (YAML)")
    test.add_argument(
        "files", nargs="*", type=Path, help="test files (default: tests/*.yaml beside the policy)"
    )
    test.add_argument("--policy", type=Path, help="policy for files that name none")
    test.set_defaults(func=_policy_test)
    replay = policy_commands.add_parser(
        "replay", help="evaluate a candidate policy over the audit log's decisions"
    )
    replay.add_argument("candidate", type=Path, help="the candidate policy file")
    replay.add_argument("--since", help="ISO time, or an age such as 15m, 2h, 7d")
    replay.add_argument(
        "--audit",
        nargs="*",
        type=Path,
        default=[],
        help="audit files or a directory (default: audit.path and its rotations)",
    )
    replay.add_argument("--json", action="store_true")
    replay.add_argument(
        "--fail-level",
        choices=["public", "internal", "confidential", "restricted"],
        default="confidential",
        help="exit 3 when decisions at or above this level would newly go to the cloud",
    )
    replay.set_defaults(func=_policy_replay)
