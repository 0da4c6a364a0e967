from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.audit.chain import GENESIS, canonical, seal
from gateway.audit.checkpoint import Head
from gateway.audit.files import chain_files, discover
from gateway.audit.verify import TornTail, verify


def chain_lines(count: int) -> list[bytes]:
    lines, prev = [], GENESIS
    for seq in range(1, count + 1):
        line, prev = seal({"i": seq, "route": "edge"}, seq, prev)
        lines.append(line)
    return lines


def write_file(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(lines))
    return path


def edited(line: bytes, **changes: object) -> bytes:
    return canonical({**json.loads(line), **changes}) + b"\n"


def test_an_intact_chain_verifies(tmp_path: Path) -> None:
    report = verify([write_file(tmp_path / "audit.jsonl", chain_lines(5))])
    assert report.ok
    assert (report.events, report.problem, report.torn_tails, report.notes) == (5, None, [], [])
    assert report.describe().startswith("OK: 5 events verified in 1 files")


def tampered(lines: list[bytes], how: str) -> list[bytes]:
    """Tampers around event 3 (line 3) of a chain."""
    k = 2
    if how == "edit":
        return [*lines[:k], edited(lines[k], route="cloud"), *lines[k + 1 :]]
    if how == "delete":
        return [*lines[:k], *lines[k + 1 :]]
    if how == "swap":
        return [*lines[:k], lines[k + 1], lines[k], *lines[k + 2 :]]
    if how == "duplicate":
        return [*lines[: k + 1], lines[k], *lines[k + 1 :]]
    if how == "malformed":
        return [*lines[:k], b'{"i":3,"route":"ed{"i":4}\n', *lines[k + 1 :]]
    if how == "blank":
        return [*lines[:k], b"\n", *lines[k:]]
    if how == "rehash":  # edited and re-sealed: the next event no longer chains
        line, _ = seal({"i": 3, "route": "cloud"}, 3, json.loads(lines[k])["prev_hash"])
        return [*lines[:k], line, *lines[k + 1 :]]
    raise AssertionError(how)


@pytest.mark.parametrize(
    ("how", "kind", "line", "seq"),
    [
        ("edit", "altered", 3, 3),
        ("delete", "deleted or reordered", 3, 4),
        ("swap", "deleted or reordered", 3, 4),
        ("duplicate", "duplicated", 4, 3),
        ("malformed", "malformed", 3, None),
        ("blank", "malformed", 3, None),
        ("rehash", "deleted or reordered", 4, 4),
    ],
)
def test_tampering_is_reported_with_its_kind_and_position(
    tmp_path: Path, how: str, kind: str, line: int, seq: int | None
) -> None:
    path = write_file(tmp_path / "audit.jsonl", tampered(chain_lines(6), how))
    report = verify([path])
    assert not report.ok
    assert report.problem is not None
    assert (report.problem.kind, report.problem.path, report.problem.line) == (kind, path, line)
    assert report.problem.seq == seq
    assert report.events == line - 1
    assert f"{path}:{line}" in report.describe()


def test_a_last_line_cut_mid_way_is_a_torn_tail_not_tampering(tmp_path: Path) -> None:
    lines = chain_lines(4)
    path = write_file(tmp_path / "audit.jsonl", [*lines[:3], lines[3][:20]])
    report = verify([path])
    assert report.ok
    assert report.events == 3
    assert report.torn_tails == [TornTail(path, 4)]
    assert "torn tail" in report.describe()


def test_a_complete_but_unterminated_last_line_is_a_torn_tail_too(tmp_path: Path) -> None:
    # The writer never acknowledged it and continues the chain from the line before.
    lines = chain_lines(3)
    path = write_file(tmp_path / "audit.jsonl", [*lines[:2], lines[2].rstrip(b"\n")])
    report = verify([path])
    assert report.ok
    assert report.events == 2
    assert report.torn_tails == [TornTail(path, 3)]


def three_files(tmp_path: Path) -> list[Path]:
    lines = chain_lines(9)
    active = tmp_path / "audit.jsonl"
    files = [
        write_file(tmp_path / "audit-000000000001.jsonl", lines[:3]),
        write_file(tmp_path / "audit-000000000002.jsonl", lines[3:6]),
        write_file(active, lines[6:]),
    ]
    assert chain_files(active) == files
    return files


