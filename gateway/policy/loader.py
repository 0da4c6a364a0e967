"""Reads, validates and hot-swaps the policy file.

Every error is reported as `file:line: reason`. A reload that fails validation keeps
the last good policy; in-flight requests keep the one they started with, because
they hold a reference to an immutable `LoadedPolicy`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from pydantic import ValidationError

from gateway.classify.options import ClassifierConfigError, ClassifierOptions
from gateway.policy.model import Policy

log = logging.getLogger(__name__)
T = TypeVar("T")


class PolicyError(ValueError):
    """The policy file cannot be used. `problems` holds one `file:line: reason` each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class LoadedPolicy(Generic[T]):
    policy: Policy
    revision: str  # sha256 of the file's bytes
    path: Path
    loaded_at: float  # unix time
    built: T  # what is built from the policy (the classifiers)


def load_policy(path: Path) -> tuple[Policy, str]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyError([f"{path}:0: cannot read: {exc.strerror}"]) from exc
    return parse_policy(raw, path)


def parse_policy(raw: bytes, path: Path) -> tuple[Policy, str]:
    """A policy from its bytes; `path` names it in errors and anchors `classifiers_from`."""
    revision = "sha256:" + hashlib.sha256(raw).hexdigest()
    text = raw.decode("utf-8", errors="replace")
    try:
        document = yaml.safe_load(text)
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        raise PolicyError([f"{path}:{line}: invalid YAML: {getattr(exc, 'problem', exc)}"]) from exc
    document = document or {}
    if isinstance(document, dict) and document.get("classifiers_from"):
        if "classifiers" in document:
            raise PolicyError([f"{path}:1: give classifiers or classifiers_from, not both"])
        source = path.parent / str(document["classifiers_from"])
        shared, _ = load_policy(source)
        document = {**document, "classifiers": shared.classifiers.model_dump()}
    try:
        return Policy.model_validate(document), revision
    except ValidationError as exc:
        problems = [
            f"{path}:{line_of(root, error['loc'])}: "
            f"{'.'.join(str(p) for p in error['loc']) or 'policy'}: {error['msg']}"
            for error in exc.errors()
        ]
        raise PolicyError(problems) from exc


def load_classifier_options(policy_file: Path) -> ClassifierOptions:
    """The classifier options of a policy file, read the way the gateway reads them
    (so `classifiers_from` works here too), with errors as `file:line: reason`. Here,
    not in classify: the policy package builds on classify, not the other way round."""
    try:
        return load_policy(policy_file)[0].classifiers
    except PolicyError as exc:
        raise ClassifierConfigError(str(exc)) from exc


def line_of(node: Any, loc: tuple[Any, ...]) -> int:
    """The 1-based line of the YAML node at a pydantic error location (deepest found)."""
    line = node.start_mark.line + 1 if node is not None else 0
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
            if match is None:
                break
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return line


class PolicyStore(Generic[T]):
    """The active policy, swapped atomically when the file changes and validates."""

    def __init__(self, path: Path, build: Callable[[Policy], T]) -> None:
        self._path = path
        self._build = build
        self._signature: tuple[int, int, float, int] | None = None
        self.last_error: str | None = None
        self.current: LoadedPolicy[T] = self._load()

    def _load(self) -> LoadedPolicy[T]:
        signature = self._stat()
        policy, revision = load_policy(self._path)
        try:
            built = self._build(policy)
        except ValueError as exc:  # e.g. a recognizer Presidio refuses
            raise PolicyError([f"{self._path}:0: {exc}"]) from exc
        loaded = LoadedPolicy(policy, revision, self._path, time.time(), built)
        self._signature = signature
        return loaded

    def _stat(self) -> tuple[int, int, float, int] | None:
        # stat() follows symlinks. A Kubernetes ConfigMap volume publishes each version
        # as a new file behind a swapped `..data` symlink: the inode always changes,
        # even when the size and the second of the mtime do not.
        try:
            stat = self._path.stat()
        except OSError:
            return None
        return (stat.st_dev, stat.st_ino, stat.st_mtime, stat.st_size)

    def reload_if_changed(self) -> bool:
        """Returns True when a new policy was swapped in."""
        if self._stat() == self._signature:
            return False
        try:
            loaded = self._load()
        except PolicyError as exc:
            self._signature = self._stat()  # report each bad version once
            self.last_error = str(exc)
            log.error("policy reload refused; keeping %s:\n%s", self.current.revision, exc)
            return False
        if loaded.revision == self.current.revision:
            return False
        self.current = loaded
        self.last_error = None
        log.info("policy %s loaded from %s", loaded.revision, self._path)
        return True

    async def watch(self, interval_s: float) -> None:
        """Polls the file; runs until cancelled. Building (spaCy) runs off the loop."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await asyncio.to_thread(self.reload_if_changed)
            except Exception:  # the watcher must outlive any one bad reload
                log.exception("policy reload failed; keeping %s", self.current.revision)
