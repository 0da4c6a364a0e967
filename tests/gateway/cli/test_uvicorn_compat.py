"""The uvicorn internal `uvicorn_compat` relies on, checked against the installed
uvicorn with a real server: each test fails when the assumption stops holding."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Iterator
from typing import Any

import uvicorn

from gateway.cli.uvicorn_compat import SignalsServer


def test_capture_signals_is_a_context_manager_method_of_the_server() -> None:
    assert list(inspect.signature(uvicorn.Server.capture_signals).parameters) == ["self"]
    server = uvicorn.Server(uvicorn.Config(app=None))
    # Not entered: uvicorn's own would take this process's signals.
    assert isinstance(server.capture_signals(), contextlib.AbstractContextManager)


async def test_serve_runs_inside_the_signal_handling_on_the_loop() -> None:
    events: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "lifespan"
        while True:
            message = await receive()
            kind = message["type"].removeprefix("lifespan.")
            events.append(kind)
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return

    class Recording(SignalsServer):
        @contextlib.contextmanager
        def handling_signals(self) -> Iterator[None]:
            asyncio.get_running_loop()  # raises off the loop
            events.append("signals taken")
            try:
                yield
            finally:
                events.append("signals given back")

    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="on", log_level="warning")
    server = Recording(config)

    async def stop_once_started() -> None:
        while not server.started:  # noqa: ASYNC110 - uvicorn sets a flag, not an event
            await asyncio.sleep(0.01)
        events.append("serving")
        server.should_exit = True

    stopping = asyncio.create_task(stop_once_started())
    await server.serve()
    await stopping
    assert events == ["signals taken", "startup", "serving", "shutdown", "signals given back"]
