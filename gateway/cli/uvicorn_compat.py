"""uvicorn's signal handling, which the draining runner replaces: the one uvicorn
internal it relies on, in one place.

`Server.serve()` enters `self.capture_signals()`, a context manager method (not
documented API), around the whole serve: startup, the main loop, shutdown. It runs
on the event loop, in the serving thread; uvicorn's own installs its handler for
SIGINT and SIGTERM there and re-raises the signals it caught on the way out. An
override of it is the only way to take the signals without uvicorn's handler (see
`gateway.cli.runner` for why).

Verified with uvicorn 0.55.0 (tests/gateway/cli/test_uvicorn_compat.py fails when
this stops holding); pyproject allows >= 0.30, < 0.56,
and the lock pins what was verified.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import uvicorn


class SignalsServer(uvicorn.Server):
    """A uvicorn server whose signal handling is `handling_signals()`, entered where
    uvicorn would install its own."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with self.handling_signals():
            yield

    def handling_signals(self) -> contextlib.AbstractContextManager[None]:
        """Replaces uvicorn's signal handling for the whole serve."""
        raise NotImplementedError
