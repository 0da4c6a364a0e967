"""The soak as a one-minute smoke test: real edge and gateway processes, a recording
cloud, one abusive caller, the edge killed, the cloud and the gateway restarted.

`bench/soak.py --duration 600` is the long run of the closing notes; this one checks
the properties that must hold at any length.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.soak import run

pytestmark = pytest.mark.e2e


def test_a_short_soak_loses_nothing_and_leaks_nothing(tmp_path: Path) -> None:
    report = run(duration_s=60, users=3, abuser_threads=4, state=tmp_path)
    assert report["sensitive_requests"] > 0
    assert report["sensitive_values_at_cloud"] == []
    assert report["cloud_bodies_received"] > 0  # the cloud was used, so the check means something
    assert report["audit"]["lost"] == 0
    assert report["audit"]["verified"], report["audit"]["verify"]
    assert report["unexplained_5xx"] == 0, report["server_errors"]
    assert report["not_openai_shaped_errors"] == 0, report["outcomes"]
    abuser = report["abuser"]
    assert abuser["limited_429"] > abuser["answered_200"]
