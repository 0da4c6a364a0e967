"""What the classifier cannot read is not public: a prompt in a language the policy
does not cover never reaches a recording cloud, and the audit says which language;
a harmless prompt in a covered language still can."""

from __future__ import annotations

import json
from pathlib import Path

from tests.gateway.test_app_leaks import GatewayFactory, make_gateway  # noqa: F401

SPANISH = (
    "Explica paso a paso cómo planificar la migración. Mi compañera Ana Gómez está de "
    "baja desde hace tres semanas porque está en tratamiento de quimioterapia."
)
GERMAN = (
    "Erkläre Schritt für Schritt, wie wir die Migration planen. Meine Kollegin Anna "
    "Schneider ist seit drei Wochen krankgeschrieben, weil sie eine Chemotherapie macht."
)
# Harmless and complex, in the two other covered languages.
GERMAN_HARMLESS = (
    "Entwirf eine verteilte Architektur für ein Buchungssystem mit drei Rechenzentren: "
    "vergleiche Schritt für Schritt die Vor- und Nachteile von synchroner und "
    "asynchroner Replikation und begründe, welche Konsistenzgarantien du wählst."
)
FRENCH_HARMLESS = (
    "Démontre par récurrence que la somme des n premiers entiers impairs vaut n², puis "
    "explique étape par étape comment généraliser le raisonnement aux puissances."
)
ENGLISH = (
    "Explain step by step how to plan a zero-downtime migration of a distributed "
    "database, comparing the trade-offs of each approach in depth."
)


def decisions(tmp_path: Path) -> list[dict[str, object]]:
    lines = (tmp_path / "audit" / "audit.jsonl").read_text().splitlines()
    return [e for e in map(json.loads, lines) if e.get("kind") == "decision"]


def test_a_prompt_in_an_uncovered_language_stays_home_and_the_audit_says_why(
    make_gateway: GatewayFactory,  # noqa: F811
    tmp_path: Path,
) -> None:
    gateway = make_gateway()
    asked = gateway.chat(messages=[{"role": "user", "content": SPANISH}])
    assert asked.status_code == 403
    assert "language" in asked.json()["error"]["message"]
    automatic = gateway.chat(model="auto", messages=[{"role": "user", "content": SPANISH}])
    assert automatic.status_code == 200
    assert automatic.headers["x-hybridgate-route"] == "edge"
    assert gateway.cloud.bodies == []
    for event in decisions(tmp_path):
        assert "language" in event["inputs"]["unclassified"]  # type: ignore[index]
        assert event["sensitivity"]["unread_languages"] == ["es"]  # type: ignore[index]
    assert "Gómez" not in (tmp_path / "audit" / "audit.jsonl").read_text()


def test_a_paragraph_in_another_language_inside_an_english_prompt_counts(
    make_gateway: GatewayFactory,  # noqa: F811
) -> None:
    gateway = make_gateway()
    mixed = f"{ENGLISH}\n\n{SPANISH}"
    response = gateway.chat(model="auto", messages=[{"role": "user", "content": mixed}])
    assert response.headers["x-hybridgate-route"] == "edge"
    assert gateway.cloud.bodies == []


def test_a_harmless_prompt_in_a_covered_language_can_reach_the_cloud(
    make_gateway: GatewayFactory,  # noqa: F811
) -> None:
    gateway = make_gateway()
    response = gateway.chat(model="auto", messages=[{"role": "user", "content": ENGLISH}])
    assert response.status_code == 200
    assert response.headers["x-hybridgate-route"] == "cloud"


def test_a_sensitive_prompt_in_a_covered_language_stays_home_because_it_is_sensitive(
    make_gateway: GatewayFactory,  # noqa: F811
    tmp_path: Path,
) -> None:
    gateway = make_gateway()
    response = gateway.chat(model="auto", messages=[{"role": "user", "content": GERMAN}])
    assert response.headers["x-hybridgate-route"] == "edge"
    assert gateway.cloud.bodies == []
    (event,) = decisions(tmp_path)
    assert "unread_languages" not in event["sensitivity"]  # type: ignore[operator]
    assert event["sensitivity"]["level"] in ("confidential", "restricted")  # type: ignore[index]


def test_harmless_complex_prompts_in_the_covered_languages_can_reach_the_cloud(
    make_gateway: GatewayFactory,  # noqa: F811
) -> None:
    gateway = make_gateway()
    for prompt in (GERMAN_HARMLESS, FRENCH_HARMLESS):
        response = gateway.chat(model="auto", messages=[{"role": "user", "content": prompt}])
        assert response.status_code == 200
        assert response.headers["x-hybridgate-route"] == "cloud", prompt
