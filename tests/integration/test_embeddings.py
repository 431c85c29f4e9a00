"""OpenAIEmbedder against the scripted model server, through the real openai client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import openai
import pytest
from openai import OpenAI
from openai.types import CreateEmbeddingResponse
from openai.types import Embedding as OpenAIEmbedding
from openai.types.create_embedding_response import Usage

from agents.embeddings import EmbeddingError, OpenAIEmbedder
from simulator.openai_server import (
    EMBEDDINGS_PATH,
    ScriptedModelServer,
    scripted_model_server,
    text_vector,
)


@pytest.fixture
def server() -> Iterator[ScriptedModelServer]:
    with scripted_model_server() as scripted:
        yield scripted


def _bodies(server: ScriptedModelServer) -> list[dict[str, object]]:
    return [r.json for r in server.requests if r.path == EMBEDDINGS_PATH]


def test_batches_in_order_with_clipped_inputs(server: ScriptedModelServer) -> None:
    embedder = OpenAIEmbedder.connect("embed-small", "key", server.base_url, max_retries=0)
    embedder.batch_size, embedder.max_input_chars = 2, 10
    texts = ["alpha beta", "gamma", "", "delta " * 5, "epsilon"]
    server.expect_embeddings(times=3)

    vectors = embedder.embed(texts)

    assert embedder.model == "embed-small"
    assert [b["input"] for b in _bodies(server)] == [
        ["alpha beta", "gamma"],
        [" ", "delta delt"],  # the API refuses "", and a long input is cut, not refused
        ["epsilon"],
    ]
    assert all("dimensions" not in b for b in _bodies(server))
    expected = ["alpha beta", "gamma", " ", "delta delt", "epsilon"]
    for vector, text in zip(vectors, expected, strict=True):
        assert vector == pytest.approx(text_vector(text), abs=1e-6)
    assert embedder.embed([]) == []


def test_dimensions_are_asked_for_and_name_the_space(server: ScriptedModelServer) -> None:
    embedder = OpenAIEmbedder.connect(
        "embed-large", None, server.base_url, dimensions=32, max_retries=0
    )
    server.expect_embeddings()
    (vector,) = embedder.embed(["hello"])
    assert len(vector) == 32
    assert _bodies(server)[0]["dimensions"] == 32
    assert _bodies(server)[0]["model"] == "embed-large"
    assert embedder.model == "embed-large@32"


def test_server_errors_are_retried_by_the_client_then_raised() -> None:
    with scripted_model_server() as server:
        embedder = OpenAIEmbedder.connect("m", "key", server.base_url, max_retries=1)
        server.expect_embeddings(status=503)
        server.expect_embeddings(status=400)
        with pytest.raises(openai.BadRequestError):
            embedder.embed(["a"])


class _Client:
    """Answers with `data` rearranged: the order of `data` is not promised, `index` is."""

    def __init__(self, order: list[int]) -> None:
        self.order = order
        self.embeddings = self

    def create(
        self, *, model: str, input: list[str], dimensions: object
    ) -> CreateEmbeddingResponse:
        data = [
            OpenAIEmbedding(object="embedding", index=i, embedding=[float(i + 1), 1.0])
            for i in self.order
        ]
        usage = Usage(prompt_tokens=1, total_tokens=1)
        return CreateEmbeddingResponse(object="list", data=data, model=model, usage=usage)


def test_vectors_follow_their_index_and_must_all_be_there() -> None:
    shuffled = OpenAIEmbedder(cast(OpenAI, _Client([2, 0, 1])), "m")
    assert shuffled.embed(["a", "b", "c"]) == [(1.0, 1.0), (2.0, 1.0), (3.0, 1.0)]
    short = OpenAIEmbedder(cast(OpenAI, _Client([0, 1])), "m")
    with pytest.raises(EmbeddingError, match="2 vectors for 3 inputs"):
        short.embed(["a", "b", "c"])
