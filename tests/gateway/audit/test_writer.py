from __future__ import annotations

import asyncio
import errno
import itertools
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gateway.audit.chain import GENESIS
from gateway.audit.checkpoint import Head, read_checkpoint
from gateway.audit.errors import ChainRecoveryError
from gateway.audit.verify import TornTail, verify
from gateway.audit.writer import AuditWriteError, AuditWriter, chain_files


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "audit" / "audit.jsonl"


def records(path: Path) -> list[dict[str, Any]]:
    """Every complete line of the chain, torn tails left out."""
    lines = (
        line
        for file in chain_files(path)
        for line in file.read_bytes().splitlines(keepends=True)
        if line.endswith(b"\n")
    )
    return [json.loads(line) for line in lines]


# Sync helpers: the tests inspect files between awaits, where blocking is harmless.
def read(path: Path) -> bytes:
    return path.read_bytes()


def append(path: Path, data: bytes) -> None:
    if not path.parent.exists():
        path.parent.mkdir()
    with path.open("ab") as f:
        f.write(data)


def private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


async def write(path: Path, events: list[dict[str, Any]], **options: Any) -> None:
    writer = AuditWriter(path, **options)
    await writer.start()
    for event in events:
        await writer.record(event)
    await writer.aclose()


async def test_events_land_in_order_with_seq_from_1_and_the_chain_verifies(log_path: Path) -> None:
    await write(log_path, [{"i": i} for i in range(20)])
    written = records(log_path)
    assert [r["i"] for r in written] == list(range(20))
    assert [r["seq"] for r in written] == list(range(1, 21))
    assert written[0]["prev_hash"] == GENESIS
    report = verify(chain_files(log_path))
    assert report.ok, report.describe()
    assert report.events == 20


async def test_the_directory_and_file_are_private(log_path: Path) -> None:
    await write(log_path, [{"i": 1}])
    assert private(log_path.parent)
    assert private(log_path)


async def test_concurrent_records_all_land_exactly_once(log_path: Path) -> None:
    writer = AuditWriter(log_path, queue_size=8)  # small, so callers wait for space
    await writer.start()
    await asyncio.gather(*(writer.record({"i": i}) for i in range(300)))
    await writer.aclose()
    written = records(log_path)
    assert sorted(r["i"] for r in written) == list(range(300))
    assert [r["seq"] for r in written] == list(range(1, 301))
    assert verify(chain_files(log_path)).ok


@pytest.mark.parametrize("fsync", ["interval", "never", "always"])
async def test_records_take_their_place_in_call_order(log_path: Path, fsync: str) -> None:
    """Bursts of callers, with interval fsyncs falling due between them: each event
    takes the next place in the chain in the order record() was called."""
    writer = AuditWriter(log_path, fsync=fsync, fsync_interval_s=0.001)  # type: ignore[arg-type]
    await writer.start()
    heads = []
    for burst in range(5):
        calls = [writer.record({"i": burst * 10 + k}) for k in range(10)]
        heads += await asyncio.gather(*calls)
        await asyncio.sleep(0.002)  # an interval fsync falls due between bursts
    await writer.aclose()
    assert [head.seq for head in heads] == list(range(1, 51))
    written = records(log_path)
    assert [r["i"] for r in written] == list(range(50))
    assert [r["hash"] for r in written] == [head.hash for head in heads]
    assert verify(chain_files(log_path)).ok


async def test_rotation_by_size_keeps_one_chain_across_files(log_path: Path) -> None:
    await write(log_path, [{"i": i, "pad": "x" * 60} for i in range(60)], max_file_bytes=1500)
    files = chain_files(log_path)
    assert len(files) >= 3
    assert files[0].name == "audit-000000000001.jsonl"
    assert files[-1] == log_path
    assert all(f.stat().st_size <= 1500 for f in files)
    per_file = [[json.loads(line) for line in f.read_bytes().splitlines()] for f in files]
    for before, after in itertools.pairwise(per_file):
        assert after[0]["prev_hash"] == before[-1]["hash"]
        assert after[0]["seq"] == before[-1]["seq"] + 1
    report = verify(files)
    assert report.ok, report.describe()
    assert report.events == 60


async def test_a_new_writer_continues_the_chain(log_path: Path) -> None:
    await write(log_path, [{"run": 1}] * 3)
    await write(log_path, [{"run": 2}] * 2)
    written = records(log_path)
    assert [(r["run"], r["seq"]) for r in written] == [(1, 1), (1, 2), (1, 3), (2, 4), (2, 5)]
    assert verify(chain_files(log_path)).ok


