from __future__ import annotations

from pathlib import Path

import pytest

from edge.models import ModelFileError, default_model_path, resolve_model_path


def test_default_model_is_the_packaged_smollm2_gguf() -> None:
    path = resolve_model_path(None)
    assert path == default_model_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert path.read_bytes()[:4] == b"GGUF"


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="not found"):
        resolve_model_path(tmp_path / "nope.gguf")


def test_non_gguf_file_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"not a model")
    with pytest.raises(ModelFileError, match="not a GGUF"):
        resolve_model_path(fake)
