"""What the graphs need from the world, as small Protocols; jobs hand in the adapters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True)
class ToolCall:
    """One call the model asked for: its id (a tool result answers it), the tool's name and
    the arguments as the model wrote them (JSON text, untrusted until parsed)."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Tool:
    """A tool offered to the model: its name, what it does, its parameters (JSON Schema)."""

    name: str
    description: str
    parameters: Mapping[str, Any]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str
    tool_calls: tuple[ToolCall, ...] = ()  # an assistant turn that called tools
    tool_call_id: str | None = None  # a tool turn: the call it answers


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
    tool_calls: tuple[ToolCall, ...] = ()


class ChatModel(Protocol):
    """One chat completion; retries on 429/5xx are the adapter's business. With `tools`, the
    model may answer with tool calls instead of text — through the server's tool calling, or
    the adapter's plain-text protocol for servers without it."""

    @property
    def model(self) -> str: ...

    def complete(
        self, messages: list[Message], *, max_tokens: int, tools: Sequence[Tool] = ()
    ) -> Completion: ...


class Progress(Protocol):
    """Where a graph reports the stage it reached and what it spent so far."""

    def stage(self, name: str, detail: str) -> None: ...

    def spent(self, usage: Usage) -> None: ...

    def note(self, kind: str, message: str, **data: object) -> None:
        """Record one thing the graph did (a tool call, a sandboxed run) in the task's events."""
        ...


class Embedder(Protocol):
    """Text → vectors from one embedding model; retries are the adapter's business."""

    @property
    def model(self) -> str: ...

    def embed(self, texts: list[str]) -> list[tuple[float, ...]]: ...
