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
    """Returns the event's line (with its newline) and its hash.

    The line is `canonical()` of the record with its hash, built from one
    serialization: the record's keys before "hash" and those after it are encoded
    apart, hashed joined, and joined again around the hash."""
    taken = RESERVED.intersection(event)
    if taken:
        raise ValueError(f"audit event must not set the chain fields {sorted(taken)}")
    record = {**event, "seq": seq, "prev_hash": prev_hash}
    before = canonical({k: v for k, v in record.items() if k < "hash"})[:-1]
    after = canonical({k: v for k, v in record.items() if k > "hash"})[1:]
    # `after` always holds "prev_hash" and "seq"; `before` may be "{" alone.
    joiner = b"" if before == b"{" else b","
    digest = _digest(before + joiner + after)
    field = b'"hash":"' + digest.encode() + b'",'
    return before + joiner + field + after + b"\n", digest


def event_hash(record: dict[str, Any]) -> str:
    """The hash `record` should carry, recomputed from everything but its `hash`."""
    return _digest(canonical({k: v for k, v in record.items() if k != "hash"}))
