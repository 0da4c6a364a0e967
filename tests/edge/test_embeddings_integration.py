"""POST /v1/embeddings on a real edge server process, through the official SDK."""

from __future__ import annotations

import httpx
import numpy as np
import openai
import pytest
from openai import OpenAI

from tests.processes import Service

pytestmark = pytest.mark.integration

MODEL = "all-minilm-l6-v2"


@pytest.fixture(scope="module")
def client(edge_server: Service) -> OpenAI:
    return OpenAI(base_url=f"{edge_server.url}/v1", api_key="unused", max_retries=0)


def test_sdk_embeds_a_list_of_strings(client: OpenAI) -> None:
    result = client.embeddings.create(
        model=MODEL,
        input=["A man is eating food.", "A man is eating a piece of bread.", "The sky is blue."],
    )
    vectors = np.array([item.embedding for item in result.data])
    assert [item.index for item in result.data] == [0, 1, 2]
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # sentence-transformers gives 0.7553 for this pair (its documentation's example);
    # the int8 encoder 0.763, so the tolerance allows for quantization.
    assert vectors[0] @ vectors[1] == pytest.approx(0.7553, abs=1e-2)
    assert vectors[0] @ vectors[2] < 0.3
    assert result.model == MODEL
    assert result.usage.prompt_tokens > 10
    assert result.usage.total_tokens == result.usage.prompt_tokens


def test_base64_decodes_to_the_float_vector(client: OpenAI) -> None:
    floats = client.embeddings.create(model=MODEL, input="hello", encoding_format="float")
    # The SDK asks for base64 by default and decodes it.
    decoded = client.embeddings.create(model=MODEL, input="hello")
    assert np.allclose(floats.data[0].embedding, decoded.data[0].embedding, atol=1e-7)


def test_dimensions_are_honoured_or_refused(client: OpenAI) -> None:
    same = client.embeddings.create(model=MODEL, input="hello", dimensions=384)
    assert len(same.data[0].embedding) == 384
    with pytest.raises(openai.BadRequestError) as refused:
        client.embeddings.create(model=MODEL, input="hello", dimensions=64)
    assert refused.value.body["param"] == "dimensions"  # type: ignore[index]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"input": [1, 2, 3]}, "input"),
        ({"input": [[1, 2], [3]]}, "input"),
        ({"input": []}, "input"),
        ({"input": ["ok", ""]}, "input"),
        ({"input": "word " * 400}, "input"),
        ({"input": "hi", "encoding_format": "int8"}, "encoding_format"),
        ({"input": "hi", "truncate": "end"}, "truncate"),
    ],
)
def test_refusals_name_the_field(edge_server: Service, body: dict[str, object], param: str) -> None:
    response = httpx.post(
        f"{edge_server.url}/v1/embeddings", json={"model": MODEL, **body}, timeout=60
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param


def test_unknown_model_is_a_404(client: OpenAI) -> None:
    with pytest.raises(openai.NotFoundError):
        client.embeddings.create(model="text-embedding-3-small", input="hello")


def test_models_lists_the_embedding_model(client: OpenAI) -> None:
    assert MODEL in {model.id for model in client.models.list()}
