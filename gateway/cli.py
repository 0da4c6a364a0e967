"""The `hybridgate` command."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from gateway.policy.loader import PolicyError
from gateway.settings import ConfigError, Settings, load_settings, with_overrides

# Open streams get this long to finish on Ctrl-C; then they are cut and, on the edge,
# their generation cancelled.
GRACEFUL_SHUTDOWN_S = 5

# Pinned rather than "auto": Ray brings uvloop and httptools, which uvicorn would then
# pick; everything here was built and tested on asyncio and h11, and the header size
# limit below is h11's.
SERVER_IMPLEMENTATION: dict[str, Any] = {"loop": "asyncio", "http": "h11"}

Command = Callable[[argparse.Namespace, Settings], int]


def _run_server(server: Any) -> int:
    """Runs a uvicorn server until SIGINT or SIGTERM. uvicorn shuts down gracefully and
    then re-raises the signal; for SIGINT that is a KeyboardInterrupt, which is how
    this command is meant to stop, not an error with a traceback."""
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from gateway import access_log
    from gateway.app import create_app
    from gateway.policy.loader import load_policy

    settings = with_overrides(settings, "server", _given(args, "host", "port"))
    load_policy(settings.policy.file)  # refuse to start on a bad policy, with file:line
    config = uvicorn.Config(
        create_app(settings),
        host=settings.server.host,
        port=settings.server.port,
        log_level=args.log_level,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        **SERVER_IMPLEMENTATION,
        # Room for a 16 KiB Authorization header plus the rest, so that an oversized
        # token gets the gateway's own 401 instead of h11's bare 400.
        h11_max_incomplete_event_size=64 * 1024,
    )
    server = uvicorn.Server(config)  # Config() sets up uvicorn's loggers
    access_log.install()
    return _run_server(server)


def _edge_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from edge.server import create_edge_app
    from gateway import access_log

    overrides = _given(args, "host", "port", "model_path", "model_id")
    edge = with_overrides(settings, "edge", overrides).edge
    config = uvicorn.Config(
        create_edge_app(edge),
        host=edge.host,
        port=edge.port,
        log_level=args.log_level,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        **SERVER_IMPLEMENTATION,
    )
    server = uvicorn.Server(config)
    access_log.install()
    return _run_server(server)


def _cloud_up(args: argparse.Namespace, settings: Settings) -> int:
    from cloud import local

    cloud = with_overrides(settings, "cloud", _given(args, "host", "port")).cloud
    try:
        if args.foreground:
            return local.run(cloud)
        running, seconds = local.start(cloud, settings.server.state_dir, args.config)
    except local.CloudError as exc:
        print(f"hybridgate cloud: {exc}", file=sys.stderr)
        return 1
    print(f"hybridgate cloud: {cloud.model_id} ready at {running.url}/v1 after {seconds:.1f}s")
    print("hybridgate cloud down stops it.")
    return 0


def _cloud_down(args: argparse.Namespace, settings: Settings) -> int:
    from cloud import local

    try:
        stopped = local.stop(settings.server.state_dir)
    except local.CloudError as exc:
        print(f"hybridgate cloud: {exc}", file=sys.stderr)
        return 1
    print("hybridgate cloud: stopped" if stopped else "hybridgate cloud: was not running")
    return 0


def _dev_token(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.auth.dev import load_or_create_key, mint_dev_token

    if settings.auth.mode != "dev":
        print(
            "hybridgate: warning: auth.mode is not dev; the gateway will refuse this token",
            file=sys.stderr,
        )
    token = mint_dev_token(
        load_or_create_key(settings.server.state_dir),
        settings.auth.dev,
        user=args.user,
        roles=_split(args.roles),
        scopes=_split(args.scopes),
        ttl_s=args.ttl,
        app=args.app,
    )
    print(token)
    return 0


def _split(values: list[str]) -> list[str]:
    return [item for value in values for item in value.replace(",", " ").split()]


def _classifiers(policy: Path) -> Any:
    from gateway.classify.options import ClassifierConfigError
    from gateway.classify.registry import Classifiers
    from gateway.policy.loader import load_classifier_options

    try:
        options = load_classifier_options(policy)
    except ClassifierConfigError as exc:  # a bad --policy: a message, not a traceback
        raise PolicyError(str(exc).splitlines()) from exc
    return Classifiers(options)


def _classify(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from gateway.classify.extract import Segment

    prompts = _prompts(args)
    classifiers = _classifiers(args.policy or settings.policy.file)
    for prompt in prompts:
        signals = classifiers.classify_segments([Segment("user", prompt)]).as_json()
        if args.json:
            print(json.dumps(signals))
        else:
            sensitivity, complexity = signals["sensitivity"], signals["complexity"]
            entities = ", ".join(f"{k}={v}" for k, v in sensitivity["entities"].items())
            print(
                f"sensitivity={sensitivity['level']} ({sensitivity['score']:.2f})"
                f" entities=[{entities}]  complexity={complexity['label']}"
                f" ({complexity['score']:.2f})"
            )
    return 0


def _prompts(args: argparse.Namespace) -> list[str]:
    if args.file is not None:
        return [line for line in args.file.read_text(encoding="utf-8").splitlines() if line]
    if args.prompt is None:
        raise ConfigError("give a PROMPT or --file F")
    return [args.prompt]


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.classify.evaluate import DEFAULT_SETS, run_evaluation

    policy = args.policy or settings.policy.file
    sets = args.set or list(DEFAULT_SETS)
    print(run_evaluation(_classifiers(policy), sets, args.split))
    return 0


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
        results = run_files(files, policy, classifiers)
    except PolicyError as exc:
        _print_problems(exc)
        return 2
    print(table(results))
    return 0 if all(r.passed for r in results) else 1


def _policy_replay(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.audit.log import read_principal_key
    from gateway.audit.query import iter_events
    from gateway.classify.signals import Level
    from gateway.policy.loader import load_policy
    from gateway.policy.replay import Replayer

    try:
        candidate, revision = load_policy(args.candidate)
        since = _since(args.since)
    except PolicyError as exc:
        _print_problems(exc)
        return 1
    except ValueError as exc:
        print(f"hybridgate policy replay: --since: {exc}", file=sys.stderr)
        return 2
    files = _audit_files(argparse.Namespace(files=args.audit), settings)
    if not files:
        print("hybridgate policy replay: no audit files found", file=sys.stderr)
        return 1
    replayer = Replayer(
        candidate,
        revision,
        read_principal_key(files[-1].parent),
        settings.telemetry.report,
        Level.parse(args.fail_level),
        since,
    )
    report = replayer.run(iter_events(files))
    print(json.dumps(report.as_json(), indent=2) if args.json else report.table())
    return report.exit_code


def _explain(args: argparse.Namespace, settings: Settings) -> int:
    import json
    import uuid

    from gateway.classify.extract import Segment
    from gateway.classify.registry import Classifiers
    from gateway.policy.engine import RequestFacts, evaluate
    from gateway.policy.loader import load_policy

    policy, revision = load_policy(args.policy or settings.policy.file)
    classifiers = Classifiers(policy.classifiers)
    for prompt in _prompts(args):
        signals = classifiers.classify_segments([Segment("user", prompt)])
        facts = RequestFacts(model=args.model, prompt_tokens=len(prompt) // 4)
        decision = evaluate(
            policy, revision, signals, None, facts, f"dec-{uuid.uuid4().hex}"
        ).as_json()
        if args.json:
            print(json.dumps(decision))
        else:
            print(
                f"route={decision['route']} rule={decision['rule']} "
                f"sensitivity={decision['sensitivity']['level']} "
                f"complexity={decision['complexity']['label']}"
            )
            for step in decision["trace"]:
                print(f"  {step}")
    return 0


def _audit_files(args: argparse.Namespace, settings: Settings) -> list[Path]:
    from gateway.audit.files import discover

    if not args.files:  # the configured log: its rotated files, then the active one
        default = settings.audit.resolved_path(settings.server.state_dir)
        return [f for f in discover(default) if f.exists()]
    files: list[Path] = []
    for path in args.files:
        files.extend(discover(path) if path.is_dir() else [path])
    return files


def _audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.audit.checkpoint import parse_head, read_checkpoint
    from gateway.audit.verify import verify

    files = _audit_files(args, settings)
    if not files:
        print("hybridgate audit: no audit files found", file=sys.stderr)
        return 2
    try:
        # A head given on the command line, else the checkpoint beside the newest file.
        head = parse_head(args.head) if args.head else read_checkpoint(files[-1])
    except ValueError as exc:
        print(f"hybridgate audit: --head: {exc}", file=sys.stderr)
        return 2
    report = verify(files, head)
    print(report.describe())
    return 0 if report.ok else 1


def _since(value: str | None) -> datetime | None:
    from gateway.audit.query import parse_since

    return parse_since(value)


def _audit_query(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.audit.log import read_principal_key
    from gateway.audit.query import Filter, format_table, iter_events, select

    audit_dir = settings.audit.resolved_path(settings.server.state_dir).parent
    wanted = Filter(
        since=_since(args.since),
        until=_since(args.until),
        principal=args.principal,
        # Hashed principals are found by hashing the id asked for with the log's key.
        principal_key=read_principal_key(audit_dir),
        route=args.route,
        rule=args.rule,
        level=args.level,
        status=args.status,
    )
    found = list(select(iter_events(_audit_files(args, settings)), wanted))
    if args.json:
        for event in found:
            print(json.dumps(event, sort_keys=True))
    else:
        print(format_table(found))
    return 0


def _report(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.audit.query import Filter, iter_events, select
    from gateway.audit.report import build_report, format_report

    events = select(iter_events(_audit_files(args, settings)), Filter(since=_since(args.since)))
    report = build_report(events, settings.telemetry.report)
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        print(format_report(report, settings.telemetry.report))
    return 0


def _up(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.stack import run_stack

    return run_stack(settings, args.config)


def _given(args: argparse.Namespace, *names: str) -> dict[str, object]:
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hybridgate", description=__doc__)
    parser.add_argument("--config", type=Path, help="hybridgate.yaml (default: $HYBRIDGATE_CONFIG)")
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    _add_service_commands(commands)
    _add_inspection_commands(commands)
    return parser


def _add_service_commands(commands: Any) -> None:
    up = commands.add_parser("up", help="start the local stack (edge server + gateway)")
    up.set_defaults(func=_up)

    serve = commands.add_parser("serve", help="start the gateway only")
    _bind_options(serve)
    serve.set_defaults(func=_serve)

    edge = commands.add_parser("edge", help="the edge inference server")
    edge_commands = edge.add_subparsers(dest="edge_command", required=True)
    edge_serve = edge_commands.add_parser("serve", help="start the edge server")
    _bind_options(edge_serve)
    edge_serve.add_argument("--model", dest="model_path", type=Path, help="any GGUF file")
    edge_serve.add_argument("--model-id", help="the model name clients send")
    edge_serve.set_defaults(func=_edge_serve)

    cloud = commands.add_parser("cloud", help="the local Ray Serve cloud")
    cloud_commands = cloud.add_subparsers(dest="cloud_command", required=True)
    cloud_up = cloud_commands.add_parser(
        "up", help="start a local Ray head and deploy the cloud app"
    )
    _bind_options(cloud_up)
    cloud_up.add_argument(
        "--foreground", action="store_true", help="run in the foreground until Ctrl-C"
    )
    cloud_up.set_defaults(func=_cloud_up)
    cloud_down = cloud_commands.add_parser("down", help="stop the local cloud `cloud up` started")
    cloud_down.set_defaults(func=_cloud_down)

    token = commands.add_parser("dev-token", help="print a token from the local dev issuer")
    token.add_argument("--user", required=True, help="the subject and display name")
    token.add_argument("--roles", nargs="*", default=[], help="app roles, e.g. Hybridgate.Admin")
    token.add_argument(
        "--scopes", nargs="*", default=["access_as_user"], help="delegated scopes (scp)"
    )
    token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    token.add_argument("--app", action="store_true", help="an app-only token (no scp)")
    token.set_defaults(func=_dev_token)


def _add_inspection_commands(commands: Any) -> None:
    classify = commands.add_parser("classify", help="print the signals of a prompt")
    _prompt_options(classify)
    classify.set_defaults(func=_classify)

    explain = commands.add_parser("explain", help="print the routing decision; no inference")
    _prompt_options(explain)
    explain.add_argument("--model", choices=["auto", "edge", "cloud"], default="auto")
    explain.set_defaults(func=_explain)

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

    audit = commands.add_parser("audit", help="the audit log")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser("verify", help="check the hash chain of audit files")
    verify.add_argument(
        "files",
        nargs="*",
        type=Path,
        help="files in chain order, or a directory (default: audit.path)",
    )
    verify.add_argument(
        "--head",
        help="SEQ:HASH of the last event recorded elsewhere (default: the log's checkpoint)",
    )
    verify.set_defaults(func=_audit_verify)
    query = audit_commands.add_parser("query", help="search the audit log")
    query.add_argument("files", nargs="*", type=Path, help="default: audit.path and its rotations")
    query.add_argument("--since", help="ISO time, or an age such as 15m, 2h, 7d")
    query.add_argument("--until", help="ISO time, or an age such as 15m, 2h, 7d")
    query.add_argument("--principal", help="an oid, tenant id or app id (clear or hashed)")
    query.add_argument("--route", choices=["edge", "cloud", "deny"])
    query.add_argument("--rule")
    query.add_argument("--level", choices=["public", "internal", "confidential", "restricted"])
    query.add_argument("--status", type=int)
    query.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    query.set_defaults(func=_audit_query)

    report = commands.add_parser("report", help="cost and performance figures from the audit log")
    report.add_argument("files", nargs="*", type=Path, help="default: audit.path and its rotations")
    report.add_argument("--since", help="ISO time, or an age such as 15m, 2h, 7d")
    report.add_argument("--json", action="store_true")
    report.set_defaults(func=_report)

    evaluate = commands.add_parser("eval", help="score the classifiers on a labelled set")
    evaluate.add_argument(
        "--set", type=Path, action="append", help="a labelled JSONL file (repeatable)"
    )
    evaluate.add_argument("--split", choices=["dev", "heldout", "all"], default="all")
    evaluate.add_argument("--policy", type=Path, help="policy file (default: policy.file)")
    evaluate.set_defaults(func=_eval)


def _prompt_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("prompt", nargs="?", help="the prompt")
    parser.add_argument("--file", type=Path, help="one prompt per line")
    parser.add_argument("--json", action="store_true", help="JSON lines")
    parser.add_argument("--policy", type=Path, help="policy file (default: policy.file)")


def _bind_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to listen on")
    parser.add_argument("--port", type=int, help="port to listen on")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
        func: Command = args.func
        return func(args, settings)
    except ConfigError as exc:
        print(f"hybridgate: configuration error:\n{exc}", file=sys.stderr)
        return 2
    except PolicyError as exc:
        print(f"hybridgate: invalid policy:\n{exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
