"""The active file of a chain and the chain's head, with the blocking file I/O the
writer runs in a thread: recovery after a crash, appends that leave no partial line,
fsync and rotation."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from gateway.audit.chain import GENESIS
from gateway.audit.checkpoint import CheckpointFile, Head, read_checkpoint
from gateway.audit.errors import ChainRecoveryError
from gateway.audit.files import (
    chain_files,
    fsync_and_close,
    fsync_dir,
    is_torn,
    last_complete_line,
    next_rotated_name,
)

log = logging.getLogger(__name__)


def read_head(files: list[Path]) -> Head:
    """The head from the newest complete line; a torn tail is not part of the chain."""
    for path in reversed(files):
        line = last_complete_line(path)
        if line is not None:
            return _parse_head(path, line)
    return Head(0, GENESIS)


def _parse_head(path: Path, line: bytes) -> Head:
    try:
        record = json.loads(line)
        seq, digest = record["seq"], record["hash"]
    except (ValueError, TypeError, KeyError) as exc:
        raise ChainRecoveryError(
            f"the last line of {path} is not a chained event ({exc}); "
            "verify the log and move the damaged file aside"
        ) from exc
    if not isinstance(seq, int) or isinstance(seq, bool) or not isinstance(digest, str):
        raise ChainRecoveryError(f"the last line of {path} has no valid seq and hash")
    return Head(seq, digest)


class ActiveFile:
    """Not thread-safe: the writer calls it from one thread at a time."""

    def __init__(self, path: Path, max_file_bytes: int) -> None:
        self._path = path
        self._max_file_bytes = max_file_bytes
        self._fd: int | None = None
        self._size = 0
        self._checkpoint = CheckpointFile(path)
        self.head = Head(0, GENESIS)

    @property
    def is_open(self) -> bool:
        return self._fd is not None

    def open(self) -> None:
        """Recovers the head from the files on disk. An active file with a torn tail is
        rotated away untouched: appending after it would glue the next event onto the
        torn line, and truncating it would destroy evidence."""
        self._path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self._path.exists() and is_torn(self._path):
            log.warning("audit log %s ends in a torn line; rotating it away", self._path)
            self._rename_away()
        self.head = read_head(chain_files(self._path))
        checkpoint = read_checkpoint(self._path)
        if checkpoint is not None and checkpoint.seq > self.head.seq:
            # Continuing would overwrite the evidence with a new checkpoint.
            raise ChainRecoveryError(
                f"the audit log {self._path} ends at seq {self.head.seq} but its checkpoint "
                f"records seq {checkpoint.seq}: events were deleted from its end. Run "
                "`hybridgate audit verify`, then move the log aside to start a new chain"
            )
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
        self._checkpoint.open()
        self._fd = os.open(self._path, flags, 0o600)
        self._size = os.fstat(self._fd).st_size
        fsync_dir(self._path.parent)

    def append(self, data: bytes, head: Head, *, fsync: bool) -> None:
        """Writes whole lines or, on OSError, nothing: the file is cut back to where it
        was so the next batch does not land after a partial line."""
        if self._size and self._size + len(data) > self._max_file_bytes:
            self._rotate()
        fd = self._require_fd()
        offset = self._size
        try:
            _write_all(fd, data)
            if fsync:
                os.fsync(fd)
        except OSError:
            self._undo(fd, offset)
            raise
        self._size += len(data)
        self.head = head
        if fsync:
            self._checkpoint.write(head)

    def dup_descriptor(self) -> int:
        """A second descriptor of the open file, for an fsync in another thread."""
        return os.dup(self._require_fd())

    def durable(self, head: Head) -> None:
        """Records in the checkpoint that the events up to `head` were fsynced."""
        if self._checkpoint.is_open:
            self._checkpoint.write(head)

    def close(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        fsync_and_close(fd)
        try:
            self._checkpoint.write(self.head)
        finally:
            self._checkpoint.close()

    def _require_fd(self) -> int:
        if self._fd is None:
            raise OSError(f"audit log {self._path} is not open")
        return self._fd

    def _rotate(self) -> None:
        self.close()
        self._rename_away()
        self.open()

    def _rename_away(self) -> None:
        os.rename(self._path, next_rotated_name(self._path))
        fsync_dir(self._path.parent)

    def _undo(self, fd: int, offset: int) -> None:
        try:
            os.ftruncate(fd, offset)
        except OSError:
            # The file may now end in a partial line. Closing makes the next append
            # reopen it, which rotates a torn tail away and rereads the head.
            log.exception("could not cut audit log %s back after a failed write", self._path)
            self._fd = None
            os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
