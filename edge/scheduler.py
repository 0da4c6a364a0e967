"""A bounded queue in front of a batching engine, driven by one worker thread.

llama.cpp contexts are not thread-safe, so exactly one thread ever touches the engine;
asyncio handlers talk to it through jobs and per-job event queues. The worker admits
waiting jobs into free slots before every step, so a new request joins the running
batch at the next decode instead of waiting for anyone's generation to end.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace

from common.errors import EngineUnavailable, QueueFull
from edge.engine import Engine, Event, Failed, Finished, Prompt, SamplingOptions, Started


@dataclass
class SchedulerStats:
    completed: int = 0
    cancelled: int = 0
    failed: int = 0
    rejected: int = 0
    # Prompt tokens of finished jobs, and how many of them came from a slot's KV cache.
    prompt_tokens: int = 0
    cached_tokens: int = 0


@dataclass
class _Job:
    prompt: Prompt
    options: SamplingOptions
    loop: asyncio.AbstractEventLoop
    events: asyncio.Queue[Event] = field(default_factory=asyncio.Queue)
    cancelled: threading.Event = field(default_factory=threading.Event)
    submitted: float = field(default_factory=time.monotonic)
    started: float = 0.0

    def emit(self, event: Event) -> None:
        # The loop may be closing while a job winds down; the event then has no reader.
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.events.put_nowait, event)


class JobHandle:
    """The asyncio side of a job: its events, in order, and a way to cancel it."""

    def __init__(self, job: _Job) -> None:
        self._job = job

    def cancel(self) -> None:
        self._job.cancelled.set()

    async def next_event(self) -> Event:
        return await self._job.events.get()

    async def events(self) -> AsyncIterator[Event]:
        while True:
            event = await self.next_event()
            yield event
            if isinstance(event, Finished | Failed):
                return


@dataclass(frozen=True)
class Load:
    """What the edge reports to the gateway's spillover and to /metrics."""

    slots_busy: int
    slots_total: int
    queue_depth: int

    @property
    def in_flight(self) -> int:
        return self.slots_busy + self.queue_depth


class Scheduler:
    def __init__(self, engine: Engine, queue_size: int) -> None:
        self._engine = engine
        # Every slot busy plus `queue_size` waiting; more get a 429.
        self._capacity = engine.n_slots + queue_size
        self._waiting: deque[_Job] = deque()
        self._running: dict[int, _Job] = {}
        self._wake = threading.Condition()
        self._avg_job_s = 1.0
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.stats = SchedulerStats()

    @property
    def load(self) -> Load:
        with self._wake:
            return Load(len(self._running), self._engine.n_slots, len(self._waiting))

    @property
    def in_flight(self) -> int:
        return self.load.in_flight

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="edge-engine", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Cancels running and queued jobs, then waits for the worker to exit."""
        if self._thread is None:
            return
        self._stopping.set()
        with self._wake:
            self._wake.notify()
        self._thread.join(timeout_s)
        self._thread = None

    def submit(self, prompt: Prompt, options: SamplingOptions) -> JobHandle:
        if self._thread is None:
            raise EngineUnavailable("the edge engine is not running")
        job = _Job(prompt, options, asyncio.get_running_loop())
        with self._wake:
            if len(self._running) + len(self._waiting) >= self._capacity:
                self.stats.rejected += 1
                raise QueueFull(
                    "the edge server is at capacity; retry later",
                    retry_after_s=self._retry_after_s(),
                )
            self._waiting.append(job)
            self._wake.notify()
        return JobHandle(job)

    def _retry_after_s(self) -> int:
        # Jobs ahead of a newcomer drain n_slots at a time.
        rounds = (len(self._running) + len(self._waiting)) / self._engine.n_slots
        return max(1, min(60, math.ceil(self._avg_job_s * rounds)))

    # -- the worker thread -----------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            for job in self._next_admissions():
                self._admit(job)
            self._reap_cancelled()
            if self._running:
                self._step()
        self._shut_down()

    def _next_admissions(self) -> list[_Job]:
        """Waiting jobs that fit the free slots; blocks while there is nothing to do."""
        with self._wake:
            while not self._waiting and not self._running and not self._stopping.is_set():
                self._wake.wait()
            free = self._engine.n_slots - len(self._running)
            return [self._waiting.popleft() for _ in range(min(free, len(self._waiting)))]

    def _admit(self, job: _Job) -> None:
        job.started = time.monotonic()
        if job.cancelled.is_set():
            self.stats.cancelled += 1
            job.emit(Finished("cancelled", 0, 0))
            return
        try:
            prepared = self._engine.prepare(job.prompt, job.options)
            slot = self._engine.admit(prepared)
        except Exception as exc:  # handed to the request that owns the job
            self.stats.failed += 1
            job.emit(Failed(exc))
            return
        with self._wake:
            self._running[slot] = job
        job.emit(Started(len(prepared.tokens)))

    def _reap_cancelled(self) -> None:
        # A disconnected client's slot is freed before the next step, not at its end.
        for slot, job in list(self._running.items()):
            if job.cancelled.is_set():
                self._finish(slot, self._engine.cancel(slot))

    def _step(self) -> None:
        try:
            events = self._engine.step()
        except Exception as exc:  # the engine has freed every slot; each owner hears why
            for slot in list(self._running):
                self._fail(slot, exc)
            return
        for slot, event in events:
            if isinstance(event, Finished):
                self._finish(slot, event)
            else:
                self._running[slot].emit(event)

    def _finish(self, slot: int, event: Finished) -> None:
        with self._wake:
            job = self._running.pop(slot)
        now = time.monotonic()
        # Smoothed job time feeds Retry-After.
        self._avg_job_s = 0.8 * self._avg_job_s + 0.2 * (now - job.started)
        self._count(event)
        # Sent after the slot is freed, so whoever sees the end sees the capacity too.
        job.emit(replace(event, queue_s=job.started - job.submitted))

    def _fail(self, slot: int, error: Exception) -> None:
        with self._wake:
            job = self._running.pop(slot)
        self.stats.failed += 1
        job.emit(Failed(error))

    def _count(self, event: Finished) -> None:
        if event.finish_reason == "cancelled":
            self.stats.cancelled += 1
        else:
            self.stats.completed += 1
        self.stats.prompt_tokens += event.prompt_tokens
        self.stats.cached_tokens += event.cached_tokens

    def _shut_down(self) -> None:
        for slot in list(self._running):
            self._finish(slot, self._engine.cancel(slot))
        with self._wake:
            waiting, self._waiting = list(self._waiting), deque()
        for job in waiting:
            self.stats.cancelled += 1
            job.emit(Finished("cancelled", 0, 0))
