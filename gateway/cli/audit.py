"""The commands that read the audit log: `audit verify`, `audit query` and `report`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from gateway.cli.command import existing
from gateway.cli.settings import Settings


def audit_files(args: argparse.Namespace, settings: Settings) -> list[Path]:
    """The files named in `args.files` (a directory: its chain), else the configured
    log's rotated files, then its active one."""
    from gateway.audit.files import discover

    if not args.files:
        default = settings.audit.resolved_path(settings.server.state_dir)
        return [f for f in discover(default) if f.exists()]
    files: list[Path] = []
    for path in map(existing, args.files):
        files.extend(discover(path) if path.is_dir() else [path])
    return files


def since(value: str | None) -> datetime | None:
    from gateway.audit.query import parse_since

    return parse_since(value)


def _audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.audit.checkpoint import parse_head, read_checkpoint
    from gateway.audit.verify import verify

    files = audit_files(args, settings)
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


def _audit_query(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.audit.log import read_principal_key
    from gateway.audit.query import Filter, format_table, iter_events, select

    audit_dir = settings.audit.resolved_path(settings.server.state_dir).parent
    wanted = Filter(
        since=since(args.since),
        until=since(args.until),
        principal=args.principal,
        # Hashed principals are found by hashing the id asked for with the log's key.
        principal_key=read_principal_key(audit_dir),
        route=args.route,
        rule=args.rule,
        level=args.level,
        status=args.status,
    )
    found = list(select(iter_events(audit_files(args, settings)), wanted))
    if args.json:
        for event in found:
            print(json.dumps(event, sort_keys=True))
    else:
        print(format_table(found))
    return 0


def _report(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.audit.query import Filter, iter_events, select
    from gateway.audit.report import build_report, format_report

    events = select(iter_events(audit_files(args, settings)), Filter(since=since(args.since)))
    report = build_report(events, settings.telemetry.report)
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        print(format_report(report, settings.telemetry.report))
    return 0


def add_commands(commands: Any) -> None:
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
