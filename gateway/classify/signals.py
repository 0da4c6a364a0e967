"""The signals classifiers emit. They name entity types and counts, never matched text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Literal, get_args

# A level as the policy YAML, the decision JSON and the metrics spell it: the names
# of `Level`, lower-cased (a test keeps the two in step).
LevelName = Literal["public", "internal", "confidential", "restricted"]
LEVEL_NAMES: tuple[LevelName, ...] = get_args(LevelName)


class Level(IntEnum):
    """Sensitivity levels, ordered: comparisons mean "at or above"."""

    PUBLIC = 0
    INTERNAL = 1
    CONFIDENTIAL = 2
    RESTRICTED = 3

    @classmethod
    def parse(cls, name: str) -> Level:
        return cls[name.upper()]

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class SensitivitySignal:
    level: Level
    entities: Mapping[str, int]
    score: float
    # Entity type -> the encodings (base64, percent...) a finding of it was read
    # through; empty when everything was found in plain text.
    decoded: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Kinds of unclassified content found inside the texts ("binary": base64 that
    # decodes to bytes): the policy treats them like an image part.
    unreadable: frozenset[str] = frozenset()
    # The languages behind the `language` kind (ISO 639-1 codes, or a script's name).
    languages: frozenset[str] = frozenset()

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "level": str(self.level),
            "entities": dict(sorted(self.entities.items())),
            "score": round(self.score, 3),
        }
        if self.decoded:
            found["decoded"] = {k: list(v) for k, v in sorted(self.decoded.items())}
        if self.languages:
            found["unread_languages"] = sorted(self.languages)
        return found


@dataclass(frozen=True)
class ComplexitySignal:
    score: float
    label: Literal["simple", "complex"]
    features: Mapping[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 3),
            "label": self.label,
            "features": {k: round(v, 3) for k, v in self.features.items()},
        }


@dataclass(frozen=True)
class Signals:
    sensitivity: SensitivitySignal
    complexity: ComplexitySignal

    def as_json(self) -> dict[str, Any]:
        return {
            "sensitivity": self.sensitivity.as_json(),
            "complexity": self.complexity.as_json(),
        }


def unread(kinds: frozenset[str]) -> Signals:
    """The signals of a request nothing was read of: no finding, no complexity, only
    the kinds of unclassified content that kept it unread (which keep it home)."""
    return Signals(
        SensitivitySignal(Level.PUBLIC, {}, 0.0, unreadable=kinds),
        ComplexitySignal(0.0, "simple"),
    )
