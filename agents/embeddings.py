"""The Embedder adapter over any OpenAI-compatible server, through the official client."""

from __future__ import annotations

from dataclasses import dataclass

from openai import OpenAI, omit

BATCH_SIZE = 64  # inputs per request: well under the API's 2048, and a failed call costs little
# About 2,000 tokens of code: under every common model's input limit (8,191 for OpenAI's), so a
# long chunk is cut rather than refused.
MAX_INPUT_CHARS = 8_000


class EmbeddingError(RuntimeError):
    """The server's answer does not fit the request (count or order of vectors)."""


@dataclass
class OpenAIEmbedder:
    """Embeddings via `openai`. The client itself retries 429 and 5xx (`max_retries`).

    `model` names the vector space, which is what stored vectors are labelled with: the API's
    model name, plus `@<dimensions>` when shortened vectors are asked for, because vectors of
    one model at two sizes must not be compared (or reused for each other) either.
    """

    client: OpenAI
    api_model: str
    dimensions: int | None = None
    batch_size: int = BATCH_SIZE
    max_input_chars: int = MAX_INPUT_CHARS

    @classmethod
    def connect(
        cls,
        model: str,
        api_key: str | None,
        base_url: str | None,
        *,
        dimensions: int | None = None,
        max_retries: int = 3,
    ) -> OpenAIEmbedder:
        client = OpenAI(
            api_key=api_key or "not-needed",  # local servers (Ollama, vLLM) ignore the key
            base_url=base_url,
            max_retries=max_retries,
            timeout=60.0,
        )
        return cls(client, model, dimensions)

    @property
    def model(self) -> str:
        return self.api_model if self.dimensions is None else f"{self.api_model}@{self.dimensions}"

    def embed(self, texts: list[str]) -> list[tuple[float, ...]]:
        """One vector per text, in order; `batch_size` texts a request."""
        vectors: list[tuple[float, ...]] = []
        for start in range(0, len(texts), self.batch_size):
            vectors += self._batch(texts[start : start + self.batch_size])
        return vectors

    def _batch(self, texts: list[str]) -> list[tuple[float, ...]]:
        # The API refuses an empty string; a lone space embeds as "nothing here".
        inputs = [text[: self.max_input_chars] or " " for text in texts]
        response = self.client.embeddings.create(
            model=self.api_model,
            input=inputs,
            dimensions=omit if self.dimensions is None else self.dimensions,
        )
        # The API documents `index` as the input's position; the order of `data` is not promised.
        data = sorted(response.data, key=lambda item: item.index)
        if [item.index for item in data] != list(range(len(inputs))):
            raise EmbeddingError(f"{len(data)} vectors for {len(inputs)} inputs")
        return [tuple(item.embedding) for item in data]
