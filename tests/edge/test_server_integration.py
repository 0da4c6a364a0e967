"""The edge server as a real process on the real SmolLM2 GGUF, spoken to over HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.processes import Service, start_edge

pytestmark = pytest.mark.integration

MODEL = "smollm2-135m-instruct"
QUESTION = [{"role": "user", "content": "What is the capital of Japan?"}]
# A raw continuation the model keeps extending until max_tokens.
COUNTING = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,"


def chat(edge: Service, **body: Any) -> httpx.Response:
    payload = {"model": MODEL, "messages": QUESTION, "temperature": 0, "seed": 1} | body
    return httpx.post(f"{edge.url}/v1/chat/completions", json=payload, timeout=120)


def sse_events(response: httpx.Response) -> list[str]:
    return [
        line.removeprefix("data: ") for line in response.iter_lines() if line.startswith("data: ")
    ]


def test_chat_completion_shape_and_usage(edge_server: Service) -> None:
    response = chat(edge_server, max_tokens=30)
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["model"] == MODEL
    choice = body["choices"][0]
    assert choice["message"]["role"] == "assistant"
    assert "Tokyo" in choice["message"]["content"]
    assert choice["finish_reason"] in {"stop", "length"}
    usage = body["usage"]
    assert usage["prompt_tokens"] > 5
    assert 0 < usage["completion_tokens"] <= 30
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_max_tokens_limits_output_and_reports_length(edge_server: Service) -> None:
    body = httpx.post(
        f"{edge_server.url}/v1/completions",
        json={"model": MODEL, "prompt": COUNTING, "max_tokens": 5, "temperature": 0},
        timeout=60,
    ).json()
    assert body["object"] == "text_completion"
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 5
    assert body["choices"][0]["text"].strip()


def test_max_completion_tokens_is_honoured(edge_server: Service) -> None:
    body = chat(edge_server, max_completion_tokens=3).json()
    assert body["usage"]["completion_tokens"] <= 3


def test_stop_sequence_cuts_the_text(edge_server: Service) -> None:
    payload = {"model": MODEL, "prompt": COUNTING, "max_tokens": 20, "temperature": 0}
    full = httpx.post(f"{edge_server.url}/v1/completions", json=payload, timeout=60).json()
    text = full["choices"][0]["text"]
    assert "16" in text
    cut = httpx.post(
        f"{edge_server.url}/v1/completions", json=payload | {"stop": ["16"]}, timeout=60
    ).json()
    assert cut["choices"][0]["text"] == text[: text.index("16")]
    assert cut["choices"][0]["finish_reason"] == "stop"


def test_same_seed_same_sample(edge_server: Service) -> None:
    def sample(seed: int) -> str:
        body = chat(edge_server, temperature=1.0, top_p=0.95, seed=seed, max_tokens=20).json()
        return str(body["choices"][0]["message"]["content"])

    assert sample(1234) == sample(1234)


def test_stream_chunks_usage_and_done(edge_server: Service) -> None:
    payload = {
        "model": MODEL,
        "messages": QUESTION,
        "temperature": 0,
        "max_tokens": 20,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    with httpx.stream(
        "POST", f"{edge_server.url}/v1/chat/completions", json=payload, timeout=60
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    finish = [c for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
    assert len(finish) == 1
    usage_chunk = chunks[-1]
    assert usage_chunk["choices"] == []
    assert usage_chunk["usage"]["completion_tokens"] > 0
    assert all(c["usage"] is None for c in chunks[:-1])
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert "Tokyo" in text


def test_text_completion_stream(edge_server: Service) -> None:
    payload = {
        "model": MODEL,
        "prompt": COUNTING,
        "max_tokens": 6,
        "stream": True,
        "temperature": 0,
    }
    with httpx.stream("POST", f"{edge_server.url}/v1/completions", json=payload, timeout=60) as r:
        events = sse_events(r)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "text_completion" for c in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "length"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"n": 2}, "n"),
        ({"logit_bias": {"1": 5}}, "logit_bias"),
        ({"top_logprobs": 2}, "top_logprobs"),
        ({"tool_choice": "required"}, "tool_choice"),
        (
            {"tools": [{"type": "function", "function": {"name": "f", "parameters": []}}]},
            "tools[0].function.parameters",
        ),
        ({"temperature": 5}, "temperature"),
    ],
)
def test_unsupported_or_invalid_parameters_are_400(
    edge_server: Service, body: dict[str, Any], param: str
) -> None:
    response = chat(edge_server, **body)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


def test_prompt_longer_than_context_is_400(edge_server: Service) -> None:
    long_prompt = [{"role": "user", "content": "word " * 3000}]
    response = chat(edge_server, messages=long_prompt)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "context_length_exceeded"


def test_max_tokens_beyond_context_is_400(edge_server: Service) -> None:
    response = chat(edge_server, max_tokens=100_000)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "context_length_exceeded"


def test_unknown_model_is_404(edge_server: Service) -> None:
    response = chat(edge_server, model="gpt-4o")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "model_not_found"


def test_eight_concurrent_requests_each_get_their_own_answer(edge_server: Service) -> None:
    questions = [
        "What is the capital of Japan?",
        "Name a fruit that is yellow.",
        "How many days are in a week?",
        "What colour is the sky on a clear day?",
        "Say hello in French.",
        "What is the opposite of cold?",
        "Which animal says moo?",
        "What is 3 times 3?",
    ]

    def ask(question: str) -> str:
        messages = [{"role": "user", "content": question}]
        body = chat(edge_server, messages=messages, max_tokens=20).json()
        return str(body["choices"][0]["message"]["content"])

    alone = [ask(q) for q in questions]
    with ThreadPoolExecutor(len(questions)) as pool:
        together = list(pool.map(ask, questions))
    # Greedy decoding in a batch gives what each prompt gets alone (README, Edge engine).
    assert together == alone
    assert len(set(alone)) == len(alone)


def test_models_and_health(edge_server: Service) -> None:
    assert httpx.get(f"{edge_server.url}/v1/models").json()["data"][0]["id"] == MODEL
    assert httpx.get(f"{edge_server.url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{edge_server.url}/readyz").json()
    assert ready["status"] == "ready"
    assert ready["slots_total"] == 8
    assert {"slots_busy", "queue_depth", "in_flight"} <= ready.keys()


def cancelled_jobs(edge: Service) -> int:
    return int(httpx.get(f"{edge.url}/readyz").json()["jobs"]["cancelled"])


def wait_for(predicate: Any, timeout_s: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_client_disconnect_cancels_generation(edge_server: Service) -> None:
    before = cancelled_jobs(edge_server)
    payload = {
        "model": MODEL,
        "prompt": COUNTING,
        "max_tokens": 1500,
        "stream": True,
        "temperature": 0,
    }
    with httpx.stream("POST", f"{edge_server.url}/v1/completions", json=payload, timeout=60) as r:
        next(r.iter_lines())
    assert wait_for(lambda: cancelled_jobs(edge_server) > before)
    assert wait_for(lambda: httpx.get(f"{edge_server.url}/readyz").json()["in_flight"] == 0)


def test_client_disconnect_cancels_a_non_streamed_generation(edge_server: Service) -> None:
    before = cancelled_jobs(edge_server)
    payload = {"model": MODEL, "prompt": COUNTING, "max_tokens": 1500, "temperature": 0}
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(
            f"{edge_server.url}/v1/completions", json=payload, timeout=httpx.Timeout(10, read=1.0)
        )
    assert wait_for(lambda: cancelled_jobs(edge_server) > before)


@pytest.fixture(scope="module")
def one_slot_edge(log_dir: Path) -> Iterator[Service]:
    """One slot and room for one waiting request: a third caller is refused."""
    service = start_edge(
        log_dir,
        HYBRIDGATE_EDGE__PARALLEL="1",
        HYBRIDGATE_EDGE__QUEUE_SIZE="1",
        HYBRIDGATE_EDGE__DEFAULT_MAX_TOKENS="7",
    )
    yield service
    service.stop()


def test_default_max_tokens_applies_when_the_caller_sets_none(one_slot_edge: Service) -> None:
    body = httpx.post(
        f"{one_slot_edge.url}/v1/completions",
        json={"model": MODEL, "prompt": COUNTING, "temperature": 0},
        timeout=60,
    ).json()
    assert body["usage"]["completion_tokens"] == 7
    assert body["choices"][0]["finish_reason"] == "length"


# Greedy, so that it runs on (a sampled count may stop early) and holds its slot.
LONG_STREAM = {
    "model": MODEL,
    "prompt": COUNTING,
    "max_tokens": 1500,
    "temperature": 0,
    "stream": True,
}
SHORT = {"model": MODEL, "prompt": "Hi", "max_tokens": 3}


def readyz(edge: Service) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{edge.url}/readyz").json()
    return body


def test_a_cancelled_stream_frees_its_slot_for_the_queued_request(
    one_slot_edge: Service,
) -> None:
    url = f"{one_slot_edge.url}/v1/completions"
    with ThreadPoolExecutor(1) as pool:
        with httpx.stream("POST", url, json=LONG_STREAM, timeout=60) as running:
            lines = running.iter_lines()
            next(lines)  # the only slot is now decoding
            queued = pool.submit(httpx.post, url, json=SHORT, timeout=60)
            assert wait_for(lambda: readyz(one_slot_edge)["queue_depth"] == 1)
            assert readyz(one_slot_edge)["slots_busy"] == 1
            assert not queued.done()
        # The stream is closed: its slot goes to the waiting request, which would
        # otherwise wait for 1,500 tokens.
        answer = queued.result(timeout=60)
    assert answer.status_code == 200
    assert answer.json()["usage"]["completion_tokens"] <= 3
    assert wait_for(lambda: readyz(one_slot_edge)["in_flight"] == 0)


def test_full_queue_answers_429_with_retry_after_then_recovers(one_slot_edge: Service) -> None:
    url = f"{one_slot_edge.url}/v1/completions"
    with ThreadPoolExecutor(1) as pool:
        with httpx.stream("POST", url, json=LONG_STREAM, timeout=60) as running:
            # Keep the line iterator referenced: dropping a half-read httpx stream
            # iterator closes the connection, which would cancel the job.
            lines = running.iter_lines()
            next(lines)
            queued = pool.submit(httpx.post, url, json=SHORT, timeout=60)
            assert wait_for(lambda: readyz(one_slot_edge)["queue_depth"] == 1)
            refused = httpx.post(url, json=SHORT, timeout=60)
            # ...and the running stream goes on undisturbed.
            assert next(line for line in lines if line).startswith("data: {")
        assert queued.result(timeout=60).status_code == 200
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["error"]["type"] == "rate_limit_error"
    # Once the slot is free again, the edge takes work.
    assert wait_for(lambda: readyz(one_slot_edge)["in_flight"] == 0, timeout_s=120)
    assert httpx.post(url, json=SHORT, timeout=60).status_code == 200


def test_a_repeated_prompt_is_served_from_the_kv_cache(edge_server: Service) -> None:
    body = {
        "model": "smollm2-135m-instruct",
        "messages": [{"role": "user", "content": "Name three rivers in Europe, please."}],
        "max_tokens": 2,
        "temperature": 0,
    }
    url = f"{edge_server.url}/v1/chat/completions"
    httpx.post(url, json=body, timeout=60).raise_for_status()
    usage = httpx.post(url, json=body, timeout=60).json()["usage"]
    # Everything but the last prompt token, which llama.cpp always evaluates again.
    assert usage["prompt_tokens_details"]["cached_tokens"] == usage["prompt_tokens"] - 1
    # Another question shares only the chat template's preamble with it.
    changed = body | {"messages": [{"role": "user", "content": "Something else entirely."}]}
    usage = httpx.post(url, json=changed, timeout=60).json()["usage"]
    assert 0 < usage["prompt_tokens_details"]["cached_tokens"] < usage["prompt_tokens"] - 3
