"""Who may import whom. The gateway and the edge server share only `common`; the cloud
runs the edge's engine, so it may import `edge`; only the command line (`gateway.cli`,
the composition root) imports everything. Imports inside functions count too."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Package -> the packages its modules must not import.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    # gateway.cli composes the servers; the rest of the gateway must not reach it
    # either, or it would import the edge and the cloud through it.
    "gateway": ("edge", "cloud", "gateway.cli"),
    "edge": ("gateway", "cloud"),
    "cloud": ("gateway",),
    "common": ("gateway", "edge", "cloud"),
}
# Entry points, which compose like the command line: gateway.cli itself, and the probe
# the image and the Helm chart run as `python -m gateway.healthcheck [--edge]`, which
# reads the edge's bind from the composed settings.
ENTRY_POINTS = ("gateway/cli/", "gateway/healthcheck.py")


def module_name(path: Path) -> str:
    """gateway/api/admin.py -> gateway.api.admin; gateway/cli/__init__.py -> gateway.cli."""
    parts = list(path.with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, module) for every import in `source`, at any depth; relative imports are
    resolved against `module`. `from a import b` yields a and a.b, since b may be a
    module (`from gateway import cli`)."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - (node.level - 1)])
                base = f"{anchor}.{base}" if base else anchor
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def violations(relative_path: Path, source: str) -> list[str]:
    """`file:line: package imports module` for each import the rules forbid, once per
    line (the module itself before the names taken from it)."""
    module = module_name(relative_path)
    forbidden = FORBIDDEN[module.split(".")[0]]
    found: dict[int, str] = {}
    for line, name in imported_modules(source, module, relative_path.name == "__init__.py"):
        if line not in found and any(
            name == banned or name.startswith(banned + ".") for banned in forbidden
        ):
            found[line] = f"{relative_path}:{line}: {module} imports {name}"
    return [found[line] for line in sorted(found)]


def checked_files() -> list[Path]:
    files = []
    for package in FORBIDDEN:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if not str(relative).startswith(ENTRY_POINTS):
                files.append(relative)
    return files


def test_every_package_is_walked() -> None:
    files = checked_files()
    for package in FORBIDDEN:
        assert any(f.parts[0] == package for f in files), package
    assert not any(str(f).startswith("gateway/cli/") for f in files)


def test_packages_keep_to_their_boundaries() -> None:
    found = [
        problem
        for relative in checked_files()
        for problem in violations(relative, (ROOT / relative).read_text(encoding="utf-8"))
    ]
    assert not found, "imports across package boundaries:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        (
            "gateway/x.py",
            "def f():\n    from cloud import local\n",
            ["gateway/x.py:2: gateway.x imports cloud"],
        ),
        (
            "gateway/api/x.py",
            "import edge.server\n",
            ["gateway/api/x.py:1: gateway.api.x imports edge.server"],
        ),
        (
            "gateway/api/x.py",
            "from ..cli import settings\n",
            ["gateway/api/x.py:1: gateway.api.x imports gateway.cli"],
        ),
        (
            "gateway/x.py",
            "from gateway import cli\n",
            ["gateway/x.py:1: gateway.x imports gateway.cli"],
        ),
        (
            "edge/x.py",
            "from gateway.errors import BadGateway\n",
            ["edge/x.py:1: edge.x imports gateway.errors"],
        ),
        ("cloud/x.py", "import gateway\n", ["cloud/x.py:1: cloud.x imports gateway"]),
        (
            "common/__init__.py",
            "from . import x\nfrom edge import y\n",
            ["common/__init__.py:2: common imports edge"],
        ),
    ],
)
def test_the_checker_catches_a_violation(path: str, source: str, expected: list[str]) -> None:
    assert violations(Path(path), source) == expected


def test_the_checker_allows_what_the_rules_allow() -> None:
    allowed = "from common.errors import OpenAIError\nfrom .settings import X\nimport edge.engine\n"
    assert violations(Path("cloud/x.py"), allowed) == []
    assert violations(Path("gateway/x.py"), "from gateway.settings import GatewaySettings\n") == []
    # gateway.clients is not gateway.cli: the match is by whole module names.
    assert violations(Path("gateway/x.py"), "import gateway.clients\n") == []
