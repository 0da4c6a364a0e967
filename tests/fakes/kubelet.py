"""How the kubelet writes ConfigMap, Secret and projected volumes: each version in a
new timestamped directory, a `..data` symlink swapped to it atomically by rename, and
every file a symlink through `..data`. A reader that holds a path sees the old file
or the new one, never a mix, and the path's inode changes on each update.
"""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

DATA = "..data"


class AtomicVolume:
    """A volume directory updated the way the kubelet's atomic writer does it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._versions = itertools.count(1)

    def write(self, files: dict[str, str]) -> None:
        """Publishes a new version holding exactly `files`."""
        old = self._current()
        version = self.root / f"..2026_12_01_00_00_00.{next(self._versions):06d}"
        version.mkdir()
        for name, text in files.items():
            (version / name).write_text(text, encoding="utf-8")
        staging = self.root / "..data_tmp"
        staging.symlink_to(version.name)
        os.replace(staging, self.root / DATA)  # the atomic step
        for name in files:
            link = self.root / name
            if not link.is_symlink():
                link.symlink_to(f"{DATA}/{name}")
        if old is not None:
            shutil.rmtree(old)

    def _current(self) -> Path | None:
        data = self.root / DATA
        return self.root / os.readlink(data) if data.is_symlink() else None
