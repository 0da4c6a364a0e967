from __future__ import annotations

import pytest
from pydantic import ValidationError

from edge.settings import EdgeSettings


def test_defaults() -> None:
    settings = EdgeSettings()
    assert (settings.host, settings.port, settings.model_path) == ("127.0.0.1", 8081, None)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "edge.example"])
def test_edge_refuses_non_loopback_binds(host: str) -> None:
    with pytest.raises(ValidationError, match="loopback"):
        EdgeSettings(host=host)
