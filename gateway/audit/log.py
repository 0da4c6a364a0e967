"""The audit stage: turns a finished request into its event, appends it to the chain,
and exports it; knows whether requests may run when the log cannot be written."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from gateway.audit.errors import AuditError
from gateway.audit.event import PrincipalView, to_event
from gateway.audit.sink import OtelLogSink
from gateway.audit.writer import AuditWriter
from gateway.record import RequestRecord
from gateway.settings import AuditSettings

log = logging.getLogger(__name__)
PRINCIPAL_KEY_FILE = "principal-key"


def read_principal_key(audit_dir: Path) -> bytes | None:
    """The HMAC key for hashed principals, if the log has one; `audit query` uses it
    to find a principal's events."""
    try:
        return bytes.fromhex((audit_dir / PRINCIPAL_KEY_FILE).read_text().strip())
    except FileNotFoundError:
        return None


def principal_key(audit_dir: Path) -> bytes:
    """The log's HMAC key for hashed principals, made on first use beside it (0600)."""
    key = read_principal_key(audit_dir)
    if key is not None:
        return key
    path = audit_dir / PRINCIPAL_KEY_FILE
    audit_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_bytes(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key.hex())
    return key


def principal_view(settings: AuditSettings, state_dir: Path) -> PrincipalView:
    if settings.principal == "clear":
        return PrincipalView(None)
    return PrincipalView(principal_key(settings.resolved_path(state_dir).parent))


class AuditLog:
    def __init__(
        self,
        writer: AuditWriter | None,
        principals: PrincipalView,
        fail_closed: bool,
        sink: OtelLogSink | None = None,
        *,
        replica: str,
    ) -> None:
        self._writer = writer
        self._replica = replica
        self._principals = principals
        self._fail_closed = fail_closed
        self._sink = sink

    @property
    def refusing(self) -> bool:
        """Fail-closed and the last write failed: new requests are refused with a 503
        (whose own event is the next write attempt, and so the way back)."""
        return self._fail_closed and self._writer is not None and not self._writer.healthy

    @property
    def fail_closed(self) -> bool:
        return self._fail_closed and self._writer is not None

    async def record(self, record: RequestRecord) -> bool:
        """Appends the request's event; False when it could not be written."""
        if self._writer is None:
            return True
        event = to_event(record, self._principals, self._replica)
        try:
            head = await self._writer.record(event)
        except (AuditError, ValueError, TypeError) as exc:
            log.error("audit event %s not written: %s", record.decision_id, type(exc).__name__)
            return False
        if self._sink is not None:
            try:
                # With its place in the chain: the collector holds every head, which
                # is what `audit verify --head` compares a site's log with.
                self._sink.emit(event | {"seq": head.seq, "hash": head.hash})
            except Exception as exc:  # export is best effort; the file is the record
                log.warning("audit event export failed: %s", type(exc).__name__)
        return True

    async def aclose(self) -> None:
        if self._writer is not None:
            await self._writer.aclose()
        if self._sink is not None:
            self._sink.shutdown()
