"""No caller holds more than its share of the classification threads; the others
still get one, and nothing is left behind when the work ends or is cancelled."""

from __future__ import annotations

import asyncio

import pytest

from gateway.classify_shares import ClassificationShares


async def _running(
    shares: ClassificationShares, caller: str, log: list[str], gate: asyncio.Event
) -> None:
    async with shares.hold(caller):
        log.append(caller)
        await gate.wait()


async def test_one_caller_holds_at_most_all_threads_but_one() -> None:
    shares = ClassificationShares(workers=3)
    gate = asyncio.Event()
    log: list[str] = []
    abuser = [asyncio.create_task(_running(shares, "abuser", log, gate)) for _ in range(5)]
    other = asyncio.create_task(_running(shares, "other", log, gate))
    await asyncio.sleep(0.01)
    # Two of the abuser's five run; the other caller's runs beside them.
    assert log.count("abuser") == 2
    assert "other" in log
    gate.set()
    await asyncio.gather(*abuser, other)
    assert log.count("abuser") == 5
    assert shares.callers() == 0


async def test_a_single_thread_is_still_shared_one_at_a_time() -> None:
    shares = ClassificationShares(workers=1)
    assert shares.share == 1
    gate = asyncio.Event()
    log: list[str] = []
    tasks = [asyncio.create_task(_running(shares, "a", log, gate)) for _ in range(3)]
    await asyncio.sleep(0.01)
    assert log == ["a"]
    gate.set()
    await asyncio.gather(*tasks)
    assert log == ["a", "a", "a"]


async def test_a_cancelled_wait_leaves_nothing_behind() -> None:
    shares = ClassificationShares(workers=2)
    gate = asyncio.Event()
    log: list[str] = []
    holder = asyncio.create_task(_running(shares, "a", log, gate))
    waiter = asyncio.create_task(_running(shares, "a", log, gate))
    await asyncio.sleep(0.01)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    gate.set()
    await holder
    assert log == ["a"]
    assert shares.callers() == 0
