# Two commands for users: `make run` and `make test`. Both build .venv on first use
# and reuse it afterwards (llama-cpp-python compiles from source, ~4 min on 2 cores).
# They install the versions pinned, with hashes, in the lock files; `make lock` (a
# maintainer's command) resolves those again from pyproject.toml.
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

# The lock files, made by `make lock` with uv: what `make test` installs (runtime and
# the dev extra), what `make run` and the image install (runtime), and the packages
# installed without their declared dependencies (pyproject's tool.hybridgate.no-deps).
# Each is a complete list of pinned versions with their hashes, for pip --require-hashes.
LOCK := requirements.lock
RUNTIME_LOCK := requirements-runtime.lock
NODEPS_LOCK := requirements-nodeps.lock

# Offline checks of the Dockerfile and the Helm chart (tests/deploy) run checkov, which
# pins many libraries of its own: it lives in a venv of its own, and so does uv, which
# `make lock` runs.
TOOLS := .venv-tools
CHECKOV_VERSION := 3.3.30
UV_VERSION := 0.13.8
UV := $(TOOLS)/bin/uv
# One resolution for Linux, macOS and Windows (environment markers where they differ)
# from Python 3.11 up. Extra arguments: `make lock LOCK_ARGS=--upgrade` takes the newest
# versions pyproject.toml allows, `LOCK_ARGS='--upgrade-package httpx'` one package's;
# without them, every pin that still fits pyproject.toml is kept.
LOCK_ARGS ?=
UV_COMPILE := $(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command 'make lock' $(LOCK_ARGS)
# LiteLLM's proxy, the peer of bench/gateway_overhead.py, pins many libraries of its own
# too: `make bench-peers` puts it in a venv of its own. 1.108.7 is what pip resolves
# litellm[proxy] to from the registry: newer releases' [proxy] extra needs a matching
# litellm-proxy package, which the registry does not have.
LITELLM_VENV := .venv-litellm
LITELLM_VERSION := 1.108.7
# The container image (see docs/deployment.md). BASE_IMAGE empty: the Dockerfile's default,
# python:3.11-slim-bookworm; `make image-local` builds a base from Debian's packages.
IMAGE ?= localhost/hybridgate:latest
BASE_IMAGE ?=
LOCAL_BASE := localhost/hybridgate-base:bookworm
# A CA bundle pip inside the build must trust (a TLS-inspecting proxy): pip's own
# PIP_CERT when set. Mounted into the build, never copied into the image (podman and
# buildah; docker builds get no mount and use the base image's CAs).
BUILD_CA ?= $(PIP_CERT)

.PHONY: run test lint unit bench bench-peers clean tools lock image image-local base-image \
	image-smoke print-cmake-args redis-server

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The locked dependencies, then the project itself (editable) without any of its own.
$(VENV)/.installed: pyproject.toml $(RUNTIME_LOCK) $(NODEPS_LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --require-hashes -r $(RUNTIME_LOCK)
	$(BIN)/python -m pip install --require-hashes --no-deps -r $(NODEPS_LOCK)
	$(BIN)/python -m pip install --no-deps -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(LOCK) $(NODEPS_LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --require-hashes --no-deps -r $(NODEPS_LOCK)
	$(BIN)/python -m pip install --no-deps -e .
	touch $(VENV)/.installed $@

# The benchmarks' peers (stock llama-cpp-python server, xllamacpp): `make bench` only.
$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-dev
	$(BIN)/python -m pip install -e '.[dev,bench]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/hybridgate up

test: $(VENV)/.installed-dev $(TOOLS)/.installed redis-server lint
	$(BIN)/python -m pytest

# The shared limit store's tests (tests/gateway/limits) start a real redis-server, the
# one system package the suite needs: installed from Debian's packages where this runs
# as root with apt-get (CI), else those tests are skipped and say why. The gateway
# itself needs none: its default limit store is in memory.
redis-server:
	@command -v redis-server >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			export DEBIAN_FRONTEND=noninteractive; \
			apt-get install -y --no-install-recommends redis-server >/dev/null 2>&1 || \
			{ apt-get update >/dev/null && \
				apt-get install -y --no-install-recommends redis-server >/dev/null; } || \
			echo "note: could not install redis-server; the limit store's tests will skip"; \
		else \
			echo "note: redis-server is not installed (installing it needs root and" \
				"apt-get); the limit store's tests will skip"; \
		fi; }

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check gateway edge cloud common tests bench tools
	$(BIN)/ruff format --check gateway edge cloud common tests bench tools
	$(BIN)/mypy

unit: $(VENV)/.installed-dev redis-server
	$(BIN)/python -m pytest -m "not integration and not e2e"

bench: $(VENV)/.installed-bench $(LITELLM_VENV)/.installed
	$(BIN)/python -m bench.edge_throughput
	$(BIN)/python -m bench.edge_decode
	$(BIN)/python -m bench.gateway_overhead
	$(BIN)/python -m bench.cloud_overhead
	$(BIN)/python -m bench.audit_throughput
	$(BIN)/python -m bench.token_validation
	$(BIN)/python -m bench.classify
	$(BIN)/python -m bench.policy
	$(BIN)/python -m bench.policy_replay
	$(BIN)/python -m bench.leak_probe --examples 1000

tools: $(TOOLS)/.installed

bench-peers: $(LITELLM_VENV)/.installed

$(LITELLM_VENV)/.installed: Makefile
	$(PYTHON) -m venv $(LITELLM_VENV)
	$(LITELLM_VENV)/bin/python -m pip install 'litellm[proxy]==$(LITELLM_VERSION)'
	touch $@

$(TOOLS)/.installed: Makefile
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install 'checkov==$(CHECKOV_VERSION)'
	touch $@

$(UV): Makefile
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install 'uv==$(UV_VERSION)'
	touch $@

# The lock files, resolved again from pyproject.toml (see LOCK_ARGS above); commit them
# with the change to pyproject.toml. The runtime lock is constrained by the full one, so
# that both pin the same versions. The no-deps packages are resolved on their own and
# kept out of the others (--excludes), with what only they would pull in.
lock: $(UV)
	nodeps=$$($(PYTHON) tools/image_requirements.py --no-deps) \
		&& printf '%s\n' $$nodeps | $(UV_COMPILE) pyproject.toml --extra dev --excludes - -o $(LOCK) \
		&& printf '%s\n' $$nodeps | $(UV_COMPILE) pyproject.toml --excludes - -c $(LOCK) \
			-o $(RUNTIME_LOCK) \
		&& printf '%s\n' $$nodeps | $(UV_COMPILE) --no-deps - -o $(NODEPS_LOCK)

# The flags the image's llama.cpp build gets: the same as this Makefile's own.
print-cmake-args:
	@echo '$(CMAKE_ARGS)'

# Builds with docker (given a daemon), podman or buildah, whichever is present.
image:
	tool=$$(deploy/container-tool.sh build) && $$tool \
		$(if $(BASE_IMAGE),--build-arg BASE_IMAGE=$(BASE_IMAGE)) \
		--build-arg CMAKE_ARGS='$(CMAKE_ARGS)' \
		--build-arg CMAKE_BUILD_PARALLEL_LEVEL=$(CMAKE_BUILD_PARALLEL_LEVEL) \
		$(if $(BUILD_CA),--volume $(abspath $(BUILD_CA)):/run/build-ca.pem:ro \
			--build-arg PIP_CERT=/run/build-ca.pem) \
		-t $(IMAGE) .

# Where no registry can be reached: a bookworm base from Debian's packages.
base-image:
	deploy/build-base.sh $(LOCAL_BASE)

image-local: base-image
	$(MAKE) image BASE_IMAGE=$(LOCAL_BASE)

# Runs the built image: /readyz and one chat completion with a dev token. Not part of
# `make test`: building the image takes longer than the whole suite.
image-smoke: $(VENV)/.installed-dev
	HYBRIDGATE_IMAGE=$(IMAGE) $(BIN)/python -m pytest tests/deploy/test_image.py

clean:
	rm -rf $(VENV) $(TOOLS) $(LITELLM_VENV) .pytest_cache .mypy_cache .ruff_cache build/base
