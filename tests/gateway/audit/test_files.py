"""Finding chains on disk: one directory's chain, or one per replica below a directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.audit.files import discover, discover_chains


def chain(directory: Path, rotations: int = 0) -> list[Path]:
    directory.mkdir(parents=True)
    files = [directory / f"audit-{n:012d}.jsonl" for n in range(1, rotations + 1)]
    files.append(directory / "audit.jsonl")
    for file in files:
        file.write_text("{}\n")
    # What a pod's audit directory also holds, none of it a chain file.
    (directory / "principal-key").write_text("00")
    (directory / ".audit.jsonl.head").write_text("1:x")
    return files


def test_a_directory_holding_a_chain_is_that_chain(tmp_path: Path) -> None:
    files = chain(tmp_path / "audit", rotations=2)
    assert discover_chains(tmp_path / "audit") == {tmp_path / "audit": files}
    assert discover_chains(files[-1]) == {files[-1]: files}


def test_a_directory_of_replicas_directories_is_one_chain_each(tmp_path: Path) -> None:
    zero = chain(tmp_path / "logs" / "hg-0", rotations=1)
    one = chain(tmp_path / "logs" / "hg-1")
    # Deeper, as a copy of a pod's whole state directory leaves it.
    two = chain(tmp_path / "logs" / "hg-2" / "audit")
    (tmp_path / "logs" / "empty").mkdir()
    found = discover_chains(tmp_path / "logs")
    assert found == {
        tmp_path / "logs" / "hg-0": zero,
        tmp_path / "logs" / "hg-1": one,
        tmp_path / "logs" / "hg-2" / "audit": two,
    }


def test_a_directory_without_a_chain_is_refused(tmp_path: Path) -> None:
    (tmp_path / "logs" / "hg-0").mkdir(parents=True)
    with pytest.raises(ValueError, match="holds no audit chain"):
        discover_chains(tmp_path / "logs")


def test_a_directory_of_two_chains_side_by_side_is_still_refused(tmp_path: Path) -> None:
    # Two active files in one directory: which is which cannot be told, as before.
    chain(tmp_path / "audit")
    (tmp_path / "audit" / "other.jsonl").write_text("{}\n")
    with pytest.raises(ValueError, match="holds 2 chains"):
        discover(tmp_path / "audit")
    with pytest.raises(ValueError, match="holds 2 chains"):
        discover_chains(tmp_path / "audit")
