"""What the sensitivity classifier keeps of one text: entity types with counts and
scores, never the matched text; cached per text by content hash."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Findings:
    """What one message holds: entity type -> count and best score. No matched text."""

    counts: dict[str, int]
    scores: dict[str, float]
    names_checked: bool = False  # whether NER has looked for people in it
    # Entity type -> the encodings it was found through (in a decoded view only).
    decoded: dict[str, tuple[str, ...]] = field(default_factory=dict)
    binary: int = 0  # base64 runs that decode to bytes, not text: unreadable
    # Languages in it the classifiers do not cover (ISO 639-1 codes or scripts).
    languages: frozenset[str] = frozenset()


def merged(parts: Sequence[Findings]) -> Findings:
    """One text's findings from its chunks'."""
    counts: Counter[str] = Counter()
    scores: dict[str, float] = {}
    decoded: dict[str, tuple[str, ...]] = {}
    for part in parts:
        counts.update(part.counts)
        for name, score in part.scores.items():
            scores[name] = max(score, scores.get(name, 0.0))
        for name, encodings in part.decoded.items():
            seen = decoded.get(name, ())
            decoded[name] = seen + tuple(e for e in encodings if e not in seen)
    return Findings(
        dict(counts),
        scores,
        names_checked=all(p.names_checked for p in parts),
        decoded=decoded,
        binary=sum(p.binary for p in parts),
        languages=frozenset().union(*(p.languages for p in parts)),
    )
