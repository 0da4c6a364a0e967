"""The scheduler with a scripted engine: ordering, bounds, cancellation and failure.

The real engine is exercised by the integration tests; here the engine is scripted so
that the scheduler's own guarantees can be checked deterministically.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from edge.engine import (
    Delta,
    Failed,
    Finished,
    PreparedPrompt,
    Prompt,
    SamplingOptions,
    Started,
)
from edge.errors import ContextLengthExceeded, EngineUnavailable, QueueFull
from edge.scheduler import Scheduler

OPTIONS = SamplingOptions(max_tokens=3)


class ScriptedEngine:
    """Yields the prompt's words one by one; can be held mid-generation by a gate."""

    model_id = "scripted"

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self.active = 0
        self.max_active = 0

    def prepare(self, prompt: Prompt, options: SamplingOptions) -> PreparedPrompt:
        if prompt == "too long":
            raise ContextLengthExceeded("too long", param="prompt")
        if prompt == "explode":
            raise RuntimeError("engine fault")
        words = tuple(range(len(str(prompt).split())))
        return PreparedPrompt(words, options.max_tokens or 100, (), options)

    def generate(
        self, prepared: PreparedPrompt, should_stop: Callable[[], bool]
    ) -> Iterator[Delta | Finished]:
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            produced = 0
            for token in prepared.tokens:
                self.gate.wait(5)
                if should_stop():
                    yield Finished("cancelled", len(prepared.tokens), produced)
                    return
                produced += 1
                yield Delta(f"w{token} ")
            yield Finished("stop", len(prepared.tokens), produced)
        finally:
            self.active -= 1


@pytest.fixture
async def engine() -> ScriptedEngine:
    return ScriptedEngine()


@pytest.fixture
async def scheduler(engine: ScriptedEngine) -> AsyncIterator[Scheduler]:
    scheduler = Scheduler(engine, queue_size=1)
    scheduler.start()
    yield scheduler
    engine.gate.set()
    scheduler.stop()


async def _drain(events: AsyncIterator[object]) -> list[object]:
    return [event async for event in events]


async def test_events_arrive_in_order(scheduler: Scheduler) -> None:
    events = await _drain(scheduler.submit("a b c", OPTIONS).events())
    assert events == [
        Started(3),
        Delta("w0 "),
        Delta("w1 "),
        Delta("w2 "),
        Finished("stop", 3, 3),
    ]


async def test_jobs_never_overlap_on_the_engine(engine: ScriptedEngine) -> None:
    scheduler = Scheduler(engine, queue_size=8)
    scheduler.start()
    try:
        handles = [scheduler.submit(f"job {i} x y", OPTIONS) for i in range(6)]
        results = await asyncio.gather(*(_drain(h.events()) for h in handles))
    finally:
        scheduler.stop()
    assert engine.max_active == 1
    assert all(isinstance(r[-1], Finished) for r in results)


async def test_full_queue_refuses_with_retry_after(
    scheduler: Scheduler, engine: ScriptedEngine
) -> None:
    engine.gate.clear()
    running = scheduler.submit("a b", OPTIONS)
    waiting = scheduler.submit("c d", OPTIONS)
    with pytest.raises(QueueFull) as caught:
        scheduler.submit("e f", OPTIONS)
    assert int(caught.value.headers()["Retry-After"]) >= 1
    assert scheduler.stats.rejected == 1
    engine.gate.set()
    await _drain(running.events())
    await _drain(waiting.events())
    assert scheduler.in_flight == 0


async def test_cancel_stops_generation(scheduler: Scheduler, engine: ScriptedEngine) -> None:
    engine.gate.clear()
    handle = scheduler.submit("a b c d e", OPTIONS)
    assert await handle.next_event() == Started(5)
    handle.cancel()
    engine.gate.set()
    events = await _drain(handle.events())
    assert isinstance(events[-1], Finished)
    assert events[-1].finish_reason == "cancelled"
    assert scheduler.stats.cancelled == 1


async def test_cancelled_before_start_never_runs(
    scheduler: Scheduler, engine: ScriptedEngine
) -> None:
    engine.gate.clear()
    running = scheduler.submit("a b", OPTIONS)
    queued = scheduler.submit("c d", OPTIONS)
    queued.cancel()
    engine.gate.set()
    await _drain(running.events())
    assert await _drain(queued.events()) == [Finished("cancelled", 0, 0)]


async def test_prepare_errors_are_handed_to_the_request(scheduler: Scheduler) -> None:
    events = await _drain(scheduler.submit("too long", OPTIONS).events())
    assert len(events) == 1
    assert isinstance(events[0], Failed)
    assert isinstance(events[0].error, ContextLengthExceeded)


async def test_engine_crash_fails_one_job_and_the_next_still_runs(scheduler: Scheduler) -> None:
    failed = await _drain(scheduler.submit("explode", OPTIONS).events())
    assert isinstance(failed[0], Failed)
    ok = await _drain(scheduler.submit("a", OPTIONS).events())
    assert ok[-1] == Finished("stop", 1, 1)
    assert scheduler.stats.failed == 1


async def test_submit_before_start_is_unavailable(engine: ScriptedEngine) -> None:
    with pytest.raises(EngineUnavailable):
        Scheduler(engine, queue_size=1).submit("a", OPTIONS)


async def test_a_job_reports_how_long_it_waited_for_the_slot(
    scheduler: Scheduler, engine: ScriptedEngine
) -> None:
    engine.gate.clear()
    running = scheduler.submit("a b", OPTIONS)
    waiting = scheduler.submit("c d", OPTIONS)
    await asyncio.sleep(0.05)  # the second job waits at least this long behind the first
    engine.gate.set()
    first = (await _drain(running.events()))[-1]
    second = (await _drain(waiting.events()))[-1]
    assert isinstance(first, Finished)
    assert isinstance(second, Finished)
    # It could not start before the gate opened, after the sleep.
    assert second.queue_s >= 0.05
    assert first.queue_s >= 0
