"""Other libraries' internals are touched only in their contract modules, one per
library, each with tests of its assumptions against the installed library. Anywhere
else in gateway, edge, cloud and common: none of the internal names below (read, set,
or defined as an override), no library's private module, and no private attribute of
an object other than `self` or `cls`."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("gateway", "edge", "cloud", "common")

# Library (its top-level module) -> the one module that may touch its internals.
CONTRACTS: dict[str, str] = {
    "aiohttp": "gateway/backends/aiohttp_compat.py",
    "httpx": "gateway/backends/httpx_compat.py",
    "llama_cpp": "edge/llama_compat.py",
    "opentelemetry": "gateway/audit/otel_compat.py",
    "presidio_analyzer": "gateway/classify/presidio_compat.py",
    "re": "gateway/classify/re_compat.py",
    "uvicorn": "gateway/cli/uvicorn_compat.py",
}
# Internal attributes and methods of library objects, some without an underscore:
# name -> the library whose internal it is.
INTERNAL_NAMES: dict[str, str] = {
    "_transport_for_url": "httpx",  # AsyncClient
    "_pool": "httpx",  # AsyncHTTPTransport
    "_enhance_using_context": "presidio_analyzer",  # AnalyzerEngine
    "compiled_regex": "presidio_analyzer",  # Pattern
    "compiled_with_flags": "presidio_analyzer",  # Pattern
    "nlp": "presidio_analyzer",  # SpacyNlpEngine
    "_format_literal": "llama_cpp",  # SchemaConverter
    "_add_rule": "llama_cpp",  # SchemaConverter
    "_rules": "llama_cpp",  # SchemaConverter
    "capture_signals": "uvicorn",  # Server
    "protocol": "aiohttp",  # connector.Connection
}
# The standard library's regex internals under their names before 3.11.
OLD_NAMES = {"sre_parse": "re", "sre_constants": "re", "sre_compile": "re"}
# (file, name): the project's own uses of such a name, no library's internals.
OWN: dict[tuple[str, str], str] = {
    ("gateway/classify/semantic.py", "_pool"): "the embedding cache's own thread pool",
    ("gateway/limits/fleet.py", "_release"): "a lease calls back its own FleetShares",
    ("gateway/classify/lexicons.py", "_fields"): "a NamedTuple's documented API",
}


def _imported(node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    """The absolute modules (and names taken from them) an import names."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif not node.level and node.module:
        yield node.module
        yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _private_library(module: str) -> str | None:
    """The library whose private module `module` is, if it is one (not the project's)."""
    parts = module.split(".")
    if parts[0] in PACKAGES:
        return None
    if parts[0] in OLD_NAMES:
        return OLD_NAMES[parts[0]]
    if any(part.startswith("_") and not part.startswith("__") for part in parts):
        return parts[0]
    return None


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _on_self(node: ast.Attribute) -> bool:
    return isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")


def violations(path: str, source: str) -> list[str]:
    """`file:line: what` for each touch of another library's internals outside its
    contract module, in line order."""
    found: list[tuple[int, str]] = []

    def outside(library: str) -> bool:
        return CONTRACTS.get(library) != path

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for module in _imported(node):
                library = _private_library(module)
                if library is not None and outside(library):
                    found.append((node.lineno, f"imports {module}, private to {library}"))
                    break
            continue
        if isinstance(node, ast.Attribute):
            name = node.attr
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            name = node.name
        else:
            continue
        if (path, name) in OWN:
            continue
        if name in INTERNAL_NAMES:
            if outside(INTERNAL_NAMES[name]):
                found.append((node.lineno, f"uses {name}, internal to {INTERNAL_NAMES[name]}"))
        elif (
            isinstance(node, ast.Attribute)
            and _is_private(name)
            and not _on_self(node)
            and path not in CONTRACTS.values()
        ):
            found.append((node.lineno, f"reads {ast.unparse(node)}, another object's private"))
    return [f"{path}:{line}: {what}" for line, what in sorted(found)]


def checked_files() -> list[str]:
    return [
        path.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    ]


def test_internals_are_touched_only_in_their_contract_modules() -> None:
    found = [
        problem
        for path in checked_files()
        for problem in violations(path, (ROOT / path).read_text(encoding="utf-8"))
    ]
    assert not found, "library internals outside their contract modules:\n" + "\n".join(found)


def test_every_contract_module_exists_and_each_name_is_in_its_own() -> None:
    """No stale entry: a name the code no longer uses is taken off the list."""
    for library, path in CONTRACTS.items():
        assert (ROOT / path).is_file(), library
    for name, library in INTERNAL_NAMES.items():
        tree = ast.parse((ROOT / CONTRACTS[library]).read_text(encoding="utf-8"))
        used = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        used |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert name in used, (name, CONTRACTS[library])


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        (
            "gateway/x.py",
            "def f(client, url):\n    return client._transport_for_url(url)\n",
            ["gateway/x.py:2: uses _transport_for_url, internal to httpx"],
        ),
        (
            "gateway/x.py",
            "from re import _parser\n",
            ["gateway/x.py:1: imports re._parser, private to re"],
        ),
        ("edge/x.py", "import sre_parse\n", ["edge/x.py:1: imports sre_parse, private to re"]),
        (
            "edge/x.py",
            "def f():\n    from llama_cpp._logger import set_verbose\n",
            ["edge/x.py:2: imports llama_cpp._logger, private to llama_cpp"],
        ),
        (
            "gateway/x.py",
            "import somelib._impl\n",
            ["gateway/x.py:1: imports somelib._impl, private to somelib"],
        ),
        (
            "gateway/cli/x.py",
            "class S(Server):\n    def capture_signals(self):\n        pass\n",
            ["gateway/cli/x.py:2: uses capture_signals, internal to uvicorn"],
        ),
        (
            "gateway/x.py",
            "pattern.compiled_regex = gate\nengine.nlp = {}\n",
            [
                "gateway/x.py:1: uses compiled_regex, internal to presidio_analyzer",
                "gateway/x.py:2: uses nlp, internal to presidio_analyzer",
            ],
        ),
        (
            "gateway/x.py",
            "class T:\n    def f(self):\n        self._pool = None\n",
            ["gateway/x.py:3: uses _pool, internal to httpx"],
        ),
        (
            "common/x.py",
            "n = client._mounts\n",
            ["common/x.py:1: reads client._mounts, another object's private"],
        ),
        # A library's internals belong in its own contract module, not another's.
        (
            "gateway/backends/httpx_compat.py",
            "from re import _parser\n",
            ["gateway/backends/httpx_compat.py:1: imports re._parser, private to re"],
        ),
    ],
)
def test_the_checker_catches_a_violation(path: str, source: str, expected: list[str]) -> None:
    assert violations(path, source) == expected


def test_the_checker_allows_what_the_rules_allow() -> None:
    own = (
        "from __future__ import annotations\nfrom gateway.classify import nlp\n"
        "from . import _helpers\nself._x = 1\ncls._y = 2\n"
    )
    assert violations("gateway/x.py", own) == []
    assert violations("gateway/classify/presidio_compat.py", "p.compiled_regex = g\n") == []
    assert violations("edge/llama_compat.py", "from llama_cpp._logger import set_verbose\n") == []
    assert violations("gateway/classify/semantic.py", "def _pool(self):\n    pass\n") == []
