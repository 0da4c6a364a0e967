from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gateway.audit.query import Filter, format_table, iter_events, select
from gateway.audit.writer import AuditWriter, chain_files


def event(n: int, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "timestamp": f"2026-11-29T04:4{n}:00.123456Z",
        "decision_id": f"d-{n}",
        "route": "edge",
        "rule": "default",
        "sensitivity": {"level": "public"},
        "status": 200,
        "principal": {"oid": f"oid-{n}", "tid": "tenant-a"},
    }
    return {**base, **fields}


EVENTS = [
    event(0),
    event(1, route="cloud", rule="allow-public"),
    event(2, sensitivity={"level": "secret"}, status=403, rule="deny-secret"),
    event(3, principal={"app_id": "app-9", "tid": "tenant-b"}),
    {"decision_id": "bare"},
]


def ids(events: list[dict[str, Any]]) -> list[str]:
    return [e["decision_id"] for e in events]


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        (Filter(), ["d-0", "d-1", "d-2", "d-3", "bare"]),
        (Filter(since=datetime(2026, 11, 29, 4, 41, tzinfo=UTC)), ["d-1", "d-2", "d-3"]),
        (Filter(until=datetime(2026, 11, 29, 4, 41, tzinfo=UTC)), ["d-0"]),
        (
            Filter(since=datetime(2026, 11, 29, 4, 41), until=datetime(2026, 11, 29, 4, 43)),
            ["d-1", "d-2"],
        ),
        (Filter(principal="oid-2"), ["d-2"]),
        (Filter(principal="tenant-a"), ["d-0", "d-1", "d-2"]),
        (Filter(principal="app-9"), ["d-3"]),
        (Filter(route="cloud"), ["d-1"]),
        (Filter(rule="deny-secret"), ["d-2"]),
        (Filter(level="secret"), ["d-2"]),
        (Filter(status=200), ["d-0", "d-1", "d-3"]),
        (Filter(route="edge", status=200, principal="tenant-b"), ["d-3"]),
    ],
)
def test_select_filters(filter: Filter, expected: list[str]) -> None:
    assert ids(list(select(EVENTS, filter))) == expected


async def test_iter_events_reads_all_files_and_skips_a_torn_tail(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    writer = AuditWriter(path, max_file_bytes=600)
    await writer.start()
    for e in EVENTS[:4]:
        await writer.record(e)
    await writer.aclose()
    with path.open("ab") as f:
        f.write(b'{"decision_id":"torn"')
    files = chain_files(path)
    assert len(files) > 1
    events = list(iter_events(files))
    assert ids(events) == ["d-0", "d-1", "d-2", "d-3"]
    assert [e["seq"] for e in events] == [1, 2, 3, 4]


def test_iter_events_refuses_a_line_that_is_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_bytes(b"[1, 2]\n")
    with pytest.raises(ValueError, match=r"audit\.jsonl:1"):
        list(iter_events([path]))


def test_format_table_has_a_header_and_a_row_per_event() -> None:
    lines = format_table(EVENTS).splitlines()
    assert lines[0].split() == [
        "timestamp",
        "decision_id",
        "route",
        "rule",
        "level",
        "status",
        "principal",
    ]
    assert lines[1].split() == [
        "2026-11-29T04:40:00.123456Z",
        "d-0",
        "edge",
        "default",
        "public",
        "200",
        "oid-0",
    ]
    assert lines[3].split()[3:6] == ["deny-secret", "secret", "403"]
    assert lines[4].split()[-1] == "-"  # an app, no oid
    assert lines[5].split() == ["-", "bare", "-", "-", "-", "-", "-"]
    # Fixed width: each column starts at the same offset on every line.
    offset = lines[0].index("decision_id")
    rows = zip(lines[1:], EVENTS, strict=True)
    assert all(line[offset:].startswith(e["decision_id"]) for line, e in rows)


def test_format_table_without_events_is_just_the_header() -> None:
    assert format_table([]).split() == [
        "timestamp",
        "decision_id",
        "route",
        "rule",
        "level",
        "status",
        "principal",
    ]
