"""Keeps credentials out of uvicorn's access log.

The access log prints each request's path with its query string; a caller who puts a
token there (which the gateway refuses) must not see it written to disk.
"""

from __future__ import annotations

import logging

ACCESS_LOGGER = "uvicorn.access"


PROBES = frozenset({"/healthz", "/readyz"})


class DropQueryStrings(logging.Filter):
    """Also drops successful probe requests, which the gateway's load poller and
    Kubernetes send several times a second and which would drown everything else."""

    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn's record args: (client address, method, full path, HTTP version, status).
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            path, sep, _ = args[2].partition("?")
            if path in PROBES and args[4] == 200:
                return False
            record.args = (args[0], args[1], path + ("?…" if sep else ""), args[3], args[4])
        return True


def install() -> None:
    """Called by `hybridgate serve` once uvicorn has configured its loggers."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, DropQueryStrings) for f in logger.filters):
        logger.addFilter(DropQueryStrings())
