from __future__ import annotations

import pytest

from gateway.classify.levels import sensitivity_level
from gateway.classify.options import SensitivityOptions
from gateway.classify.signals import Level

OPTIONS = SensitivityOptions.model_validate(
    {
        "entity_levels": {"US_SSN": "restricted", "EMAIL_ADDRESS": "confidential"},
        "combinations": [{"all": ["PERSON", "HEALTH_CONTEXT"], "level": "restricted"}],
    }
)


@pytest.mark.parametrize(
    ("entities", "level"),
    [
        ({}, Level.PUBLIC),
        ({"PERSON": 1}, Level.PUBLIC),
        ({"HEALTH_CONTEXT": 2}, Level.PUBLIC),
        ({"PERSON": 1, "HEALTH_CONTEXT": 1}, Level.RESTRICTED),
        ({"EMAIL_ADDRESS": 1}, Level.CONFIDENTIAL),
        ({"EMAIL_ADDRESS": 1, "US_SSN": 1}, Level.RESTRICTED),
        ({"UNLISTED": 3}, Level.PUBLIC),
        ({"PERSON": 0, "HEALTH_CONTEXT": 1}, Level.PUBLIC),
    ],
)
def test_levels(entities: dict[str, int], level: Level) -> None:
    scores = dict.fromkeys(entities, 0.8)
    assert sensitivity_level(entities, scores, OPTIONS)[0] == level


def test_score_comes_from_the_entities_that_set_the_level() -> None:
    level, score = sensitivity_level(
        {"EMAIL_ADDRESS": 1, "US_SSN": 1}, {"EMAIL_ADDRESS": 1.0, "US_SSN": 0.6}, OPTIONS
    )
    assert (level, score) == (Level.RESTRICTED, 0.6)
