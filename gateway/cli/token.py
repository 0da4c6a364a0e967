"""`hybridgate dev-token`: a token from the local dev issuer."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gateway.cli.settings import Settings


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


def add_commands(commands: Any) -> None:
    token = commands.add_parser("dev-token", help="print a token from the local dev issuer")
    token.add_argument("--user", required=True, help="the subject and display name")
    token.add_argument("--roles", nargs="*", default=[], help="app roles, e.g. Hybridgate.Admin")
    token.add_argument(
        "--scopes", nargs="*", default=["access_as_user"], help="delegated scopes (scp)"
    )
    token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    token.add_argument("--app", action="store_true", help="an app-only token (no scp)")
    token.set_defaults(func=_dev_token)
