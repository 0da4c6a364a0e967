"""What a command is to `main`: a function of the parsed arguments and the settings,
returning the exit status, or raising one of the errors `main` turns into a message."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from gateway.cli.settings import Settings

Command = Callable[[argparse.Namespace, Settings], int]


class UsageError(RuntimeError):
    """A file or value named on the command line cannot be used; the message says which.
    `main` prints it on one line and exits 2, without a traceback."""


def given(args: argparse.Namespace, *names: str) -> dict[str, object]:
    """The options among `names` that were given on the command line."""
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}


def existing(path: Path) -> Path:
    """A path named on the command line, refused up front when it is not there, so the
    user reads which one rather than a traceback from deep inside a reader."""
    if not path.exists():
        raise UsageError(f"{path}: no such file or directory")
    return path
