"""Hot reload, live: edit the policy under a running gateway process."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import DEFAULT_POLICY
from tests.processes import Service, dev_token, start_gateway

pytestmark = pytest.mark.e2e

PROMPT = {"model": "auto", "messages": [{"role": "user", "content": "Say hello to the team"}]}


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    shutil.copy(DEFAULT_POLICY, path)
    return path


@pytest.fixture
def gateway(
    edge_server: Service, log_dir: Path, tmp_path: Path, policy_file: Path
) -> Iterator[Service]:
    service = start_gateway(
        log_dir,
        edge_server.url,
        tmp_path,
        HYBRIDGATE_POLICY__FILE=str(policy_file),
        HYBRIDGATE_POLICY__RELOAD_INTERVAL_S="0.2",
    )
    yield service
    service.stop()


def explain(gateway: Service, token: str) -> dict[str, object]:
    response = httpx.post(
        f"{gateway.url}/v1/route/explain",
        json=PROMPT,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def wait_for(check: object, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def test_edits_apply_live_and_bad_edits_keep_the_last_good(
    gateway: Service, policy_file: Path, tmp_path: Path
) -> None:
    admin = dev_token(tmp_path, roles=["Hybridgate.Admin"])
    before = explain(gateway, admin)
    assert (before["route"], before["rule"]) == ("edge", "default")

    text = policy_file.read_text()
    policy_file.write_text(
        text.replace(
            "rules:\n",
            "rules:\n  - id: everything-to-cloud\n    when: {model: auto}\n    route: cloud\n",
            1,
        )
    )
    assert wait_for(lambda: explain(gateway, admin)["rule"] == "everything-to-cloud")
    good_revision = explain(gateway, admin)["policy_revision"]
    assert good_revision != before["policy_revision"]

    policy_file.write_text("rules: [this is not a policy\n")
    status = lambda: httpx.get(  # noqa: E731
        f"{gateway.url}/admin/policy", headers={"Authorization": f"Bearer {admin}"}
    ).json()
    assert wait_for(lambda: status()["last_reload_error"] is not None)
    assert f"{policy_file}:" in status()["last_reload_error"]
    after = explain(gateway, admin)
    assert (after["rule"], after["policy_revision"]) == ("everything-to-cloud", good_revision)