def test_the_chain_is_checked_across_files(tmp_path: Path) -> None:
    files = three_files(tmp_path)
    assert verify(files).ok
    assert verify(files).events == 9
    assert discover(tmp_path) == files
    assert discover(files[-1]) == files


def test_a_deleted_file_breaks_the_chain_at_the_next_file(tmp_path: Path) -> None:
    files = three_files(tmp_path)
    report = verify([files[0], files[2]])
    assert report.problem is not None
    assert (report.problem.kind, report.problem.path, report.problem.line) == (
        "deleted or reordered",
        files[2],
        1,
    )


def test_a_deleted_first_line_of_a_file_is_found_there(tmp_path: Path) -> None:
    files = three_files(tmp_path)
    files[1].write_bytes(b"".join(files[1].read_bytes().splitlines(keepends=True)[1:]))
    report = verify(files)
    assert report.problem is not None
    assert (report.problem.path, report.problem.line, report.problem.seq) == (files[1], 1, 5)


def test_a_torn_tail_inside_the_chain_is_fine_when_the_next_file_chains_past_it(
    tmp_path: Path,
) -> None:
    lines = chain_lines(4)
    torn = write_file(tmp_path / "audit-000000000001.jsonl", [*lines[:2], b'{"i":3,"ro'])
    active = write_file(tmp_path / "audit.jsonl", lines[2:])
    report = verify([torn, active])
    assert report.ok
    assert report.events == 4
    assert report.torn_tails == [TornTail(torn, 3)]


def test_a_chain_may_start_at_a_later_event_as_an_anchor(tmp_path: Path) -> None:
    files = three_files(tmp_path)
    anchor = json.loads(files[1].read_bytes().splitlines()[0])
    report = verify(files[1:])
    assert report.ok
    assert report.events == 6
    assert report.notes == [f"starts at seq 4, chained from {anchor['prev_hash']}"]


def test_seq_1_must_chain_from_genesis(tmp_path: Path) -> None:
    line, _ = seal({"i": 1}, 1, "sha256:" + "1" * 64)
    report = verify([write_file(tmp_path / "audit.jsonl", [line])])
    assert report.problem is not None
    assert report.problem.kind == "deleted or reordered"


def test_a_line_without_chain_fields_is_malformed(tmp_path: Path) -> None:
    lines = chain_lines(2)
    path = write_file(tmp_path / "audit.jsonl", [lines[0], b'{"i":2}\n', lines[1]])
    report = verify([path])
    assert report.problem is not None
    assert (report.problem.kind, report.problem.line) == ("malformed", 2)


def head_of(line: bytes) -> Head:
    record = json.loads(line)
    return Head(record["seq"], record["hash"])


def test_events_cut_off_the_end_are_found_only_with_a_checkpoint(tmp_path: Path) -> None:
    lines = chain_lines(5)
    path = write_file(tmp_path / "audit.jsonl", lines[:3])
    # The chain alone cannot tell: a shorter chain is still a chain.
    assert verify([path]).ok
    report = verify([path], checkpoint=head_of(lines[4]))
    assert not report.ok
    assert report.problem is not None
    assert (report.problem.kind, report.problem.line) == ("truncated", 4)
    assert "checkpoint records seq 5" in report.describe()


def test_a_rewritten_event_at_the_checkpoint_is_altered(tmp_path: Path) -> None:
    lines = chain_lines(4)
    # A forged tail: event 4 replaced by another that chains correctly from event 3.
    forged, _ = seal({"i": 99, "route": "edge"}, 4, json.loads(lines[2])["hash"])
    path = write_file(tmp_path / "audit.jsonl", [*lines[:3], forged])
    assert verify([path]).ok
    report = verify([path], checkpoint=head_of(lines[3]))
    assert report.problem is not None
    assert (report.problem.kind, report.problem.line) == ("altered", 4)


def test_a_log_longer_than_its_checkpoint_is_fine(tmp_path: Path) -> None:
    # After a crash the checkpoint lags the log (it follows fsyncs); that is not tampering.
    lines = chain_lines(5)
    path = write_file(tmp_path / "audit.jsonl", lines)
    assert verify([path], checkpoint=head_of(lines[2])).ok
