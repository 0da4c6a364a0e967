"""Who may import whom. The gateway and the edge server share only `common`; the cloud
runs the edge's engine, so it may import `edge`; only the command line (`gateway.cli`,
the composition root) imports everything. Inside the gateway, each package sits in a
layer and imports only from the layers below its own (`LAYERS`). Imports inside
functions count too."""

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

# The gateway's layers, lowest first. A module may import its own unit and the units of
# lower layers; never a unit of its own layer (the units of one layer stand side by
# side) or of a layer above. A unit is a package or a module, the longest that names
# the import: gateway.auth.principal is a unit of its own, below gateway.auth.
LAYERS: tuple[tuple[str, ...], ...] = (
    # The vocabulary every stage shares; none of it imports the rest of the gateway.
    (
        "gateway.errors",
        "gateway.schemas",
        "gateway.tls",
        "gateway.auth.principal",
        "gateway.auth.config",
        "gateway.classify_shares",
        "gateway.access_log",
    ),
    ("gateway.classify",),
    # Pure decisions over the signals and the request's facts: no settings, no I/O. The
    # field allow-lists are here: every field the cloud may be sent is classified.
    ("gateway.policy",),
    ("gateway.settings", "gateway.record"),
    ("gateway.auth",),
    # The stages around the decision (the audit reads decisions back: policy replay).
    ("gateway.audit", "gateway.backends", "gateway.limits", "gateway.responses"),
    ("gateway.telemetry", "gateway.context", "gateway.request_state"),
    ("gateway.pipeline",),
    # The front layer is given the fast path (gateway.api.direct) by the app.
    ("gateway.middleware",),
    ("gateway.api",),
    # The app, and the settings the command line composes (the gateway's, the edge's
    # and the cloud's: it may import those packages).
    ("gateway.app", "gateway.cli.settings"),
    # The probe the image runs reads the composed settings; `up` polls the same URL.
    ("gateway.healthcheck",),
    ("gateway.cli",),
)


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


def unit_of(module: str) -> tuple[str, int] | None:
    """(unit, layer) of a gateway module; None outside the gateway and for the bare
    `gateway` package, which holds nothing."""
    best: tuple[str, int] | None = None
    for layer, units in enumerate(LAYERS):
        for unit in units:
            if (module == unit or module.startswith(unit + ".")) and (
                best is None or len(unit) > len(best[0])
            ):
                best = (unit, layer)
    return best


def layer_violations(relative_path: Path, source: str) -> list[str]:
    """`file:line: module (layer) imports module (layer)` for each import of the gateway's
    own modules that is not from a layer below, once per line."""
    module = module_name(relative_path)
    own = unit_of(module)
    if own is None:
        return []
    found: dict[int, str] = {}
    for line, name in imported_modules(source, module, relative_path.name == "__init__.py"):
        other = unit_of(name)
        if line in found or other is None or other[0] == own[0] or other[1] < own[1]:
            continue
        found[line] = (
            f"{relative_path}:{line}: {module} ({own[0]}, layer {own[1]}) imports "
            f"{name} ({other[0]}, layer {other[1]})"
        )
    return [found[line] for line in sorted(found)]


def gateway_files() -> list[Path]:
    return [path.relative_to(ROOT) for path in sorted((ROOT / "gateway").rglob("*.py"))]


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


def test_every_gateway_module_has_a_layer() -> None:
    unplaced = [
        str(path)
        for path in gateway_files()
        if path != Path("gateway/__init__.py") and unit_of(module_name(path)) is None
    ]
    assert not unplaced, "modules in no layer (add them to LAYERS):\n" + "\n".join(unplaced)
    units = [unit for layer in LAYERS for unit in layer]
    assert len(units) == len(set(units))


def test_the_gateway_keeps_its_layers() -> None:
    found = [
        problem
        for relative in gateway_files()
        for problem in layer_violations(relative, (ROOT / relative).read_text(encoding="utf-8"))
    ]
    assert not found, "imports against the layer order:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        (
            "gateway/policy/x.py",
            "from gateway.settings import GatewaySettings\n",
            [
                "gateway/policy/x.py:1: gateway.policy.x (gateway.policy, layer 2) imports "
                "gateway.settings (gateway.settings, layer 3)"
            ],
        ),
        (
            "gateway/middleware/x.py",
            "def f():\n    from ..api.direct import dispatch\n",
            [
                "gateway/middleware/x.py:2: gateway.middleware.x (gateway.middleware, layer 8) "
                "imports gateway.api.direct (gateway.api, layer 9)"
            ],
        ),
        (
            "gateway/audit/x.py",
            "import gateway.limits\n",
            [
                "gateway/audit/x.py:1: gateway.audit.x (gateway.audit, layer 5) imports "
                "gateway.limits (gateway.limits, layer 5)"
            ],
        ),
        (
            "gateway/auth/principal.py",
            "from gateway.auth.authenticator import Caller\n",
            [
                "gateway/auth/principal.py:1: gateway.auth.principal (gateway.auth.principal, "
                "layer 0) imports gateway.auth.authenticator (gateway.auth, layer 4)"
            ],
        ),
    ],
)
def test_the_layer_checker_catches_a_violation(path: str, source: str, expected: list[str]) -> None:
    assert layer_violations(Path(path), source) == expected


def test_the_layer_checker_allows_what_the_layers_allow() -> None:
    below = "from gateway.policy.fields import ALL\nfrom gateway.auth.principal import Principal\n"
    assert layer_violations(Path("gateway/settings.py"), below) == []
    own = "from gateway.auth.tokens import verified_claims\nfrom . import jwks\n"
    assert layer_violations(Path("gateway/auth/x.py"), own) == []
    assert layer_violations(Path("gateway/x.py"), "import edge.engine\nimport httpx\n") == []
    assert unit_of("gateway.api.direct") == ("gateway.api", 9)
    assert unit_of("gateway.apis") is None


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
