"""The policy package builds on classify, never the other way round: classify turns
text into signals and knows nothing of policy files."""

from __future__ import annotations

import ast
from pathlib import Path

import gateway.classify

CLASSIFY = Path(gateway.classify.__file__).parent


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_classify_does_not_import_the_policy_package() -> None:
    offenders = {
        str(path.relative_to(CLASSIFY)): sorted(
            m for m in _imports(path) if m == "gateway.policy" or m.startswith("gateway.policy.")
        )
        for path in CLASSIFY.rglob("*.py")
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}
