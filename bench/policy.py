"""The cost of one evaluate() call for the default policy. Prints figures only.

.venv/bin/python -m bench.policy [--calls 20000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from gateway.auth.principal import principal_from_claims
from gateway.classify.signals import ComplexitySignal, Level, SensitivitySignal, Signals
from gateway.policy.engine import RequestFacts, evaluate
from gateway.policy.loader import load_policy

POLICY = Path(__file__).resolve().parent.parent / "policies" / "default.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    calls = parser.parse_args().calls
    policy, revision = load_policy(POLICY)
    principal = principal_from_claims({"tid": "t", "scp": "access_as_user", "roles": []})
    cases = {
        "simple, public (default rule)": Signals(
            SensitivitySignal(Level.PUBLIC, {}, 0.0), ComplexitySignal(0.2, "simple")
        ),
        "complex, public (last rule)": Signals(
            SensitivitySignal(Level.PUBLIC, {}, 0.0), ComplexitySignal(0.9, "complex")
        ),
        "restricted (first rule)": Signals(
            SensitivitySignal(Level.RESTRICTED, {"US_SSN": 1}, 0.9),
            ComplexitySignal(0.9, "complex"),
        ),
    }
    facts = RequestFacts("auto", prompt_tokens=50)
    print(f"evaluate(), default policy, {calls} calls each (microseconds per call):")
    for name, signals in cases.items():
        samples = []
        for _ in range(calls):
            started = time.perf_counter()
            evaluate(policy, revision, signals, principal, facts, "dec")
            samples.append((time.perf_counter() - started) * 1e6)
        ordered = sorted(samples)
        print(
            f"  {name:<32} P50 {statistics.median(ordered):6.1f}"
            f"   P99 {ordered[int(0.99 * (len(ordered) - 1))]:6.1f}"
        )


if __name__ == "__main__":
    main()
