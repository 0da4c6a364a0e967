"""The hash chain: each event carries its `seq`, the previous event's hash and its own
hash over its canonical JSON, so an edit, deletion or reordering breaks the chain."""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "sha256:" + "0" * 64
RESERVED = frozenset({"seq", "prev_hash", "hash"})


def canonical(obj: Any) -> bytes:
    """Sorted keys and no whitespace make the bytes, and so the hash, independent of how
    the event was built. NaN and infinities are refused: they are not JSON, and a
    verifier in another language could not read them back."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def seal(event: dict[str, Any], seq: int, prev_hash: str) -> tuple[bytes, str]:
    """Returns the event's line (with its newline) and its hash."""
    taken = RESERVED.intersection(event)
    if taken:
        raise ValueError(f"audit event must not set the chain fields {sorted(taken)}")
    record = {**event, "seq": seq, "prev_hash": prev_hash}
    digest = _digest(canonical(record))
    record["hash"] = digest
    return canonical(record) + b"\n", digest


def event_hash(record: dict[str, Any]) -> str:
    """The hash `record` should carry, recomputed from everything but its `hash`."""
    return _digest(canonical({k: v for k, v in record.items() if k != "hash"}))
