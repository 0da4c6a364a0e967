"""Where a chain lives on disk.

A chain is one active file, say `audit.jsonl`, and the files rotated away from it, named
`audit-000000000001.jsonl`, `audit-000000000002.jsonl`, ...: the stem, a dash, a
12-digit rotation number counting up from 1, and the suffix. The number, not the seq of
a file's first event, names a file because a file rotated away for its torn tail may hold
no complete event at all. Zero padding makes the names sort in chain order; the active
file always comes last.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_DIGITS = 12
_CHUNK = 64 * 1024


def _rotated_pattern(active: Path) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(active.stem)}-(\d{{{_DIGITS}}}){re.escape(active.suffix)}")


def _rotated(active: Path) -> list[tuple[int, Path]]:
    if not active.parent.is_dir():
        return []
    pattern = _rotated_pattern(active)
    found = ((pattern.fullmatch(p.name), p) for p in active.parent.iterdir())
    return sorted((int(m.group(1)), p) for m, p in found if m)


def chain_files(active: Path) -> list[Path]:
    """The rotated files in chain order, then the active file if it exists."""
    files = [p for _, p in _rotated(active)]
    return [*files, active] if active.exists() else files


def next_rotated_name(active: Path) -> Path:
    taken = _rotated(active)
    number = taken[-1][0] + 1 if taken else 1
    return active.with_name(f"{active.stem}-{number:0{_DIGITS}d}{active.suffix}")


def discover(target: Path) -> list[Path]:
    """The chain's files for a directory holding one chain, or for its active file."""
    if not target.is_dir():
        return chain_files(target)
    # Files without a suffix (the principal-key beside the log) and hidden files are
    # not chain files.
    actives = {
        _active_name(p)
        for p in target.iterdir()
        if p.is_file() and p.suffix and not p.name.startswith(".")
    }
    if len(actives) != 1:
        raise ValueError(f"{target} holds {len(actives)} chains: name the active file")
    return chain_files(target / actives.pop())


def _holds_chain_files(directory: Path) -> bool:
    return any(p.is_file() and p.suffix and not p.name.startswith(".") for p in directory.iterdir())


def discover_chains(target: Path) -> dict[Path, list[Path]]:
    """Each chain under `target`, by its directory, in name order: `target`'s own if
    it holds one (or is an active file), else those of the directories below it at any
    depth, such as one directory per replica (`logs/hg-0/`, `logs/hg-1/`, each a copy
    of a pod's audit directory). Every replica writes a chain of its own, which is
    verified on its own: interleaving them would read as tampering. Raises ValueError
    when there is no chain at all, or a directory holds several."""
    if not target.is_dir() or _holds_chain_files(target):
        return {target: discover(target)}
    chains = _chains_below(target)
    if not chains:
        raise ValueError(f"{target} holds no audit chain")
    return chains


def _chains_below(directory: Path) -> dict[Path, list[Path]]:
    chains: dict[Path, list[Path]] = {}
    for sub in sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith(".")):
        chains.update({sub: discover(sub)} if _holds_chain_files(sub) else _chains_below(sub))
    return chains


def _active_name(path: Path) -> str:
    m = re.fullmatch(rf"(.+)-\d{{{_DIGITS}}}({re.escape(path.suffix)})", path.name)
    return m.group(1) + m.group(2) if m else path.name


def is_torn(path: Path) -> bool:
    """True when the file ends in a line without its newline: a write cut short."""
    with path.open("rb") as f:
        if f.seek(0, os.SEEK_END) == 0:
            return False
        f.seek(-1, os.SEEK_END)
        return f.read(1) != b"\n"


def last_complete_line(path: Path) -> bytes | None:
    """The last newline-terminated line, read backwards so a large file costs one chunk."""
    with path.open("rb") as f:
        pos = f.seek(0, os.SEEK_END)
        buf = b""
        while pos > 0:
            step = min(_CHUNK, pos)
            pos -= step
            f.seek(pos)
            buf = f.read(step) + buf
            end = buf.rfind(b"\n")
            if end == -1:
                continue
            start = buf.rfind(b"\n", 0, end)
            if start != -1 or pos == 0:
                return buf[start + 1 : end + 1]
    return None


def fsync_and_close(fd: int) -> None:
    """fsyncs `fd` and closes it, even when the fsync fails."""
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(directory: Path) -> None:
    """Makes a create or rename in `directory` survive a crash."""
    fsync_and_close(os.open(directory, os.O_RDONLY | os.O_DIRECTORY))
