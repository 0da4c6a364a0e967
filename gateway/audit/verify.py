"""Checks a chain's files line by line and reports the first sign of tampering, with
its file and line. A torn last line of a file is what a crash leaves, not tampering."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from gateway.audit.chain import GENESIS, event_hash
from gateway.audit.checkpoint import Head

Kind = Literal["malformed", "altered", "duplicated", "deleted or reordered", "truncated"]


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int  # 1-based
    seq: int | None
    kind: Kind
    detail: str

    def __str__(self) -> str:
        seq = "" if self.seq is None else f" (seq {self.seq})"
        return f"{self.kind} at {self.path}:{self.line}{seq}: {self.detail}"


@dataclass(frozen=True)
class TornTail:
    path: Path
    line: int


@dataclass
class VerifyReport:
    ok: bool
    events: int
    files: int
    problem: Problem | None = None
    torn_tails: list[TornTail] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        verdict = "OK" if self.ok else "TAMPERED"
        lines = [f"{verdict}: {self.events} events verified in {self.files} files"]
        if self.problem is not None:
            lines.append(f"first problem: {self.problem}")
        lines += [
            f"torn tail (a write cut short by a crash): {t.path}:{t.line}" for t in self.torn_tails
        ]
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


class _Broken(Exception):
    def __init__(self, kind: Kind, detail: str, seq: int | None) -> None:
        super().__init__(detail)
        self.kind, self.detail, self.seq = kind, detail, seq


@dataclass
class _Chain:
    """What the next event must chain from; None before the first."""

    seq: int | None = None
    hash: str = GENESIS
    events: int = 0
    notes: list[str] = field(default_factory=list)
    checkpoint: Head | None = None

    def check(self, raw: bytes) -> None:
        record = _parse(raw)
        seq, prev = record["seq"], record["prev_hash"]
        if event_hash(record) != record["hash"]:
            raise _Broken("altered", "hash does not match the contents", seq)
        checkpoint = self.checkpoint
        if checkpoint is not None and seq == checkpoint.seq and record["hash"] != checkpoint.hash:
            raise _Broken("altered", "differs from the event the checkpoint records", seq)
        if self.seq is not None and record["hash"] == self.hash:
            raise _Broken("duplicated", f"repeats seq {self.seq}", seq)
        if self.seq is None and seq != 1:
            self.notes.append(f"starts at seq {seq}, chained from {prev}")
        elif prev != self.hash or seq != (self.seq or 0) + 1:
            expected = (self.seq or 0) + 1
            raise _Broken("deleted or reordered", f"expected seq {expected} after {self.hash}", seq)
        self.seq, self.hash = seq, record["hash"]
        self.events += 1


def _parse(raw: bytes) -> dict[str, Any]:
    try:
        record = json.loads(raw)
    except ValueError as exc:
        raise _Broken("malformed", f"not JSON: {exc}", None) from exc
    if not isinstance(record, dict):
        raise _Broken("malformed", "not a JSON object", None)
    seq = record.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise _Broken("malformed", "no integer seq", None)
    if not all(isinstance(record.get(k), str) for k in ("prev_hash", "hash")):
        raise _Broken("malformed", "no prev_hash and hash", seq)
    return record


def _lines(path: Path) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, line, whether it is terminated); only the last may be unterminated."""
    with path.open("rb") as f:
        for number, raw in enumerate(f, 1):
            yield number, raw, raw.endswith(b"\n")


def verify(files: Sequence[Path], checkpoint: Head | None = None) -> VerifyReport:
    """`files` in chain order, as `gateway.audit.files.chain_files` lists them.

    An unterminated last line is a torn tail even if it parses: the writer never
    acknowledged it, and the chain goes on from the line before it. With a
    `checkpoint` (the chain's own, or a head recorded elsewhere), events cut off the
    end are found too, which the chain alone cannot show."""
    chain = _Chain(checkpoint=checkpoint)
    report = VerifyReport(ok=True, events=0, files=len(files), notes=chain.notes)
    for path in files:
        for number, raw, terminated in _lines(path):
            if not terminated:
                report.torn_tails.append(TornTail(path, number))
                break
            try:
                chain.check(raw)
            except _Broken as broken:
                report.ok = False
                report.problem = Problem(path, number, broken.seq, broken.kind, broken.detail)
                report.events = chain.events
                return report
    report.events = chain.events
    if checkpoint is not None and files and (chain.seq or 0) < checkpoint.seq:
        last = files[-1]
        report.ok = False
        report.problem = Problem(
            last,
            sum(1 for _ in _lines(last)) + 1,
            chain.seq,
            "truncated",
            f"the log ends at seq {chain.seq or 0} but the checkpoint records seq "
            f"{checkpoint.seq}: events were deleted from its end",
        )
    return report
