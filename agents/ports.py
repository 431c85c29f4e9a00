"""What the graphs need from the world, as small Protocols; jobs hand in the adapters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
        )


@dataclass(frozen=True)
class Completion:
    text: str
    usage: Usage
    model: str


class ChatModel(Protocol):
    """One chat completion; retries on 429/5xx are the adapter's business."""

    @property
    def model(self) -> str: ...

    def complete(self, messages: list[Message], *, max_tokens: int) -> Completion: ...


class Progress(Protocol):
    """Where a graph reports the stage it reached and what it spent so far."""

    def stage(self, name: str, detail: str) -> None: ...

    def spent(self, usage: Usage) -> None: ...


class Embedder(Protocol):
    """Text → vectors from one embedding model; retries are the adapter's business."""

    @property
    def model(self) -> str: ...

    def embed(self, texts: list[str]) -> list[tuple[float, ...]]: ...
