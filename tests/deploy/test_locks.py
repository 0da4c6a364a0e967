"""The lock files: exact pins with hashes (what pip --require-hashes needs), current with
pyproject.toml, and the runtime lock the same versions as the full one, so that `make
run`, `make test` and the image install the same thing. Offline: resolving again is
`make lock`'s job; these catch a pyproject.toml edited without it."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

from tests.deploy.chart import ROOT
from tests.deploy.locks import LOCK, NODEPS_LOCK, RUNTIME_LOCK, Pin, locked
from tools.image_requirements import canonical

STALE = "is out of date with pyproject.toml; run: make lock"


def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def requirements(entries: list[str]) -> dict[str, Requirement]:
    parsed = (Requirement(e) for e in entries)
    return {canonical(r.name): r for r in parsed}


def assert_fits(lock: Path, wanted: dict[str, Requirement]) -> None:
    pins = locked(lock)
    for name, requirement in wanted.items():
        assert name in pins, f"{lock.name} has no {name}: it {STALE}"
        version = pins[name].version
        assert version is not None
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock.name} pins {name}=={version}, pyproject wants {requirement}: it {STALE}"
        )


@pytest.mark.parametrize("lock", [LOCK, RUNTIME_LOCK, NODEPS_LOCK], ids=lambda p: p.name)
def test_every_package_is_pinned_exactly_with_hashes(lock: Path) -> None:
    pins = locked(lock)
    assert pins
    for name, pin in pins.items():
        assert pin.version is not None, name
        assert pin.hashes, name
        assert all(h.startswith("--hash=sha256:") for h in pin.hashes), name


def test_the_locks_fit_pyproject() -> None:
    document = pyproject()
    no_deps = requirements(document["tool"]["hybridgate"]["no-deps"])
    runtime = {
        name: r
        for name, r in requirements(document["project"]["dependencies"]).items()
        if name not in no_deps
    }
    dev = requirements(document["project"]["optional-dependencies"]["dev"])
    assert_fits(RUNTIME_LOCK, runtime)
    assert_fits(LOCK, runtime | dev)
    assert_fits(NODEPS_LOCK, no_deps)
    # The packages installed without their dependencies are in no lock that pip resolves.
    assert not no_deps.keys() & (locked(LOCK).keys() | locked(RUNTIME_LOCK).keys())


def test_the_runtime_lock_pins_what_the_full_lock_pins() -> None:
    full = locked(LOCK)
    for name, pin in locked(RUNTIME_LOCK).items():
        assert name in full, name
        same: Pin = full[name]
        assert (pin.version, pin.hashes) == (same.version, same.hashes), name
        assert pin.requirement.marker == same.requirement.marker, name
