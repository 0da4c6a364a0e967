"""A bounded queue in front of one engine, driven by one worker thread.

llama.cpp model objects are not thread-safe, so exactly one thread ever touches the
engine; asyncio handlers talk to it through jobs and per-job event queues.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import queue
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from edge.engine import Engine, Event, Failed, Finished, Prompt, SamplingOptions, Started
from edge.errors import EngineUnavailable, QueueFull


@dataclass
class SchedulerStats:
    completed: int = 0
    cancelled: int = 0
    failed: int = 0
    rejected: int = 0


@dataclass
class _Job:
    prompt: Prompt
    options: SamplingOptions
    loop: asyncio.AbstractEventLoop
    events: asyncio.Queue[Event] = field(default_factory=asyncio.Queue)
    cancelled: threading.Event = field(default_factory=threading.Event)
    submitted: float = field(default_factory=time.monotonic)

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


class Scheduler:
    def __init__(self, engine: Engine, queue_size: int) -> None:
        self._engine = engine
        # One decoding plus `queue_size` waiting.
        self._capacity = queue_size + 1
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._in_flight = 0
        self._avg_job_s = 1.0
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.stats = SchedulerStats()

    @property
    def in_flight(self) -> int:
        return self._in_flight

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
        self._jobs.put(None)
        self._thread.join(timeout_s)
        self._thread = None

    def submit(self, prompt: Prompt, options: SamplingOptions) -> JobHandle:
        if self._thread is None:
            raise EngineUnavailable("the edge engine is not running")
        with self._lock:
            if self._in_flight >= self._capacity:
                self.stats.rejected += 1
                raise QueueFull(
                    "the edge server is at capacity; retry later",
                    retry_after_s=self._retry_after_s(),
                )
            self._in_flight += 1
        job = _Job(prompt, options, asyncio.get_running_loop())
        self._jobs.put(job)
        return JobHandle(job)

    def _retry_after_s(self) -> int:
        return max(1, min(60, math.ceil(self._avg_job_s * self._in_flight)))

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            started = time.monotonic()
            final = self._execute(job)
            if isinstance(final, Finished):
                # How long the job waited for the decode slot, reported with its usage.
                final = dataclasses.replace(final, queue_s=started - job.submitted)
            with self._lock:
                self._in_flight -= 1
                # Smoothed job time feeds Retry-After.
                self._avg_job_s = 0.8 * self._avg_job_s + 0.2 * (time.monotonic() - started)
            # Sent after the slot is freed, so whoever sees the end sees the capacity too.
            job.emit(final)

    def _execute(self, job: _Job) -> Finished | Failed:
        """Emits Started and the deltas; returns the terminal event."""

        def should_stop() -> bool:
            return job.cancelled.is_set() or self._stopping.is_set()

        if should_stop():
            self.stats.cancelled += 1
            return Finished("cancelled", 0, 0)
        try:
            prepared = self._engine.prepare(job.prompt, job.options)
            job.emit(Started(len(prepared.tokens)))
            for event in self._engine.generate(prepared, should_stop):
                if isinstance(event, Finished):
                    self._count(event)
                    return event
                job.emit(event)
        except Exception as exc:  # handed to the request that owns the job
            self.stats.failed += 1
            return Failed(exc)
        self.stats.failed += 1
        return Failed(RuntimeError("the engine ended a generation without finishing it"))

    def _count(self, event: Finished) -> None:
        if event.finish_reason == "cancelled":
            self.stats.cancelled += 1
        else:
            self.stats.completed += 1
