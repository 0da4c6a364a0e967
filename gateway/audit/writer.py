"""Appends events to the chain from one asyncio task with group commit: whatever waits
in the queue is sealed and written with one write call, then fsynced per policy.

Files are laid out as `gateway.audit.files` describes. fsyncs, and under "always" the
whole commit, run in a thread so that the disk never stalls the event loop; without
an fsync, sealing and appending a batch (a copy into the page cache) run on the loop,
where they cost less than a thread hop would. Under "interval" the fsync runs beside
the appends, on a duplicate of the file's descriptor: a request's event is written
without waiting for an fsync of earlier ones, and the checkpoint then records the
head as it was when that fsync began.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from gateway.audit.active import ActiveFile
from gateway.audit.chain import seal
from gateway.audit.checkpoint import Head
from gateway.audit.errors import AuditWriteError
from gateway.audit.files import chain_files

__all__ = ["AuditWriteError", "AuditWriter", "FsyncPolicy", "chain_files"]

log = logging.getLogger(__name__)

FsyncPolicy = Literal["always", "interval", "never"]
# Per event: its place in the chain once written, else why it was refused.
Outcome = Exception | Head


@dataclass(frozen=True)
class _Pending:
    event: dict[str, Any]
    done: asyncio.Future[Head]


class AuditWriter:
    """fsync "always" fsyncs each batch before its callers return; "interval" lets them
    return after the write and fsyncs within `fsync_interval_s`, at most that often;
    "never" leaves it to the OS. Rotation and aclose() fsync under every policy."""

    def __init__(
        self,
        path: Path,
        *,
        fsync: FsyncPolicy = "interval",
        fsync_interval_s: float = 0.01,
        max_file_bytes: int = 64 * 1024 * 1024,
        queue_size: int = 10_000,
    ) -> None:
        self._path = path
        self._fsync = fsync
        self._fsync_interval_s = fsync_interval_s
        self._file = ActiveFile(path, max_file_bytes)
        self._queue: asyncio.Queue[_Pending | None] = asyncio.Queue(queue_size)
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._entering = 0  # record() calls waiting for queue space
        self._sync_at: float | None = None  # when a pending "interval" fsync is due
        self._syncing: asyncio.Task[None] | None = None  # the "interval" fsync under way
        self._healthy = True
        self._lock: int | None = None  # the chain's lock file, held while running

    @property
    def healthy(self) -> bool:
        """False while the last write or fsync failed."""
        return self._healthy

    async def start(self) -> None:
        if self._task is not None:
            raise AuditWriteError("audit writer already started")
        self._lock = _lock_chain(self._path)
        try:
            await asyncio.to_thread(self._file.open)
        except BaseException:
            os.close(self._lock)
            self._lock = None
            raise
        self._task = asyncio.create_task(self._run(), name=f"audit-writer {self._path}")

    async def record(self, event: dict[str, Any]) -> Head:
        """Returns once the event is written (and fsynced, under "always"). Waits for
        queue space rather than drop an event. Raises AuditWriteError when it could not
        be written, ValueError or TypeError when it cannot be sealed."""
        if self._task is None or self._closing:
            raise AuditWriteError("audit writer is not running")
        pending = _Pending(event, asyncio.get_running_loop().create_future())
        self._entering += 1
        try:
            await self._queue.put(pending)
        finally:
            self._entering -= 1
        if self._task.done() and not pending.done.done():
            raise AuditWriteError("audit writer stopped before writing the event")
        return await pending.done

    async def aclose(self) -> None:
        """Writes everything recorded so far, fsyncs and closes. Idempotent."""
        if self._task is None:
            return
        if not self._closing:
            self._closing = True
            await self._queue.put(None)
        try:
            await self._task
        finally:
            if self._lock is not None:
                os.close(self._lock)  # closing the descriptor releases the lock
                self._lock = None

    async def _run(self) -> None:
        stopping = False
        try:
            while not stopping or self._entering or not self._queue.empty():
                self._start_sync_if_due()
                batch = await self._take()
                stopping = stopping or None in batch
                pending = [p for p in batch if p is not None]
                if pending:
                    await self._commit(pending)
            await self._synced()
            await self._close_file()
        finally:
            if self._syncing is not None:
                self._syncing.cancel()
            self._fail_leftovers()

    async def _take(self) -> list[_Pending | None]:
        """Everything queued, after waiting for at least one item or for a due fsync."""
        delay = None if self._sync_at is None else max(0.0, self._sync_at - self._now())
        if delay is not None and self._syncing is not None:
            # The next fsync waits for the one under way; look again an interval on.
            delay = max(delay, self._fsync_interval_s)
        try:
            async with asyncio.timeout(delay):
                first = await self._queue.get()
        except TimeoutError:
            return []
        batch = [first]
        while not self._queue.empty():
            batch.append(self._queue.get_nowait())
        return batch

    async def _commit(self, pending: list[_Pending]) -> None:
        try:
            events = [p.event for p in pending]
            if self._fsync == "always":
                outcomes = await asyncio.to_thread(self._append, events)
            else:
                # Without an fsync, appending a batch is a copy into the page cache
                # (microseconds); a thread hop per batch would cost more than the write.
                outcomes = self._append(events)
        except asyncio.CancelledError:
            for p in pending:
                _settle(p, AuditWriteError("audit writer cancelled while writing the event"))
            raise
        except Exception as exc:
            # OSError from the disk, or ChainRecoveryError when reopening after a failure:
            # either way the callers hear of it and the writer lives on to retry.
            self._healthy = False
            log.error("audit log %s: could not write %d events: %s", self._path, len(pending), exc)
            for p in pending:
                _settle(p, _write_error(self._path, exc))
            return
        if any(isinstance(o, Head) for o in outcomes):
            self._healthy = True
            if self._fsync == "interval" and self._sync_at is None:
                self._sync_at = self._now() + self._fsync_interval_s
        for p, outcome in zip(pending, outcomes, strict=True):
            _settle(p, outcome)

    def _append(self, events: list[dict[str, Any]]) -> list[Outcome]:
        if not self._file.is_open:
            self._file.open()  # after a failure that closed it
        data, head, outcomes = _seal_batch(events, self._file.head)
        if data:
            self._file.append(data, head, fsync=self._fsync == "always")
        return outcomes

    def _start_sync_if_due(self) -> None:
        if self._sync_at is None or self._syncing is not None or self._now() < self._sync_at:
            return
        self._sync_at = None
        try:
            # A duplicate, so that a rotation or a failed write closing the file meanwhile
            # cannot leave the thread with a closed (or reused) descriptor.
            descriptor = self._file.dup_descriptor()
        except OSError as exc:
            self._sync_failed(exc)
            return
        self._syncing = asyncio.create_task(self._sync(descriptor, self._file.head))

    async def _sync(self, descriptor: int, head: Head) -> None:
        """fsyncs what was written up to `head`, then records it in the checkpoint."""
        try:
            await asyncio.to_thread(_fsync_and_close, descriptor)
            self._file.durable(head)
        except OSError as exc:
            self._sync_failed(exc)
            return
        finally:
            self._syncing = None
        self._healthy = True

    def _sync_failed(self, exc: OSError) -> None:
        self._healthy = False
        if self._sync_at is None:
            self._sync_at = self._now() + self._fsync_interval_s  # try again
        log.error("audit log %s: fsync failed: %s", self._path, exc)

    async def _synced(self) -> None:
        """Waits for the fsync under way, if any (before closing, which fsyncs too)."""
        if self._syncing is not None:
            await asyncio.wait([self._syncing])

    async def _close_file(self) -> None:
        self._sync_at = None
        try:
            await asyncio.to_thread(self._file.close)
        except OSError as exc:
            self._healthy = False
            raise _write_error(self._path, exc) from exc

    def _fail_leftovers(self) -> None:
        # Empty after a normal stop; not if the loop died. Runs without awaiting, so a
        # record() that enqueues later finds the task done and raises instead of hanging.
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if item is not None:
                _settle(item, AuditWriteError("audit writer stopped before writing the event"))

    def _now(self) -> float:
        return asyncio.get_running_loop().time()


def _fsync_and_close(descriptor: int) -> None:
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _lock_chain(path: Path) -> int:
    """An exclusive lock beside the chain: two processes appending to one chain would
    interleave their links, and the log would then look tampered with."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path.parent / f".{path.name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise AuditWriteError(
            f"another process is writing the audit log {path}; give each gateway its own "
            "audit.path (or state_dir)"
        ) from None
    return descriptor


def _seal_batch(events: list[dict[str, Any]], head: Head) -> tuple[bytes, Head, list[Outcome]]:
    """Seals in order; an event that cannot be sealed is refused alone and takes no seq."""
    lines: list[bytes] = []
    outcomes: list[Outcome] = []
    for event in events:
        try:
            line, digest = seal(event, head.seq + 1, head.hash)
        except (ValueError, TypeError) as exc:
            outcomes.append(exc)
            continue
        lines.append(line)
        head = Head(head.seq + 1, digest)
        outcomes.append(head)
    return b"".join(lines), head, outcomes


def _write_error(path: Path, exc: Exception) -> AuditWriteError:
    error = AuditWriteError(f"could not write audit log {path}: {exc}")
    error.__cause__ = exc
    return error


def _settle(pending: _Pending, outcome: Outcome) -> None:
    if pending.done.done():  # the caller was cancelled
        return
    if isinstance(outcome, Head):
        pending.done.set_result(outcome)
    else:
        pending.done.set_exception(outcome)