async def test_a_torn_last_line_is_rotated_away_untouched(log_path: Path) -> None:
    await write(log_path, [{"i": i} for i in range(3)])
    append(log_path, b'{"i":3,"prev_hash":"sha256:')  # the crash
    crashed = read(log_path)
    last_hash = records(log_path)[-1]["hash"]

    await write(log_path, [{"i": 4}, {"i": 5}])

    rotated, active = chain_files(log_path)
    assert rotated.read_bytes() == crashed
    first = json.loads(active.read_bytes().splitlines()[0])
    assert (first["seq"], first["prev_hash"]) == (4, last_hash)
    report = verify([rotated, active])
    assert report.ok, report.describe()
    assert report.events == 5
    assert report.torn_tails == [TornTail(rotated, 4)]


async def test_a_file_holding_only_a_torn_line_restarts_from_genesis(log_path: Path) -> None:
    append(log_path, b'{"i":0,"se')
    await write(log_path, [{"i": 1}])
    torn, active = chain_files(log_path)
    assert torn.read_bytes() == b'{"i":0,"se'
    assert json.loads(active.read_bytes())["prev_hash"] == GENESIS
    report = verify([torn, active])
    assert report.ok
    assert report.torn_tails == [TornTail(torn, 1)]


async def test_a_last_line_that_is_not_an_event_stops_start(log_path: Path) -> None:
    append(log_path, b"not json\n")
    with pytest.raises(ChainRecoveryError):
        await AuditWriter(log_path).start()


