"""The level vocabulary: the enum and its spelled names are one list."""

from __future__ import annotations

from gateway.classify.signals import LEVEL_NAMES, Level


def test_level_names_are_the_enum_lower_cased_in_order() -> None:
    assert tuple(str(level) for level in Level) == LEVEL_NAMES
    assert [Level.parse(name) for name in LEVEL_NAMES] == sorted(Level)
