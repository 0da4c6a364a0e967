from __future__ import annotations

import pytest

from gateway.errors import ModelNotFound
from gateway.routing import NO_POLICY_REVISION, decide


@pytest.mark.parametrize(
    ("model", "route"),
    [("auto", "edge"), ("edge", "edge"), ("cloud", "cloud")],
)
def test_virtual_models_route(model: str, route: str) -> None:
    decision = decide("dec-1", model)
    assert decision.route == route
    assert decision.decision_id == "dec-1"
    assert decision.policy_revision == NO_POLICY_REVISION


@pytest.mark.parametrize("model", ["gpt-4o", "", "AUTO", "smollm2-135m-instruct"])
def test_unknown_models_are_404(model: str) -> None:
    with pytest.raises(ModelNotFound) as caught:
        decide("dec-1", model)
    assert caught.value.status_code == 404
    assert caught.value.param == "model"
