"""The lock files (`make lock`) as the checks read them: each package's pinned
requirement, with its environment marker and its hashes."""

from __future__ import annotations

from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

from tests.deploy.chart import ROOT
from tools.image_requirements import canonical

LOCK = ROOT / "requirements.lock"
RUNTIME_LOCK = ROOT / "requirements-runtime.lock"
NODEPS_LOCK = ROOT / "requirements-nodeps.lock"


class Pin:
    def __init__(self, entry: str) -> None:
        first, *rest = entry.splitlines()
        self.requirement = Requirement(first.rstrip(" \\"))
        self.hashes = frozenset(line.strip(" \\") for line in rest)

    @property
    def version(self) -> Version | None:
        """The version of an exact pin (`==`), None for anything looser."""
        (spec, *more) = self.requirement.specifier or [None]
        if spec is None or more or spec.operator != "==" or "*" in spec.version:
            return None
        return Version(spec.version)


def lock_entries(text: str) -> list[str]:
    """A lock's requirements, each with its continuation lines (its hashes) and without
    the comments that say where it came from."""
    entries: list[str] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0].isspace() and entries:
            entries[-1] += "\n" + line
        else:
            entries.append(line)
    return entries


def locked(path: Path) -> dict[str, Pin]:
    """A lock file's pins by canonical package name."""
    pins = (Pin(e) for e in lock_entries(path.read_text(encoding="utf-8")))
    return {canonical(pin.requirement.name): pin for pin in pins}
