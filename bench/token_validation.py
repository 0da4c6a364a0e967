"""The cost of validating a bearer token with warm caches, per verifier.

Runs the gateway's EntraVerifier against the fake Entra tenant of the test suite
(over local HTTPS; after the first call its metadata and keys are cached, so the
timed calls do no I/O) and the dev-issuer verifier, and prints P50/P99 per call.
Prints figures only.

    .venv/bin/python -m bench.token_validation [--calls 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from gateway.auth.authenticator import TokenVerifier
from gateway.auth.config import DevAuthSettings, EntraSettings
from gateway.auth.dev import DevVerifier, load_or_create_key, mint_dev_token
from gateway.auth.entra import EntraVerifier
from gateway.auth.jwks import SigningKeys
from gateway.tls import client_ssl_context
from tests.fakes.entra import FakeEntra

TENANT = "11111111-1111-1111-1111-111111111111"
AUDIENCE = "api://hybridgate-bench"


async def timings(verifier: TokenVerifier, token: str, calls: int) -> list[float]:
    await verifier.verify(token)  # warm the caches
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        await verifier.verify(token)
        samples.append((time.perf_counter() - started) * 1e6)
    return samples


def report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p99 = ordered[int(0.99 * (len(ordered) - 1))]
    print(f"{name:<28}{statistics.median(ordered):>10.1f}{p99:>10.1f}")


async def main(calls: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="hybridgate-bench-"))
    fake = FakeEntra(workdir, (TENANT,))
    fake.start()
    try:
        async with httpx.AsyncClient(verify=client_ssl_context(fake.ca_file)) as http:
            settings = EntraSettings(tenant_id=TENANT, audiences=[AUDIENCE], authority=fake.base)
            entra = EntraVerifier(settings, SigningKeys(http))
            entra_v2 = await timings(entra, fake.token(TENANT, AUDIENCE), calls)
            entra_v1 = await timings(entra, fake.token(TENANT, AUDIENCE, version="1.0"), calls)
    finally:
        fake.stop()
    key = load_or_create_key(workdir / "state")
    dev_settings = DevAuthSettings()
    dev_token = mint_dev_token(
        key, dev_settings, user="bench", roles=[], scopes=["access_as_user"], ttl_s=3600
    )
    dev = await timings(DevVerifier(dev_settings, key, leeway_s=60), dev_token, calls)
    print(f"token validation, warm caches, {calls} calls each (microseconds per call):")
    print(f"{'verifier':<28}{'P50':>10}{'P99':>10}")
    report("entra, v2 token (RS256)", entra_v2)
    report("entra, v1 token (RS256)", entra_v1)
    report("dev issuer (RS256)", dev)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000)
    asyncio.run(main(parser.parse_args().calls))
    sys.exit(0)
