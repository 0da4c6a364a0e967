"""What the classifier cannot read is not public: a prompt in a language the policy
does not cover never reaches a recording cloud, and the audit says which language;
a harmless prompt in a covered language still can."""

from __future__ import annotations

import json
from pathlib import Path

from gateway.classify.extract import Segment
from gateway.classify.registry import Classifiers
from gateway.classify.signals import Level
from gateway.policy.loader import load_classifier_options
from tests.conftest import DEFAULT_POLICY
from tests.gateway.test_app_leaks import GatewayFactory, make_gateway  # noqa: F401

SPANISH = (
    "Explica paso a paso cómo planificar la migración. Mi compañera Ana Gómez está de "
    "baja desde hace tres semanas porque está en tratamiento de quimioterapia."
)
GERMAN = (
    "Erkläre Schritt für Schritt, wie wir die Migration planen. Meine Kollegin Anna "
    "Schneider ist seit drei Wochen krankgeschrieben, weil sie eine Chemotherapie macht."
)
FRENCH = (
    "Explique étape par étape comment planifier la migration. Ma collègue Anne Moreau "
    "est en arrêt maladie depuis trois semaines parce qu'elle suit une chimiothérapie."
)
# Harmless and complex: German, whose lists ship but which the default policy does
# not cover, and French, which it does.
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
    response = gateway.chat(model="auto", messages=[{"role": "user", "content": FRENCH}])
    assert response.headers["x-hybridgate-route"] == "edge"
    assert gateway.cloud.bodies == []
    (event,) = decisions(tmp_path)
    assert "unread_languages" not in event["sensitivity"]  # type: ignore[operator]
    assert event["sensitivity"]["level"] in ("confidential", "restricted")  # type: ignore[index]


def test_a_harmless_complex_prompt_in_a_covered_language_can_reach_the_cloud(
    make_gateway: GatewayFactory,  # noqa: F811
) -> None:
    gateway = make_gateway()
    response = gateway.chat(model="auto", messages=[{"role": "user", "content": FRENCH_HARMLESS}])
    assert response.status_code == 200
    assert response.headers["x-hybridgate-route"] == "cloud"


def test_german_is_not_covered_by_default(
    make_gateway: GatewayFactory,  # noqa: F811
) -> None:
    # Its lists ship, but the default policy does not cover it: even a harmless
    # prompt stays home.
    gateway = make_gateway()
    response = gateway.chat(model="auto", messages=[{"role": "user", "content": GERMAN_HARMLESS}])
    assert response.headers["x-hybridgate-route"] == "edge"


def test_german_is_read_once_the_policy_covers_it(tmp_path: Path) -> None:
    german = DEFAULT_POLICY.read_text().replace("languages: [en, fr]", "languages: [en, de, fr]")
    assert "languages: [en, de, fr]" in german
    policy = tmp_path / "german.yaml"
    policy.write_text(german)
    classifiers = Classifiers(load_classifier_options(policy))
    harmless = classifiers.classify_segments([Segment("user", GERMAN_HARMLESS)])
    assert harmless.sensitivity.level == Level.PUBLIC
    assert harmless.sensitivity.unreadable == frozenset()
    assert harmless.complexity.label == "complex"
    sensitive = classifiers.classify_segments([Segment("user", GERMAN)])
    assert sensitive.sensitivity.level >= Level.CONFIDENTIAL