class FullDisk:
    """Writes half of the first write to the audit file, then fails as a full disk."""

    def __init__(self, path: Path, real: Callable[[int, bytes], int]) -> None:
        self._inode = path.stat().st_ino
        self._real = real
        self.calls = 0

    def __call__(self, fd: int, data: bytes) -> int:
        if os.fstat(fd).st_ino != self._inode:
            return self._real(fd, data)
        self.calls += 1
        if self.calls == 1:
            return self._real(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


async def test_a_failed_write_raises_leaves_no_partial_line_and_recovers(
    log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = AuditWriter(log_path)
    await writer.start()
    await writer.record({"i": 1})
    before = read(log_path)
    real_write = os.write
    full = FullDisk(log_path, real_write)
    monkeypatch.setattr(os, "write", full)

    with pytest.raises(AuditWriteError, match="No space left"):
        await writer.record({"i": 2})

    assert full.calls == 2  # half a line went in before the failure
    assert not writer.healthy
    assert read(log_path) == before
    monkeypatch.setattr(os, "write", real_write)
    await writer.record({"i": 3})
    assert writer.healthy
    await writer.aclose()
    assert [(r["i"], r["seq"]) for r in records(log_path)] == [(1, 1), (3, 2)]
    assert verify(chain_files(log_path)).ok


async def test_a_partial_line_that_cannot_be_cut_back_is_rotated_away(
    log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = AuditWriter(log_path)
    await writer.start()
    await writer.record({"i": 1})
    real_write, real_truncate = os.write, os.ftruncate

    def no_truncate(fd: int, length: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "write", FullDisk(log_path, real_write))
    monkeypatch.setattr(os, "ftruncate", no_truncate)
    with pytest.raises(AuditWriteError):
        await writer.record({"i": 2})
    monkeypatch.setattr(os, "write", real_write)
    monkeypatch.setattr(os, "ftruncate", real_truncate)

    await writer.record({"i": 3})
    await writer.aclose()
    assert [(r["i"], r["seq"]) for r in records(log_path)] == [(1, 1), (3, 2)]
    report = verify(chain_files(log_path))
    assert report.ok, report.describe()
    assert [(t.path.name, t.line) for t in report.torn_tails] == [("audit-000000000001.jsonl", 2)]


async def test_an_event_that_cannot_be_sealed_is_refused_alone(log_path: Path) -> None:
    writer = AuditWriter(log_path)
    await writer.start()
    with pytest.raises(ValueError, match="seq"):
        await writer.record({"seq": 9})
    with pytest.raises(TypeError):
        await writer.record({"when": object()})
    await writer.record({"i": 1})
    assert writer.healthy
    await writer.aclose()
    assert [(r["i"], r["seq"]) for r in records(log_path)] == [(1, 1)]


async def test_aclose_writes_everything_recorded_then_refuses_more(log_path: Path) -> None:
    writer = AuditWriter(log_path, queue_size=16)
    await writer.start()
    tasks = [asyncio.create_task(writer.record({"i": i})) for i in range(200)]
    await asyncio.sleep(0)  # every task is now queued or waiting for queue space
    await writer.aclose()
    assert all(t.done() and t.exception() is None for t in tasks)
    assert sorted(r["i"] for r in records(log_path)) == list(range(200))
    with pytest.raises(AuditWriteError):
        await writer.record({"i": 200})
    await writer.aclose()  # idempotent


async def test_record_before_start_raises(log_path: Path) -> None:
    with pytest.raises(AuditWriteError):
        await AuditWriter(log_path).record({"i": 1})


class FsyncCounter:
    """Counts fsyncs of the log's files (not of the directory or the checkpoint) and
    still does them."""

    def __init__(self, real: Callable[[int], None]) -> None:
        self._real = real
        self.files = 0

    def __call__(self, fd: int) -> None:
        name = os.readlink(f"/proc/self/fd/{fd}")
        if stat.S_ISREG(os.fstat(fd).st_mode) and name.endswith(".jsonl"):
            self.files += 1
        self._real(fd)


@pytest.fixture
def fsyncs(monkeypatch: pytest.MonkeyPatch) -> FsyncCounter:
    counter = FsyncCounter(os.fsync)
    monkeypatch.setattr(os, "fsync", counter)
    return counter


async def test_fsync_always_fsyncs_every_batch_before_returning(
    log_path: Path, fsyncs: FsyncCounter
) -> None:
    writer = AuditWriter(log_path, fsync="always")
    await writer.start()
    for i in range(5):
        await writer.record({"i": i})
        assert fsyncs.files == i + 1
    await writer.aclose()


async def test_fsync_interval_fsyncs_while_idle(log_path: Path, fsyncs: FsyncCounter) -> None:
    writer = AuditWriter(log_path, fsync="interval", fsync_interval_s=0.01)
    await writer.start()
    await writer.record({"i": 1})
    for _ in range(500):  # no more events: only the writer's timer can fsync
        if fsyncs.files:
            break
        await asyncio.sleep(0.01)
    assert fsyncs.files == 1
    await writer.aclose()


async def test_fsync_never_leaves_it_to_the_os_until_close(
    log_path: Path, fsyncs: FsyncCounter
) -> None:
    writer = AuditWriter(log_path, fsync="never")
    await writer.start()
    for i in range(5):
        await writer.record({"i": i})
    await asyncio.sleep(0.05)
    assert fsyncs.files == 0
    await writer.aclose()
    assert fsyncs.files == 1


async def test_a_second_writer_on_the_same_chain_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    first = AuditWriter(path)
    await first.start()
    second = AuditWriter(path)
    with pytest.raises(AuditWriteError, match="another process"):
        await second.start()
    await first.aclose()
    # Released on close: the chain can be taken over.
    third = AuditWriter(path)
    await third.start()
    await third.record({"n": 1})
    await third.aclose()


async def test_a_log_cut_short_while_stopped_is_not_continued(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    writer = AuditWriter(path)
    await writer.start()
    for i in range(4):
        await writer.record({"n": i})
    await writer.aclose()
    assert read_checkpoint(path) == Head(4, json.loads(path.read_bytes().splitlines()[-1])["hash"])
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:2]))
    # Continuing would write a new checkpoint over the evidence.
    with pytest.raises(ChainRecoveryError, match="ends at seq 2 but its checkpoint records seq 4"):
        await AuditWriter(path).start()


async def test_the_checkpoint_is_rewritten_in_place_once_per_fsync(
    log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[int] = []
    real_pwrite = os.pwrite

    def pwrite(fd: int, data: bytes, offset: int) -> int:
        writes.append(offset)
        return real_pwrite(fd, data, offset)

    def no_replace(*args: object) -> None:
        raise AssertionError("the checkpoint is overwritten in place, not renamed")

    monkeypatch.setattr(os, "pwrite", pwrite)
    monkeypatch.setattr(os, "replace", no_replace)
    writer = AuditWriter(log_path, fsync="always")
    await writer.start()
    await asyncio.gather(*(writer.record({"i": i}) for i in range(20)))
    commits = len(writes)
    assert 1 <= commits < 20  # group commit: one checkpoint per fsynced batch
    await writer.aclose()  # the head did not move: nothing to write again
    assert len(writes) == commits
    assert set(writes) == {0}
    assert read_checkpoint(log_path) == Head(20, records(log_path)[-1]["hash"])


async def test_an_interval_fsync_does_not_hold_back_later_events(
    log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    release = threading.Event()
    started = threading.Event()
    real_fsync = os.fsync

    def blocking_fsync(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".jsonl") and not release.is_set():
            started.set()
            release.wait(10)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", blocking_fsync)
    writer = AuditWriter(log_path, fsync="interval", fsync_interval_s=0.01)
    await writer.start()
    first = await writer.record({"i": 1})
    for _ in range(500):
        if started.is_set():
            break
        await asyncio.sleep(0.01)
    assert started.is_set()  # the fsync of event 1 is under way, and stuck
    second = await asyncio.wait_for(writer.record({"i": 2}), 5)
    assert second.seq == 2
    release.set()
    for _ in range(500):  # the stuck fsync ends: it covered event 1 only
        if read_checkpoint(log_path) is not None:
            break
        await asyncio.sleep(0.01)
    assert read_checkpoint(log_path) in (first, second)  # never ahead of its fsync
    await writer.aclose()
    assert read_checkpoint(log_path) == second
    assert verify(chain_files(log_path)).ok
