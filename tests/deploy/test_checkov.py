"""checkov over the rendered chart (every value set) and the Dockerfile, offline. The
checks skipped are listed, each with its reason, in deploy/checkov-skips.yaml."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.chart import NAMESPACE, RELEASE, ROOT, VALUE_SETS, load

SKIPS = ROOT / "deploy" / "checkov-skips.yaml"
# checkov pins libraries this project's venv cannot share: `make tools` gives it a
# venv of its own, which `make test` builds first.
CHECKOV = ROOT / ".venv-tools" / "bin" / "checkov"


@pytest.fixture(scope="module")
def manifests(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("manifests")
    chart = load()
    for name, values in VALUE_SETS.items():
        rendered = chart.render(values, name=RELEASE, namespace=NAMESPACE)
        docs = [text for path, text in sorted(rendered.items()) if not path.endswith(".txt")]
        (directory / f"{name}.yaml").write_text("\n---\n".join(d for d in docs if d.strip()))
    # One checkov run for both: it reads --directory and ignores --file when given both.
    shutil.copy(ROOT / "Dockerfile", directory / "Dockerfile")
    return directory


def skips() -> dict[str, str]:
    loaded: dict[str, str] = yaml.safe_load(SKIPS.read_text())
    return loaded


@pytest.fixture(scope="module")
def failed(manifests: Path) -> dict[str, list[str]]:
    """Check id -> the resources that fail it, with nothing skipped."""
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: run `make tools` (make test does)")
    result = subprocess.run(
        [
            str(CHECKOV),
            "--directory",
            str(manifests),
            "--file",
            str(ROOT / "Dockerfile"),
            "--framework",
            "kubernetes",
            "dockerfile",
            # Offline: no policies, guidelines or image data from Bridgecrew's servers.
            "--skip-download",
            "--output",
            "json",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode in {0, 1}, result.stderr  # 1: some check failed
    reports: Any = json.loads(result.stdout)
    found: dict[str, list[str]] = {}
    reports = reports if isinstance(reports, list) else [reports]
    assert {r["check_type"] for r in reports} == {"kubernetes", "dockerfile"}
    for report in reports:
        assert report["summary"]["parsing_errors"] == 0, report["check_type"]
        for check in report["results"]["failed_checks"]:
            found.setdefault(check["check_id"], []).append(check["resource"])
    return found


def test_every_skip_is_justified() -> None:
    for check, reason in skips().items():
        assert check.startswith("CKV_"), check
        assert isinstance(reason, str)
        assert len(reason.split()) >= 10, f"{check}: say why it is skipped"


def test_only_the_listed_checks_fail(failed: dict[str, list[str]]) -> None:
    unexpected = {check: where for check, where in failed.items() if check not in skips()}
    assert unexpected == {}


def test_every_listed_check_still_fails(failed: dict[str, list[str]]) -> None:
    # A skip that nothing needs any more hides a regression: remove it.
    assert set(skips()) <= set(failed)
