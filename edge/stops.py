"""Stop-sequence handling for streamed text: never emits text that a stop could still claim."""

from __future__ import annotations


class StopScanner:
    """Feeds decoded text in, returns what is safe to emit and whether a stop matched.

    A stop string can straddle two tokens, so the tail that is still a prefix of some
    stop is held back until the next piece decides it.
    """

    def __init__(self, stops: tuple[str, ...]) -> None:
        self._stops = tuple(s for s in stops if s)
        self._pending = ""

    def feed(self, text: str) -> tuple[str, bool]:
        buffer = self._pending + text
        hit = self._first_stop(buffer)
        if hit is not None:
            self._pending = ""
            return buffer[:hit], True
        keep = self._held_tail(buffer)
        self._pending = buffer[len(buffer) - keep :]
        return buffer[: len(buffer) - keep], False

    def flush(self) -> str:
        """Releases the held-back tail once generation ends without a stop."""
        rest, self._pending = self._pending, ""
        return rest

    def _first_stop(self, buffer: str) -> int | None:
        found = [i for i in (buffer.find(s) for s in self._stops) if i >= 0]
        return min(found) if found else None

    def _held_tail(self, buffer: str) -> int:
        longest = 0
        for stop in self._stops:
            for size in range(min(len(stop) - 1, len(buffer)), longest, -1):
                if buffer.endswith(stop[:size]):
                    longest = size
                    break
        return longest
