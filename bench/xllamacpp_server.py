"""Runs xllamacpp (llama.cpp's own C++ server, continuous batching) on a GGUF until
interrupted: the reference ceiling that bench/edge_throughput.py compares against.

    .venv/bin/python -m bench.xllamacpp_server --model PATH --port N --parallel 8 \
        --ctx 2048 --threads 2
"""

from __future__ import annotations

import argparse
import contextlib
import signal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--ctx", type=int, default=2048, help="context per slot, in tokens")
    parser.add_argument("--threads", type=int, required=True)
    args = parser.parse_args()

    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = args.model
    params.port = args.port
    params.n_parallel = args.parallel
    # llama-server splits n_ctx across its slots; the same per-slot context as the edge.
    params.n_ctx = args.parallel * args.ctx
    params.kv_unified = False
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    server = xllamacpp.Server(params)
    print(f"xllamacpp listening on {server.listening_address}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # Child.stop() sends SIGINT
        signal.pause()
    del server


if __name__ == "__main__":
    main()
