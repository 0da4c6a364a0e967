from __future__ import annotations

import json

import pytest

from gateway.audit.chain import GENESIS, RESERVED, canonical, event_hash, seal


def test_seal_adds_the_chain_fields_and_the_hash_recomputes() -> None:
    event = {"route": "edge", "user": "zoë", "n": [1, 2]}
    line, digest = seal(event, 1, GENESIS)
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    record = json.loads(line)
    assert record == {**event, "seq": 1, "prev_hash": GENESIS, "hash": digest}
    assert digest.startswith("sha256:")
    assert len(digest) == len(GENESIS)
    assert event_hash(record) == digest
    assert event == {"route": "edge", "user": "zoë", "n": [1, 2]}  # not mutated


def test_the_line_is_canonical_json() -> None:
    line, _ = seal({"b": 1, "a": "é"}, 7, GENESIS)
    record = json.loads(line)
    assert line == canonical(record) + b"\n"
    assert "é".encode() in line  # not \u-escaped
    assert b" " not in line


def test_the_hash_depends_on_content_seq_and_prev_hash() -> None:
    _, base = seal({"a": 1}, 1, GENESIS)
    assert seal({"a": 2}, 1, GENESIS)[1] != base
    assert seal({"a": 1}, 2, GENESIS)[1] != base
    assert seal({"a": 1}, 1, base)[1] != base
    assert seal({"a": 1}, 1, GENESIS)[1] == base


def test_an_edited_record_no_longer_matches_its_hash() -> None:
    line, digest = seal({"status": 200}, 1, GENESIS)
    record = json.loads(line)
    record["status"] = 403
    assert event_hash(record) != digest


@pytest.mark.parametrize("key", sorted(RESERVED))
def test_an_event_that_sets_a_chain_field_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match=key):
        seal({key: "x", "route": "edge"}, 1, GENESIS)


def test_values_that_are_not_json_are_refused() -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        seal({"latency": float("nan")}, 1, GENESIS)
    with pytest.raises(TypeError):
        seal({"when": object()}, 1, GENESIS)


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"a": 1},
        {"zeta": None},
        {"h": 1, "ha": 2, "has": 3, "hasg": 4, "hasi": 5, "hash_x": 6, "hashz": 7},
        {"HASH": "upper sorts first", "_x": [1, {"b": 2, "a": "é"}], "ñ": {"q": 1.5}},
        {"prev": "before prev_hash", "seq_x": "after seq", "s": True},
    ],
)
def test_the_line_is_the_canonical_record_with_its_hash(event: dict[str, object]) -> None:
    # The line is built from one serialization around the hash; it must be exactly
    # the canonical JSON of the whole record, whatever keys sort around "hash".
    line, digest = seal(event, 3, GENESIS)
    record = {**event, "seq": 3, "prev_hash": GENESIS}
    assert digest == event_hash(record)
    assert line == canonical({**record, "hash": digest}) + b"\n"
