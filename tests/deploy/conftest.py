"""Fixtures for the deployment checks: rendered manifests per value set, once each."""

from __future__ import annotations

from typing import Any

import pytest

from tests.deploy.chart import VALUE_SETS, render


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[dict[str, Any]]]:
    return {name: render(values) for name, values in VALUE_SETS.items()}
