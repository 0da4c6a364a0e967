"""`hybridgate policy check`: errors with file:line, and warnings for rules that can
never match or that an earlier rule shadows."""

from __future__ import annotations

from pathlib import Path

import yaml

from gateway.classify.signals import Level
from gateway.policy.loader import line_of, load_policy
from gateway.policy.model import Condition, Policy


def check_policy(path: Path) -> list[str]:
    """Warnings for a policy that loads; raises PolicyError when it does not."""
    policy, _ = load_policy(path)
    root = yaml.compose(path.read_text(encoding="utf-8"))
    warnings: list[str] = []
    for index, rule in enumerate(policy.rules):
        line = line_of(root, ("rules", index))
        reason = _never_matches(rule.when) or _ceiling_blocks(policy, index)
        if reason:
            warnings.append(f"{path}:{line}: warning: rule {rule.id} can never {reason}")
        for earlier in policy.rules[:index]:
            if earlier.when == rule.when or _always(earlier.when):
                warnings.append(
                    f"{path}:{line}: warning: rule {rule.id} is shadowed by {earlier.id}, "
                    "which matches whenever it would"
                )
                break
    return warnings


def _always(condition: Condition) -> bool:
    if condition.any is not None:
        models = {c.model for c in condition.any if c.model is not None}
        return models == {"auto", "edge", "cloud"}
    return False


def _never_matches(condition: Condition) -> str | None:
    if condition.all is None:
        return None
    leaves = condition.all
    at_least = [Level.parse(c.sensitivity_at_least) for c in leaves if c.sensitivity_at_least]
    below = [Level.parse(c.sensitivity_below) for c in leaves if c.sensitivity_below]
    if at_least and below and max(at_least) >= min(below):
        return "match: its sensitivity bounds exclude every level"
    for field in ("model", "complexity_label"):
        values = {getattr(c, field) for c in leaves if getattr(c, field) is not None}
        if len(values) > 1:
            return f"match: it asks for two different {field} values at once"
    return None


def _ceiling_blocks(policy: Policy, index: int) -> str | None:
    rule = policy.rules[index]
    floor = rule.when.sensitivity_at_least
    if (
        rule.route == "cloud"
        and floor
        and Level.parse(floor) >= Level.parse(policy.max_cloud_level)
    ):
        return "route to the cloud: it only matches levels the max_cloud_level keeps on the edge"
    return None
