"""Data shipped with the classifiers: the trained complexity model, the given names
the person-name recognizers look for (and the names that are also everyday words),
the everyday substances left out of the medication names, and the evaluation sets."""

from __future__ import annotations

import importlib.resources


def read_list(name: str) -> list[str]:
    """One of the list files here, one entry per line; blank lines and lines starting
    with # are left out. Read when a recognizer is built, not at import."""
    resource = importlib.resources.files(__name__).joinpath(name)
    lines = (line.strip() for line in resource.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]
