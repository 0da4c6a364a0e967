"""The commands that read the audit log: `audit verify`, `audit query` and `report`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from gateway.cli.command import UsageError, existing
from gateway.cli.settings import Settings


def audit_chains(args: argparse.Namespace, settings: Settings) -> list[list[Path]]:
    """The chains named in `args.files`, each a list of files in chain order: files
    named one by one are one chain, in the order given; a directory is its chain, or,
    holding directories, the chains below it (one per replica). Without files, the
    configured log's rotated files, then its active one."""
    from gateway.audit.files import discover, discover_chains

    if not args.files:
        default = settings.audit.resolved_path(settings.server.state_dir)
        return [[f for f in discover(default) if f.exists()]]
    named: list[Path] = []
    chains: list[list[Path]] = []
    for path in map(existing, args.files):
        if not path.is_dir():
            named.append(path)
            continue
        try:
            chains.extend(discover_chains(path).values())
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
    return [named, *chains] if named else chains


def audit_files(args: argparse.Namespace, settings: Settings) -> list[Path]:
    """Every file of every chain `audit_chains` finds: what `audit query` and `report`
    read, several replicas' logs merged."""
    return [f for chain in audit_chains(args, settings) for f in chain]


def since(value: str | None) -> datetime | None:
    from gateway.audit.query import parse_since

    return parse_since(value)


def _audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.audit.checkpoint import parse_head, read_checkpoint
    from gateway.audit.verify import verify

    chains = [files for files in audit_chains(args, settings) if files]
    if not chains:
        print("hybridgate audit: no audit files found", file=sys.stderr)
        return 2
    if args.head and len(chains) > 1:
        # A head belongs to one chain: applied to each, all but one would fail.
        print(
            f"hybridgate audit: --head: names one chain's head, not {len(chains)}", file=sys.stderr
        )
        return 2
    reports = []
    for files in chains:
        try:
            # A head given on the command line, else the checkpoint beside the newest file.
            head = parse_head(args.head) if args.head else read_checkpoint(files[-1])
        except ValueError as exc:
            print(f"hybridgate audit: --head: {exc}", file=sys.stderr)
            return 2
        reports.append((files, verify(files, head)))
    if len(reports) == 1:
        print(reports[0][1].describe())
        return 0 if reports[0][1].ok else 1
    # Each replica's chain on its own, then the fleet's verdict.
    for files, report in reports:
        print(f"== {files[-1].parent} (replica {replica_of(files)})")
        print(report.describe())
    tampered = sum(1 for _, report in reports if not report.ok)
    verdict = "OK" if not tampered else "TAMPERED"
    print(f"{verdict}: {len(reports) - tampered} of {len(reports)} chains verified")
    return 0 if not tampered else 1


def replica_of(files: list[Path]) -> str:
    """The replica id of a chain's newest event (a chain has one writer); "-" for
    events written before they carried one. One line read, not the whole chain again."""
    from gateway.audit.files import last_complete_line

    for path in reversed(files):
        line = last_complete_line(path)
        if line is None:
            continue
        try:
            event = json.loads(line)
        except ValueError:
            return "-"  # verify names the malformed line
        replica = event.get("replica") if isinstance(event, dict) else None
        return replica if isinstance(replica, str) else "-"
    return "-"


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
        help="files of one chain in chain order, or directories: a chain's, or one holding "
        "several replicas' directories, each chain verified on its own (default: audit.path)",
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
    report.add_argument(
        "files",
        nargs="*",
        type=Path,
        help="files or directories; several replicas' logs (or a directory of their "
        "directories) are merged (default: audit.path and its rotations)",
    )
    report.add_argument("--since", help="ISO time, or an age such as 15m, 2h, 7d")
    report.add_argument("--json", action="store_true")
    report.set_defaults(func=_report)
