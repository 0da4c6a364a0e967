"""Hot reload from a Kubernetes ConfigMap volume, live: the policy path is a symlink
through `..data`, and an update swaps `..data` to a new directory (as the kubelet
does) while the gateway runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DEFAULT_POLICY
from tests.e2e.test_policy_reload import explain, wait_for
from tests.fakes.kubelet import AtomicVolume
from tests.processes import Service, dev_token, start_gateway

pytestmark = pytest.mark.e2e


@pytest.fixture
def volume(tmp_path: Path) -> AtomicVolume:
    mounted = AtomicVolume(tmp_path / "policy")
    mounted.write({"default.yaml": DEFAULT_POLICY.read_text()})
    return mounted


@pytest.fixture
def gateway(
    edge_server: Service, log_dir: Path, tmp_path: Path, volume: AtomicVolume
) -> Iterator[Service]:
    service = start_gateway(
        log_dir,
        edge_server.url,
        tmp_path,
        HYBRIDGATE_POLICY__FILE=str(volume.root / "default.yaml"),
        HYBRIDGATE_POLICY__RELOAD_INTERVAL_S="0.2",
    )
    yield service
    service.stop()


def test_a_configmap_update_is_applied_live(
    gateway: Service, volume: AtomicVolume, tmp_path: Path
) -> None:
    admin = dev_token(tmp_path, roles=["Hybridgate.Admin"])
    before = explain(gateway, admin)
    assert (before["route"], before["rule"]) == ("edge", "default")

    edited = DEFAULT_POLICY.read_text().replace(
        "rules:\n",
        "rules:\n  - id: everything-to-cloud\n    when: {model: auto}\n    route: cloud\n",
        1,
    )
    volume.write({"default.yaml": edited})
    assert wait_for(lambda: explain(gateway, admin)["rule"] == "everything-to-cloud")
    assert explain(gateway, admin)["policy_revision"] != before["policy_revision"]
