"""The scheduler with a scripted engine: ordering, bounds, cancellation and failure.

The real engine is exercised by the integration tests; here the engine is scripted so
that the scheduler's own guarantees can be checked deterministically.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import pytest

from common.errors import ContextLengthExceeded, EngineUnavailable, QueueFull
from edge.engine import (
    Delta,
    Failed,
    Finished,
    PreparedPrompt,
    Prompt,
    SamplingOptions,
    SlotEvent,
    Started,
)
from edge.scheduler import Scheduler

OPTIONS = SamplingOptions(max_tokens=3)


class ScriptedEngine:
    """Emits the prompt's words one per step for every admitted sequence; a gate can
    hold the next step, and `fail_next_step` makes the next step raise."""

    model_id = "scripted"

    def __init__(self, n_slots: int = 1) -> None:
        self.n_slots = n_slots
        self.gate = threading.Event()
        self.gate.set()
        self.max_active = 0
        self.steps = 0
        self.fail_next_step = False
        # (step, slot, event) for every event, in the order steps produced them.
        self.log: list[tuple[int, int, Delta | Finished]] = []
        self._sequences: dict[int, tuple[PreparedPrompt, int]] = {}

    def prepare(self, prompt: Prompt, options: SamplingOptions) -> PreparedPrompt:
        if prompt == "too long":
            raise ContextLengthExceeded("too long", param="prompt")
        if prompt == "explode":
            raise RuntimeError("engine fault")
        words = tuple(range(len(str(prompt).split())))
        return PreparedPrompt(words, options.max_tokens or 100, (), options)

    def admit(self, prepared: PreparedPrompt) -> int:
        slot = next(i for i in range(self.n_slots) if i not in self._sequences)
        self._sequences[slot] = (prepared, 0)
        self.max_active = max(self.max_active, len(self._sequences))
        return slot

    def step(self) -> list[SlotEvent]:
        self.gate.wait(5)
        self.steps += 1
        if self.fail_next_step:
            self.fail_next_step = False
            self._sequences.clear()
            raise RuntimeError("decode failed")
        events: list[SlotEvent] = []
        for slot, (prepared, produced) in list(self._sequences.items()):
            events.append((slot, Delta(f"w{prepared.tokens[produced]} ")))
            produced += 1
            self._sequences[slot] = (prepared, produced)
            if produced == len(prepared.tokens):
                del self._sequences[slot]
                events.append((slot, Finished("stop", len(prepared.tokens), produced)))
        self.log.extend((self.steps, slot, event) for slot, event in events)
        return events

    def cancel(self, slot: int) -> Finished:
        prepared, produced = self._sequences.pop(slot)
        return Finished("cancelled", len(prepared.tokens), produced)

    def close(self) -> None:
        pass


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


async def test_jobs_never_exceed_the_slots() -> None:
    engine = ScriptedEngine(n_slots=2)
    scheduler = Scheduler(engine, queue_size=8)
    scheduler.start()
    try:
        handles = [scheduler.submit(f"job {i} x y", OPTIONS) for i in range(6)]
        results = await asyncio.gather(*(_drain(h.events()) for h in handles))
    finally:
        scheduler.stop()
    assert engine.max_active == 2
    assert all(isinstance(r[-1], Finished) for r in results)


async def test_a_new_job_joins_the_running_batch_at_the_next_step() -> None:
    engine = ScriptedEngine(n_slots=4)
    scheduler = Scheduler(engine, queue_size=0)
    scheduler.start()
    try:
        engine.gate.clear()  # holds the first step until both jobs are in
        long = scheduler.submit("a " * 40, SamplingOptions(max_tokens=40))
        assert await long.next_event() == Started(40)
        waiting = scheduler.submit("b c", OPTIONS)
        engine.gate.set()
        short = await _drain(waiting.events())
        rest = await _drain(long.events())
    finally:
        scheduler.stop()
    assert short[-1] == Finished("stop", 2, 2)
    assert rest[-1] == Finished("stop", 40, 40)
    finished_at = {slot: step for step, slot, event in engine.log if isinstance(event, Finished)}
    # The short job joined after the long one's first step and was done two steps
    # later, while the long one still ran.
    assert finished_at[1] < finished_at[0]
    assert [step for step, slot, _ in engine.log if slot == 1] == [2, 3, 3]


async def test_a_failed_step_fails_every_running_job_and_the_engine_goes_on() -> None:
    engine = ScriptedEngine(n_slots=2)
    scheduler = Scheduler(engine, queue_size=0)
    scheduler.start()
    try:
        engine.gate.clear()
        first = scheduler.submit("a b c", OPTIONS)
        second = scheduler.submit("d e f", OPTIONS)
        assert await first.next_event() == Started(3)
        assert await second.next_event() == Started(3)
        engine.fail_next_step = True
        engine.gate.set()
        assert isinstance((await _drain(first.events()))[-1], Failed)
        assert isinstance((await _drain(second.events()))[-1], Failed)
        assert (await _drain(scheduler.submit("g", OPTIONS).events()))[-1] == Finished("stop", 1, 1)
    finally:
        scheduler.stop()
    assert scheduler.stats.failed == 2


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
