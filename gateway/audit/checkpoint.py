"""The chain's checkpoint: the seq and hash of the last event known to be on disk,
kept beside the log (`.audit.jsonl.head`).

A hash chain alone cannot show that events were cut off its end: the shorter chain is
still a valid chain. The checkpoint can, and `audit verify` and the writer's start
both compare the log with it. It is written only after the events it names were
fsynced, so a crash leaves it behind the log, never ahead of it.

The writer rewrites it once per fsync of the log, and only when the head moved: in
place, one `pwrite` of a fixed-size record on a descriptor held open, without an fsync
of its own until the chain is closed. A lagging checkpoint is allowed (see above), and
the record fits in one 512-byte sector, whose overwrite is atomic on disks (as
PostgreSQL relies on for its pg_control), so a crash leaves the old or the new head,
never a mix of the two. Someone able to
rewrite the log can rewrite this file too; for that, compare with a head recorded
elsewhere (`audit verify --head SEQ:HASH`, from the exported events, say).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import NamedTuple

from gateway.audit.files import fsync_and_close


class Head(NamedTuple):
    """The last event written: the next one gets `seq + 1` and chains from `hash`."""

    seq: int
    hash: str


def checkpoint_path(active: Path) -> Path:
    return active.parent / f".{active.name}.head"


# One record, padded with spaces (which JSON ignores) to a fixed size, well inside a
# 512-byte sector: every write overwrites the whole of the last one.
RECORD_BYTES = 256


def _record(head: Head) -> bytes:
    data = json.dumps({"seq": head.seq, "hash": head.hash}).encode()
    if len(data) > RECORD_BYTES:
        raise ValueError(f"checkpoint record longer than {RECORD_BYTES} bytes")
    return data.ljust(RECORD_BYTES)


class CheckpointFile:
    """The checkpoint of one active file, held open while the chain is written. Not
    thread-safe: the writer calls it from one thread at a time."""

    def __init__(self, active: Path) -> None:
        self._path = checkpoint_path(active)
        self._fd: int | None = None
        self._written: Head | None = None

    def open(self) -> None:
        if self._fd is not None:  # reopened after a failure closed the log
            os.close(self._fd)
            self._fd = None
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
        # Not truncated: until the first write the last checkpoint stays readable (one
        # written by an earlier version is shorter than a record, which covers it).
        self._fd = os.open(self._path, flags, 0o600)

    @property
    def is_open(self) -> bool:
        return self._fd is not None

    def write(self, head: Head) -> None:
        """Records `head`, whose events must already be fsynced; no-op unless it is
        past the head last written (an fsync that began before a later one ended)."""
        if self._fd is None:
            raise OSError(f"checkpoint {self._path} is not open")
        if self._written is not None and head.seq <= self._written.seq:
            return
        if os.pwrite(self._fd, _record(head), 0) != RECORD_BYTES:
            raise OSError(f"short write to checkpoint {self._path}")
        self._written = head

    def close(self) -> None:
        """fsyncs (the one fsync of the checkpoint) and closes."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        fsync_and_close(fd)


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
