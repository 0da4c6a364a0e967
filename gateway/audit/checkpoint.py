"""The chain's checkpoint: the seq and hash of the last event known to be on disk,
kept beside the log (`.audit.jsonl.head`).

A hash chain alone cannot show that events were cut off its end: the shorter chain is
still a valid chain. The checkpoint can, and `audit verify` and the writer's start
both compare the log with it. It is written only after the events it names were
fsynced, so a crash leaves it behind the log, never ahead of it. Someone able to
rewrite the log can rewrite this file too; for that, compare with a head recorded
elsewhere (`audit verify --head SEQ:HASH`, from the exported events, say).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import NamedTuple


class Head(NamedTuple):
    """The last event written: the next one gets `seq + 1` and chains from `hash`."""

    seq: int
    hash: str


def checkpoint_path(active: Path) -> Path:
    return active.parent / f".{active.name}.head"


def write_checkpoint(active: Path, head: Head) -> None:
    path = checkpoint_path(active)
    staging = path.with_name(path.name + ".tmp")
    descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        os.write(descriptor, json.dumps({"seq": head.seq, "hash": head.hash}).encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.replace(staging, path)


def read_checkpoint(active: Path) -> Head | None:
    try:
        data = json.loads(checkpoint_path(active).read_text())
        return parse_head(f"{data['seq']}:{data['hash']}")
    except (OSError, ValueError, KeyError, TypeError):
        return None


def parse_head(text: str) -> Head:
    """`SEQ:HASH`, as `audit verify --head` takes it."""
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or not digest.startswith("sha256:"):
        raise ValueError(f"expected SEQ:sha256:HEX, got {text!r}")
    return Head(int(seq), digest)
