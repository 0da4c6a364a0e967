"""The default policy on the shipped evaluation prompts: no sensitive prompt is routed
to the cloud, on either split, through the same path as `hybridgate explain`."""

from __future__ import annotations

from gateway.classify.evaluate import EVAL_DATA, load_set
from gateway.classify.extract import Segment
from gateway.classify.registry import Classifiers
from gateway.policy.engine import RequestFacts, evaluate
from gateway.policy.loader import load_policy
from tests.conftest import DEFAULT_POLICY

DATA = EVAL_DATA  # the sets ship in the package


def route(classifiers: Classifiers, text: str) -> str:
    policy, revision = load_policy(DEFAULT_POLICY)
    signals = classifiers.classify_segments([Segment("user", text)])
    return evaluate(policy, revision, signals, None, RequestFacts("auto"), "d").route


def test_no_sensitive_evaluation_prompt_goes_to_the_cloud(classifiers: Classifiers) -> None:
    rows = load_set(DATA / "sensitivity.jsonl")
    leaked = {
        row["id"]: row["split"]
        for row in rows
        if row["sensitive"] and route(classifiers, row["text"]) == "cloud"
    }
    # Held-out included: the classifiers now catch every sensitive prompt of both splits.
    assert leaked == {}


def test_complex_harmless_prompts_do_reach_the_cloud(classifiers: Classifiers) -> None:
    rows = [r for r in load_set(DATA / "complexity.jsonl") if r["complex"]]
    routed = [route(classifiers, row["text"]) for row in rows]
    # Most complex prompts carry no sensitive data and should use the big model.
    assert routed.count("cloud") / len(routed) >= 0.8
