"""`unless_disconnected`: the work's result, its exception, or its cancellation with a
499 when the client goes away first."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.requests import Request

from common.disconnect import unless_disconnected
from common.errors import ClientDisconnected


def request(disconnected: asyncio.Event) -> Request:
    """A request whose body was read already: the next message is the disconnect."""

    async def receive() -> dict[str, Any]:
        await disconnected.wait()
        return {"type": "http.disconnect"}

    return Request({"type": "http", "method": "POST", "headers": []}, receive)


async def test_the_work_s_result_is_returned() -> None:
    async def work() -> str:
        await asyncio.sleep(0)
        return "done"

    assert await unless_disconnected(request(asyncio.Event()), work()) == "done"


async def test_the_work_s_exception_propagates() -> None:
    async def work() -> None:
        await asyncio.sleep(0)
        raise LookupError("from the work")

    with pytest.raises(LookupError, match="from the work"):
        await unless_disconnected(request(asyncio.Event()), work())


async def test_a_disconnect_cancels_the_work_and_raises_499() -> None:
    gone = asyncio.Event()
    cancelled = asyncio.Event()

    async def work() -> str:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "never"

    asyncio.get_running_loop().call_later(0.01, gone.set)
    with pytest.raises(ClientDisconnected):
        await asyncio.wait_for(unless_disconnected(request(gone), work()), 5)
    assert cancelled.is_set()


async def test_a_caller_cancelled_meanwhile_stays_cancelled() -> None:
    """Cancelling the awaiting task (a drain's cut, a timeout) is not a disconnect."""
    started = asyncio.Event()

    async def work() -> None:
        started.set()
        await asyncio.sleep(3600)

    task = asyncio.create_task(unless_disconnected(request(asyncio.Event()), work()))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_nothing_is_left_running_after_the_answer() -> None:
    before = len(asyncio.all_tasks())

    async def work() -> int:
        return 1

    for _ in range(3):
        await unless_disconnected(request(asyncio.Event()), work())
    await asyncio.sleep(0)
    assert len(asyncio.all_tasks()) == before


async def test_a_disconnect_in_the_turn_the_work_ends_cancels_nothing_later() -> None:
    """The watcher's callback runs a turn after the watcher ends: if the work ended in
    that same turn, the task has moved on and must not be cancelled."""
    gone = asyncio.Event()

    async def work() -> str:
        gone.set()
        # One turn on: the watcher ends in the turn this returns in, ahead of it.
        await asyncio.sleep(0)
        return "done"

    assert await unless_disconnected(request(gone), work()) == "done"
    for _ in range(3):
        await asyncio.sleep(0)  # a stray cancel would land here
