"""The `hybridgate` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from gateway.cli import audit, inspection, policy, serve, token
from gateway.cli.command import Command, UsageError
from gateway.cli.settings import ConfigError, load_settings
from gateway.policy.loader import PolicyError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hybridgate", description=__doc__)
    parser.add_argument("--config", type=Path, help="hybridgate.yaml (default: $HYBRIDGATE_CONFIG)")
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    # In the order `hybridgate --help` lists them: services first, then inspection.
    serve.add_commands(commands)
    token.add_commands(commands)
    inspection.add_prompt_commands(commands)
    policy.add_commands(commands)
    audit.add_commands(commands)
    inspection.add_eval_command(commands)
    return parser


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
    except UsageError as exc:
        print(f"hybridgate: {exc}", file=sys.stderr)
        return 2
