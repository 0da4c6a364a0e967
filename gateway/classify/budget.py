"""What one request's classification may cost: characters read and seconds spent.

A request beyond its budget is not an error and never a hang: what was read is
classified, and what was not is reported as unclassified content (`oversized`: text
past the character cap; `timeout`: classification past its deadline), which the
policy keeps from the cloud unless a rule allows that kind. Work checks its
deadline between chunks of text and inside every recognizer's regex search, so an
overrun is cut off where it happens instead of blocking the classification thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import regex
from presidio_analyzer import EntityRecognizer, PatternRecognizer

from gateway.classify.extract import SEAM, Segment
from gateway.classify.gates import patterns
from gateway.classify.presidio_compat import compiled_flags, compiled_regex, install_regex

# What classifying a character of ordinary prose costs on one core (bench/classify.py:
# about 15 ms a KB): the yardstick for text that costs more.
PROSE_S_PER_CHAR = 15e-6
# What a long text is read in: well under spaCy's limit of a million characters, and
# short enough that the deadline is checked often (about 0.3 s of work each).
CHUNK_CHARS = 50_000
Reason = Literal["oversized", "timeout"]
OVERSIZED: Reason = "oversized"
TIMEOUT: Reason = "timeout"
# Overlap between consecutive chunks of one long text, so that a value on a chunk's
# edge is whole in one of them (as the seams do between messages).
CHUNK_OVERLAP = 256
# Messages kept whole at the end of a conversation when earlier ones are merged: the
# newest turns are what the complexity model reads.
KEPT_WHOLE = 8
MERGED = "merged"  # the role of a text merged from several: no message's own


@dataclass(frozen=True)
class Budget:
    max_chars: int = 500_000
    timeout_s: float = 5.0
    max_messages: int = 256


class Overrun(Exception):
    """Classification went past its deadline; raised where the work noticed it."""

    def __init__(self, reason: Reason = TIMEOUT) -> None:
        super().__init__(reason)
        self.reason: Reason = reason


class Deadline:
    """When one request's classification must stop, readable from any code running it
    on this thread (the recognizers' regex searches) through `DeadlineClock`."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.expires = clock() + seconds

    def remaining(self) -> float:
        return self.expires - self._clock()

    def check(self) -> None:
        if self.remaining() <= 0:
            raise Overrun(TIMEOUT)


class DeadlineClock:
    """The deadline of the classification running on the current thread, if any: each
    classification thread sets its own, so concurrent requests do not share one."""

    def __init__(self) -> None:
        self._local = threading.local()

    @property
    def current(self) -> Deadline | None:
        deadline: Deadline | None = getattr(self._local, "deadline", None)
        return deadline

    def running(self, deadline: Deadline | None) -> _Running:
        return _Running(self._local, deadline)


class _Running:
    def __init__(self, local: threading.local, deadline: Deadline | None) -> None:
        self._local, self._deadline = local, deadline

    def __enter__(self) -> None:
        self._previous = getattr(self._local, "deadline", None)
        self._local.deadline = self._deadline

    def __exit__(self, *exc: object) -> None:
        self._local.deadline = self._previous


class DeadlineRegex:
    """Stands in for a compiled pattern in Presidio's PatternRecognizer: searches with
    the current deadline as the regex module's timeout, and turns a timeout into an
    Overrun. (Presidio calls `finditer(text, timeout=60)` and skips a pattern that
    times out: a silent miss, which for this product would be a leak.)"""

    def __init__(self, compiled: Any, clock: DeadlineClock) -> None:
        self._compiled = compiled
        self._clock = clock

    def finditer(self, text: str, timeout: float | None = None) -> Iterator[Any]:
        deadline = self._clock.current
        if deadline is not None:
            left = deadline.remaining()
            if left <= 0:
                raise Overrun(TIMEOUT)
            timeout = left if timeout is None else min(timeout, left)
        try:
            # Materialized here: the regex module raises its timeout while iterating.
            found = list(self._compiled.finditer(text, timeout=timeout))
        except TimeoutError as exc:
            raise Overrun(TIMEOUT) from exc
        return iter(found)


def bind_deadline(recognizer: EntityRecognizer, clock: DeadlineClock) -> None:
    """Makes each of a pattern recognizer's patterns search within the deadline of the
    classification running on the calling thread (gated patterns keep their gate)."""
    if not isinstance(recognizer, PatternRecognizer):
        return
    flags = recognizer.global_regex_flags
    for pattern in patterns(recognizer):
        compiled = compiled_regex(pattern)
        if isinstance(compiled, DeadlineRegex):
            continue
        if compiled is None or compiled_flags(pattern) != flags:
            compiled = regex.compile(pattern.regex, flags=flags)
        install_regex(pattern, DeadlineRegex(compiled, clock), flags)


def chunks(text: str, size: int) -> list[tuple[int, str]]:
    """`text` in windows of `size` characters that overlap by CHUNK_OVERLAP, with the
    offset of each: spaCy reads at most a million characters, and a deadline is
    checked between windows."""
    if len(text) <= size:
        return [(0, text)]
    step = max(1, size - CHUNK_OVERLAP)
    return [
        (start, text[start : start + size]) for start in range(0, len(text) - CHUNK_OVERLAP, step)
    ]


def within(found: Sequence[Segment], budget: Budget) -> tuple[list[Segment], bool]:
    """The segments a classification reads: at most `max_chars` characters in all
    (a text past the cap is cut; True when something was), and at most `max_messages`
    texts (earlier messages merged into texts of up to CHUNK_CHARS, the newest kept
    whole)."""
    kept: list[Segment] = []
    left = budget.max_chars
    cut = False
    for segment in found:
        if left <= 0:
            cut = True
            break
        if len(segment.text) > left:
            kept.append(Segment(segment.role, segment.text[:left]))
            cut = True
            break
        kept.append(segment)
        left -= len(segment.text)
    if len(kept) > budget.max_messages:
        kept = _merged(kept, budget)
    return kept, cut


def _merged(found: list[Segment], budget: Budget) -> list[Segment]:
    """Earlier texts (and every seam) joined into fewer, longer ones: each is still
    read whole, only the per-text overhead goes, so ten thousand short messages cost
    what their text costs. The newest texts stay whole: the complexity model reads
    the newest user turn."""
    texts = [s for s in found if s.role != SEAM]
    seams = [s for s in found if s.role == SEAM]
    head, tail = texts[:-KEPT_WHOLE], texts[-KEPT_WHOLE:]
    return _joined(head, CHUNK_CHARS) + tail + _joined(seams, CHUNK_CHARS)


def _joined(found: list[Segment], size: int) -> list[Segment]:
    joined: list[Segment] = []
    pieces: list[str] = []
    length = 0
    for segment in found:
        if pieces and length + len(segment.text) > size:
            joined.append(Segment(MERGED, "\n\n".join(pieces)))
            pieces, length = [], 0
        pieces.append(segment.text)
        length += len(segment.text) + 2
    if pieces:
        joined.append(Segment(MERGED, "\n\n".join(pieces)))
    return joined
