"""The audit log's errors:

AuditError (RuntimeError)
 ├── AuditWriteError     an event could not be written, or the writer is not running
 └── ChainRecoveryError  the existing files end in a line the chain cannot continue from
"""

from __future__ import annotations


class AuditError(RuntimeError):
    pass


class AuditWriteError(AuditError):
    pass


class ChainRecoveryError(AuditError):
    pass
