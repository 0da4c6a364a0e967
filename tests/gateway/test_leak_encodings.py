"""Encoded values never reach a recording cloud: every planted value of the leak
probes under every encoding a reader can undo (base64, base64url, percent, HTML
entities, quoted-printable, escapes, numbers as words) and under nested layers, in a
message and in tool-call arguments, under the default policy and under one that
redacts everything it sends; then random values of every entity type the default
policy gives a level (tests/gateway/planted.py) under every encoding and random
nestings. Each probe's control, the same body without the value,
still reaches the cloud. The test states how many probes it ran."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from gateway.classify.registry import Classifiers
from tests.conftest import DEFAULT_POLICY
from tests.gateway.leak_probe import (
    BENIGN,
    CHAT_PLACES,
    DISGUISES,
    ENCODINGS,
    SECRETS,
    Probe,
    Secret,
    nested,
)
from tests.gateway.planted import PLANTED
from tests.gateway.test_leak_property import (
    REDACT_EVERYTHING,
    Probed,
    gateway,
    never_sent_under_the_default_policy,
    never_sent_under_the_redacting_policy,
)

# Every single encoding, numbers as words, a fixed set of nestings and a seeded
# random one: (name, encode).
FIXED_NESTINGS = (
    ("percent", "base64"),
    ("base64", "percent"),
    ("html entities", "base64"),
    ("base64", "base64"),
    ("base64", "unicode escapes"),
    ("quoted-printable", "base64url"),
    ("percent", "base64", "base64"),
)


def _encodings() -> list[tuple[str, Callable[[str], str]]]:
    found = [
        (name, DISGUISES[name]) for name in (*ENCODINGS, "number words", "spoken number words")
    ]
    chosen = random.Random(28)
    chains = [*FIXED_NESTINGS]
    chains += [tuple(chosen.choices(sorted(ENCODINGS), k=chosen.randint(2, 3))) for _ in range(6)]
    found += [(" of ".join(reversed(chain)), nested(chain)) for chain in chains]
    return found


PLACES = ("user content", "tool-call arguments")


def _probes(model: str) -> Iterator[Probe]:
    for secret in SECRETS:
        for name, encode in _encodings():
            for place in PLACES:
                yield _probe(secret, name, encode(secret.value), place, model)


def _probe(secret: Secret, encoding: str, hidden: str, place: str, model: str) -> Probe:
    base: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": BENIGN[0]}]}
    body, clean = json.loads(json.dumps(base)), json.loads(json.dumps(base))
    CHAT_PLACES[place](body, secret.template.format(v=hidden))
    CHAT_PLACES[place](clean, BENIGN[1])
    return Probe("/v1/chat/completions", body, clean, secret, hidden, f"{place} ({encoding})")


def _random_probes(model: str, seed: int) -> Iterator[Probe]:
    """A fresh random value of every entity type under every single encoding, numbers
    as words, and two random nestings each."""
    rng = random.Random(seed)
    singles = [
        (name, DISGUISES[name]) for name in (*ENCODINGS, "number words", "spoken number words")
    ]
    for kind, build in PLANTED.items():
        chains = [tuple(rng.choices(sorted(ENCODINGS), k=rng.randint(2, 3))) for _ in range(2)]
        encodings = singles + [(" of ".join(reversed(c)), nested(c)) for c in chains]
        for name, encode in encodings:
            secret = build(rng)
            place = rng.choice(PLACES)
            yield _probe(secret, f"{kind}, {name}", encode(secret.value), place, model)


RANDOM_PER_POLICY = len(PLANTED) * (len(ENCODINGS) + 2 + 2)


@pytest.fixture(scope="module")
def default_gateway(
    classifiers: Classifiers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Probed]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield from gateway(DEFAULT_POLICY, classifiers, tmp_path_factory.mktemp("enc"), monkeypatch)


@pytest.fixture(scope="module")
def redacting_gateway(
    classifiers: Classifiers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Probed]:
    state = tmp_path_factory.mktemp("enc-redact")
    policy = state / "policy.yaml"
    policy.write_text(REDACT_EVERYTHING)
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield from gateway(policy, classifiers, state, monkeypatch)


def _run(check: Callable[[Probe], None], probes: list[Probe]) -> list[str]:
    leaks = []
    for probe in probes:
        try:
            check(probe)
        except AssertionError:  # the probe leaked: listed, and the test fails on the list
            leaks.append(f"{probe.secret.name} in {probe.place}")
    return leaks


def test_no_encoded_value_reaches_the_cloud_under_the_default_policy(
    default_gateway: Probed, capsys: pytest.CaptureFixture[str]
) -> None:
    probes = list(_probes("cloud"))
    leaks = _run(lambda p: never_sent_under_the_default_policy(default_gateway, p), probes)
    with capsys.disabled():
        print(f"\n{len(probes)} encoded probes (default policy), {len(leaks)} leaks")
    assert len(probes) == len(SECRETS) * len(_encodings()) * len(PLACES)
    assert leaks == [], "\n".join(leaks)


def test_no_encoded_value_reaches_the_cloud_under_a_redacting_policy(
    redacting_gateway: Probed, capsys: pytest.CaptureFixture[str]
) -> None:
    probes = list(_probes("auto"))
    leaks = _run(lambda p: never_sent_under_the_redacting_policy(redacting_gateway, p), probes)
    with capsys.disabled():
        print(f"\n{len(probes)} encoded probes (redacting policy), {len(leaks)} leaks")
    assert len(probes) == len(SECRETS) * len(_encodings()) * len(PLACES)
    assert leaks == [], "\n".join(leaks)


def test_no_random_value_of_any_entity_type_reaches_the_cloud_encoded(
    default_gateway: Probed, redacting_gateway: Probed, capsys: pytest.CaptureFixture[str]
) -> None:
    default = list(_random_probes("cloud", seed=2801))
    redacting = list(_random_probes("auto", seed=2802))
    leaks = _run(lambda p: never_sent_under_the_default_policy(default_gateway, p), default)
    leaks += _run(lambda p: never_sent_under_the_redacting_policy(redacting_gateway, p), redacting)
    with capsys.disabled():
        print(
            f"\n{len(default) + len(redacting)} random encoded probes of {len(PLANTED)} entity"
            f" types (both policies), {len(leaks)} leaks"
        )
    assert len(default) == len(redacting) == RANDOM_PER_POLICY
    assert leaks == [], "\n".join(leaks)
