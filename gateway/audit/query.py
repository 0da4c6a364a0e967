"""Reads events back from a chain's files, filters them and prints them as a table.
It trusts the files: run `verify` first to know they are intact."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson

from gateway.audit.event import PrincipalView

Event = dict[str, Any]

_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("timestamp", ("timestamp",)),
    ("decision_id", ("decision_id",)),
    ("route", ("route",)),
    ("rule", ("rule",)),
    ("level", ("sensitivity", "level")),
    ("status", ("status",)),
    ("principal", ("principal", "oid")),
)
_PRINCIPAL_IDS = ("oid", "tid", "app_id")


def parse_since(value: str | None) -> datetime | None:
    """An ISO time, or an age such as 15m, 2h, 7d; ValueError otherwise."""
    if value is None:
        return None
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if value[:-1].isdigit() and value[-1] in units:
        return datetime.now(UTC) - timedelta(seconds=int(value[:-1]) * units[value[-1]])
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iter_events(files: Iterable[Path]) -> Iterator[Event]:
    """Every complete line; a torn tail (no newline) is skipped. Raises ValueError on a
    complete line that is not a JSON object."""
    for path in files:
        with path.open("rb") as f:
            for number, raw in enumerate(f, 1):
                if not raw.endswith(b"\n"):
                    break
                event = orjson.loads(raw)
                if not isinstance(event, dict):
                    raise ValueError(f"{path}:{number} is not a JSON object")
                yield event


def _get(event: Event, keys: tuple[str, ...]) -> Any:
    value: Any = event
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _timestamp(event: Event) -> datetime | None:
    value = event.get("timestamp")
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _aware(moment: datetime) -> datetime:
    # A naive bound means UTC, as the events' timestamps are.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Filter:
    """Every field set must match. `since` is inclusive, `until` exclusive; an event
    without a readable timestamp fails either. `principal` matches the event's
    principal oid, tid or app_id, in the clear or, given the log's `principal_key`,
    hashed as the log hashes them."""

    since: datetime | None = None
    until: datetime | None = None
    principal: str | None = None
    principal_key: bytes | None = None
    route: str | None = None
    rule: str | None = None
    level: str | None = None
    status: int | None = None

    def matches(self, event: Event) -> bool:
        return (
            self._in_time(event)
            and self._has_principal(event)
            and _equal(self.route, event.get("route"))
            and _equal(self.rule, event.get("rule"))
            and _equal(self.level, _get(event, ("sensitivity", "level")))
            and _equal(self.status, event.get("status"))
        )

    def _in_time(self, event: Event) -> bool:
        if self.since is None and self.until is None:
            return True
        moment = _timestamp(event)
        if moment is None:
            return False
        if self.since is not None and moment < _aware(self.since):
            return False
        return self.until is None or moment < _aware(self.until)

    @cached_property
    def _principal_ids(self) -> frozenset[str | None]:
        hashed = PrincipalView(self.principal_key).identifier(self.principal)
        return frozenset({self.principal, hashed})

    def _has_principal(self, event: Event) -> bool:
        if self.principal is None:
            return True
        return any(_get(event, ("principal", k)) in self._principal_ids for k in _PRINCIPAL_IDS)


def _equal(wanted: object, value: object) -> bool:
    return wanted is None or wanted == value


def select(events: Iterable[Event], filter: Filter) -> Iterator[Event]:
    return (event for event in events if filter.matches(event))


def format_table(events: Iterable[Event]) -> str:
    """One row per event under a header; columns as wide as their widest cell."""
    rows = [[name for name, _ in _COLUMNS]]
    rows += [[_cell(_get(event, keys)) for _, keys in _COLUMNS] for event in events]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _cell(value: Any) -> str:
    return "-" if value is None or value == "" else str(value)
