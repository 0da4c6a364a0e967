from __future__ import annotations

import pytest

from common.binding import require_loopback


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_loopback_hosts_pass(host: str) -> None:
    assert require_loopback(host, "edge") == host


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.1", "edge.example"])
def test_other_hosts_are_refused_with_who_and_why(host: str) -> None:
    with pytest.raises(ValueError, match=r"cloud\.host .* because it has no authentication"):
        require_loopback(host, "cloud")
