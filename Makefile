# Two commands for users: `make run` and `make test`. Both build .venv on first use
# and reuse it afterwards (llama-cpp-python compiles from source, ~4 min on 2 cores).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Parallel C++ build of llama.cpp; the machine has two cores.
export CMAKE_BUILD_PARALLEL_LEVEL ?= 2
# A native build of llama.cpp on recent Xeons uses AMX tile instructions, which
# sandboxed and virtualised kernels often leave disabled: the model then dies with
# SIGILL on its first matmul. AVX2 runs on every x86-64 CPU of the last decade.
# llamafile's sgemm is off so that a prompt gives the same logits whether it is
# evaluated whole or, after a KV-cache prefix hit, in part: otherwise the same seed
# can give different samples depending on what ran before.
ifeq ($(shell uname -m),x86_64)
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON \
	-DGGML_F16C=ON -DGGML_LLAMAFILE=OFF
endif

.PHONY: run test lint unit bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[dev]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/hybridgate up

test: $(VENV)/.installed-dev lint
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check gateway edge cloud tests bench tools
	$(BIN)/ruff format --check gateway edge cloud tests bench tools
	$(BIN)/mypy

unit: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -m "not integration and not e2e"

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench.gateway_overhead
	$(BIN)/python -m bench.cloud_overhead
	$(BIN)/python -m bench.audit_throughput
	$(BIN)/python -m bench.token_validation
	$(BIN)/python -m bench.classify
	$(BIN)/python -m bench.policy
	$(BIN)/python -m bench.policy_replay
	$(BIN)/python -m bench.leak_probe --examples 1000

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
