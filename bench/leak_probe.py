"""The leak property test, run long and randomly seeded: random chat, completion and
Responses bodies with a sensitive value planted (and maybe disguised or encoded:
base64, percent, HTML entities, quoted-printable, escapes, numbers as words, nested
layers) in a random text place, sent through the gateway to a recording cloud under
the default policy and under a policy that redacts everything; then every value under
every encoding and a set of nestings (tests/gateway/test_leak_encodings.py). Any value
that reaches the cloud fails the run.

    .venv/bin/python -m bench.leak_probe [--examples 2000]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time

TEST = "tests/gateway/test_leak_property.py"
ENCODED = "tests/gateway/test_leak_encodings.py"
# What the encodings test prints per policy: "264 encoded probes (default policy), 0 leaks".
ENCODED_LINE = re.compile(r"^(\d+) encoded probes \(.*\), (\d+) leaks$", re.MULTILINE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--examples", type=int, default=2000, help="bodies per property (policy x body kind)"
    )
    examples = parser.parse_args().examples
    env = {**os.environ, "HYBRIDGATE_LEAK_PROBE_EXAMPLES": str(examples)}
    properties = _properties()
    started = time.perf_counter()
    command = [sys.executable, "-m", "pytest", TEST, ENCODED, "-q", "-p", "no:cacheprovider",
               "--hypothesis-show-statistics", "-o", "timeout=0"]  # fmt: skip
    result = subprocess.run(command, env=env, check=False, capture_output=True, text=True)
    print(result.stdout, result.stderr, sep="")
    elapsed = time.perf_counter() - started
    encoded = [(int(n), int(leaks)) for n, leaks in ENCODED_LINE.findall(result.stdout)]
    probes = properties * examples + sum(n for n, _ in encoded)
    verdict = "no value reached the cloud" if result.returncode == 0 else "LEAK (see above)"
    print(
        f"\n{probes} probes in {elapsed:.0f} s ({properties} random properties x {examples},"
        f" {sum(n for n, _ in encoded)} encoded), {sum(k for _, k in encoded)} encoded leaks:"
        f" {verdict}"
    )
    sys.exit(result.returncode)


def _properties() -> int:
    """How many property tests the file holds: each runs `--examples` bodies."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        TEST,
        "--collect-only",
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    listed = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return sum(1 for line in listed.splitlines() if "::" in line)


if __name__ == "__main__":
    main()
