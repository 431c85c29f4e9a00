"""The model adapters, built from settings: chat for the graphs, embeddings for memory."""

from __future__ import annotations

from agents.embeddings import OpenAIEmbedder
from agents.llm import OpenAIChatModel
from agents.ports import Embedder
from core.settings import Settings


def _key(settings: Settings) -> str | None:
    return settings.openai_api_key.get_secret_value() if settings.openai_api_key else None


def chat_model(settings: Settings) -> OpenAIChatModel:
    return OpenAIChatModel.connect(
        settings.morningai_model,
        _key(settings),
        settings.openai_base_url,
        tool_calling=settings.morningai_tool_calling,
    )


def embedder_for(settings: Settings) -> Embedder | None:
    """The configured embedding model, or None: then memory is searched by full text."""
    if not settings.morningai_embedding_model:
        return None
    return OpenAIEmbedder.connect(
        settings.morningai_embedding_model,
        _key(settings),
        settings.openai_base_url,
        dimensions=settings.morningai_embedding_dimensions,
    )
