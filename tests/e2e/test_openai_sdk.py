"""The official openai SDK against the gateway in front of a real edge server."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from openai import AsyncOpenAI, OpenAI

from tests.processes import Service, start_gateway

pytestmark = pytest.mark.e2e

QUESTION = [{"role": "user", "content": "What is the capital of Japan?"}]


@pytest.fixture(scope="module")
def client(gateway_server: Service, token: str) -> OpenAI:
    # The SDK sends api_key as "Authorization: Bearer <api_key>": the token goes there.
    return OpenAI(base_url=f"{gateway_server.url}/v1", api_key=token, max_retries=0)


def test_chat_goes_to_the_edge_with_headers(client: OpenAI) -> None:
    raw = client.chat.completions.with_raw_response.create(
        model="auto",
        messages=QUESTION,
        temperature=0,
        max_tokens=30,  # type: ignore[arg-type]
    )
    completion = raw.parse()
    assert raw.headers["x-hybridgate-route"] == "edge"
    assert raw.headers["x-hybridgate-decision-id"]
    assert raw.headers["x-hybridgate-policy-revision"]
    assert "Tokyo" in (completion.choices[0].message.content or "")
    assert completion.usage is not None
    assert completion.usage.completion_tokens > 0


def test_stream_joins_into_the_non_streamed_answer(client: OpenAI) -> None:
    params = {"model": "auto", "messages": QUESTION, "temperature": 0, "seed": 42, "max_tokens": 40}
    whole = client.chat.completions.create(**params)  # type: ignore[call-overload]
    stream = client.chat.completions.create(
        **params, stream=True, stream_options={"include_usage": True}
    )
    pieces: list[str] = []
    usage = None
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
        usage = chunk.usage or usage
    assert "".join(pieces) == whole.choices[0].message.content
    assert usage is not None
    assert usage.completion_tokens == whole.usage.completion_tokens


def test_streamed_response_carries_the_route_header(client: OpenAI) -> None:
    with client.chat.completions.with_streaming_response.create(
        model="edge",
        messages=QUESTION,
        max_tokens=5,
        stream=True,  # type: ignore[arg-type]
    ) as response:
        assert response.headers["x-hybridgate-route"] == "edge"
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"


def test_text_completions(client: OpenAI) -> None:
    completion = client.completions.create(
        model="auto", prompt="1, 2, 3, 4,", max_tokens=6, temperature=0
    )
    assert completion.choices[0].text.strip()
    assert completion.usage is not None
    assert completion.usage.completion_tokens == 6


def test_models_lists_virtual_models(client: OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["auto", "edge", "cloud"]


def test_invalid_request_is_400_naming_the_field(client: OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="auto", messages=[])
    assert caught.value.body["param"] == "messages"  # type: ignore[index]


def test_unsupported_parameter_from_the_edge_is_relayed_as_400(client: OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="auto", messages=QUESTION, n=2)  # type: ignore[arg-type]
    assert caught.value.body["param"] == "n"  # type: ignore[index]


def test_unknown_model_is_404(client: OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=QUESTION)  # type: ignore[arg-type]
    assert caught.value.body["code"] == "model_not_found"  # type: ignore[index]


def test_body_over_limit_is_413(client: OpenAI) -> None:
    huge = [{"role": "user", "content": "x" * (4 * 1024 * 1024 + 1)}]
    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model="auto", messages=huge)  # type: ignore[arg-type]
    assert caught.value.status_code == 413


def test_unreachable_cloud_falls_back_to_the_edge(client: OpenAI) -> None:
    # Nothing listens on the cloud URL; the default policy allows the edge fallback.
    raw = client.chat.completions.with_raw_response.create(
        model="cloud",
        messages=QUESTION,
        max_tokens=10,  # type: ignore[arg-type]
    )
    assert raw.headers["x-hybridgate-route"] == "edge"
    assert raw.headers["x-hybridgate-fallback"] == "cloud->edge"
    assert raw.parse().choices[0].message.content


def test_sensitive_request_for_the_cloud_is_refused(client: OpenAI) -> None:
    leak = [{"role": "user", "content": "My SSN is 536-22-8741; explain my tax options."}]
    with pytest.raises(openai.PermissionDeniedError) as caught:
        client.chat.completions.create(model="cloud", messages=leak)  # type: ignore[arg-type]
    assert caught.value.body["code"] == "policy_denied"  # type: ignore[index]


@pytest.fixture(scope="module")
def misconfigured_gateway(
    edge_server: Service, log_dir: Path, state_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    # The shared dev key, but an audit log of its own: one writer per chain.
    audit = tmp_path_factory.mktemp("misconfigured-audit") / "audit.jsonl"
    service = start_gateway(
        log_dir,
        edge_server.url,
        state_dir,
        HYBRIDGATE_BACKENDS__EDGE__MODEL="no-such",
        HYBRIDGATE_AUDIT__PATH=str(audit),
    )
    yield service
    service.stop()


def test_backend_fault_is_502(misconfigured_gateway: Service, token: str) -> None:
    client = OpenAI(base_url=f"{misconfigured_gateway.url}/v1", api_key=token, max_retries=0)
    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(model="auto", messages=QUESTION)  # type: ignore[arg-type]
    assert caught.value.status_code == 502


# Countries the 135M model answers correctly at temperature 0.
CAPITALS = {
    "Japan": "Tokyo",
    "Germany": "Berlin",
    "England": "London",
    "Russia": "Moscow",
    "Egypt": "Cairo",
    "Greece": "Athens",
    "Kenya": "Nairobi",
    "Norway": "Oslo",
}


async def test_concurrent_requests_each_get_their_own_answer(
    gateway_server: Service, token: str
) -> None:
    client = AsyncOpenAI(base_url=f"{gateway_server.url}/v1", api_key=token, max_retries=0)

    async def ask(country: str) -> str:
        completion = await client.chat.completions.create(
            model="auto",
            messages=[{"role": "user", "content": f"What is the capital of {country}?"}],
            temperature=0,
            max_tokens=40,
        )
        return completion.choices[0].message.content or ""

    answers = await asyncio.gather(*(ask(country) for country in CAPITALS))
    await client.close()
    for (country, capital), answer in zip(CAPITALS.items(), answers, strict=True):
        assert capital in answer, f"{country}: {answer!r}"
        others = set(CAPITALS.values()) - {capital}
        assert not any(other in answer for other in others), f"{country}: {answer!r}"


LONG_COUNT = {
    "model": "auto",
    "prompt": "1, 2, 3, 4, 5, 6, 7,",
    "max_tokens": 1500,
    "temperature": 0,
}


def wait_for_cancelled_job(edge: Service, before: int) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if httpx.get(f"{edge.url}/readyz").json()["jobs"]["cancelled"] > before:
            return True
        time.sleep(0.1)
    return False


def cancelled_jobs(edge: Service) -> int:
    return int(httpx.get(f"{edge.url}/readyz").json()["jobs"]["cancelled"])


def test_stream_disconnect_through_the_gateway_cancels_the_edge_job(
    gateway_server: Service, edge_server: Service, token: str, state_dir: Path
) -> None:
    before = cancelled_jobs(edge_server)
    url = f"{gateway_server.url}/v1/completions"
    auth = {"Authorization": f"Bearer {token}"}
    body = LONG_COUNT | {"stream": True}
    with httpx.stream("POST", url, json=body, headers=auth, timeout=60) as response:
        decision_id = response.headers["x-hybridgate-decision-id"]
        next(response.iter_lines())
    assert wait_for_cancelled_job(edge_server, before)
    # Its audit event says the stream was cut short.
    deadline = time.monotonic() + 30
    while True:
        logged = [
            json.loads(line)
            for line in (state_dir / "audit" / "audit.jsonl").read_text().splitlines()
        ]
        mine = [e for e in logged if e["decision_id"] == decision_id]
        if mine or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert [e["error_code"] for e in mine] == ["stream_incomplete"]


def test_non_stream_disconnect_through_the_gateway_cancels_the_edge_job(
    gateway_server: Service, edge_server: Service, token: str
) -> None:
    before = cancelled_jobs(edge_server)
    url = f"{gateway_server.url}/v1/completions"
    auth = {"Authorization": f"Bearer {token}"}
    # The client gives up long before 1500 tokens are ready and drops the connection.
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(url, json=LONG_COUNT, headers=auth, timeout=httpx.Timeout(10, read=1.0))
    assert wait_for_cancelled_job(edge_server, before)


def test_embeddings_through_the_gateway(client: OpenAI) -> None:
    raw = client.embeddings.with_raw_response.create(
        model="auto", input=["A man is eating food.", "A man is eating a piece of bread."]
    )
    result = raw.parse()
    assert raw.headers["x-hybridgate-route"] == "edge"
    first, second = (item.embedding for item in result.data)
    assert len(first) == 384
    # sentence-transformers' 0.7553; the int8 encoder gives 0.763.
    assert sum(a * b for a, b in zip(first, second, strict=True)) == pytest.approx(0.7553, abs=1e-2)
    assert result.usage.prompt_tokens > 0


def test_sensitive_embeddings_stay_on_the_edge(client: OpenAI) -> None:
    sensitive = "Priya Raman's SSN is 536-22-8741; index it for search."
    raw = client.embeddings.with_raw_response.create(model="auto", input=sensitive)
    assert raw.headers["x-hybridgate-route"] == "edge"
    assert len(raw.parse().data[0].embedding) == 384
    # Asked for the cloud by name, it is refused (the default policy's cloud_refusal).
    with pytest.raises(openai.PermissionDeniedError):
        client.embeddings.create(model="cloud", input=sensitive)


def test_cloud_embeddings_fall_back_to_the_edge(client: OpenAI) -> None:
    # Nothing listens on the cloud URL; the rule allows the edge.
    raw = client.embeddings.with_raw_response.create(model="cloud", input="The sky is blue.")
    assert raw.headers["x-hybridgate-route"] == "edge"
    assert raw.headers["x-hybridgate-fallback"] == "cloud->edge"


def test_embeddings_refuse_token_arrays_by_name(client: OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        client.embeddings.create(model="auto", input=[[101, 2023, 102]])
    assert refused.value.body["param"] == "input"  # type: ignore[index]
