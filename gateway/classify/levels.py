"""Maps the entity types found in a request to a sensitivity level. Pure."""

from __future__ import annotations

from collections.abc import Mapping

from gateway.classify.options import SensitivityOptions
from gateway.classify.signals import Level


def sensitivity_level(
    entities: Mapping[str, int], scores: Mapping[str, float], options: SensitivityOptions
) -> tuple[Level, float]:
    """The highest level any entity or combination implies, and the confidence behind
    it: the best score among the entities that set that level."""
    level = Level.PUBLIC
    drivers: list[str] = []
    found = {name for name, count in entities.items() if count > 0}
    for name in found:
        implied = Level.parse(options.entity_levels.get(name, "public"))
        level, drivers = _raise(level, drivers, implied, [name])
    for rule in options.combinations:
        if found.issuperset(rule.all):
            level, drivers = _raise(level, drivers, Level.parse(rule.level), rule.all)
    if level == Level.PUBLIC:
        return level, 0.0
    return level, max((scores.get(name, 0.0) for name in drivers), default=0.0)


def _raise(
    level: Level, drivers: list[str], implied: Level, names: list[str]
) -> tuple[Level, list[str]]:
    if implied > level:
        return implied, list(names)
    if implied == level:
        return level, drivers + names
    return level, drivers
