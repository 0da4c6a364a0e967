"""The secret recognizers together: a placeholder, in any covered language, is reported
by none of them, and a real value still is."""

from __future__ import annotations

from typing import Any

import pytest
from presidio_analyzer import EntityRecognizer

from gateway.classify.secrets import secret_recognizers

NO_NLP: Any = None  # pattern recognizers need no NLP artifacts


@pytest.fixture(scope="module")
def recognizers() -> list[EntityRecognizer]:
    return secret_recognizers()


def found(recognizers: list[EntityRecognizer], text: str) -> list[tuple[str, str]]:
    return [
        (result.entity_type, text[result.start : result.end])
        for recognizer in recognizers
        for result in recognizer.analyze(text, recognizer.supported_entities, NO_NLP)
    ]


@pytest.mark.parametrize(
    "text",
    [
        "export API_KEY=YOUR_API_KEY_HERE",
        "export API_KEY=DEIN_SCHLUESSEL_HIER",
        "export API_KEY=IHR-API-SCHLUESSEL",
        "export OPENAI_API_KEY=VOTRE_CLE_ICI",
        "export OPENAI_API_KEY=TA_CLE_API_ICI",
        "client_secret: BEISPIEL_SECRET_123456",
        "client_secret: exemple-de-secret-123456",
        "api_key = platzhalter_1234567890abc",
        "password: <Passwort>",
        "mot_de_passe=<votre_mot_de_passe>",
    ],
)
def test_a_placeholder_in_any_covered_language_is_not_a_secret(
    recognizers: list[EntityRecognizer], text: str
) -> None:
    assert found(recognizers, text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # Words that hold a placeholder's letters without being one.
        ("export API_KEY=Zk9tonQ2vB7xLm4pR8sT", "Zk9tonQ2vB7xLm4pR8sT"),
        ("export API_KEY=a8Hier_x7Qm2Lp9Rt4Vw", "a8Hier_x7Qm2Lp9Rt4Vw"),
    ],
)
def test_a_value_that_merely_contains_a_placeholder_word_is_still_found(
    recognizers: list[EntityRecognizer], text: str, value: str
) -> None:
    assert ("API_KEY", value) in found(recognizers, text)
