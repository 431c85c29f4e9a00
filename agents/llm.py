"""The ChatModel adapter over any OpenAI-compatible server, through the official client."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from openai import OpenAI
from openai.types.chat import ChatCompletionMessageParam

from agents.ports import Completion, Message, Tool, Usage

# USD per million tokens (input, output); unknown models cost 0 and say so in the summary
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "o4-mini": (1.10, 4.40),
}


def estimated_cost(model: str, usage: Usage) -> float | None:
    """Dollars for `usage` on `model`, or None when the price is not known."""
    price = PRICES.get(model)
    if price is None:
        return None
    return (usage.prompt_tokens * price[0] + usage.completion_tokens * price[1]) / 1_000_000


@dataclass
class OpenAIChatModel:
    """Chat completions via `openai`. The client itself retries 429 and 5xx, honouring
    Retry-After up to its cap; longer waits surface as errors the job retries later."""

    client: OpenAI
    model: str

    @classmethod
    def connect(
        cls, model: str, api_key: str | None, base_url: str | None, *, max_retries: int = 3
    ) -> OpenAIChatModel:
        client = OpenAI(
            api_key=api_key or "not-needed",  # local servers (Ollama, vLLM) ignore the key
            base_url=base_url,
            max_retries=max_retries,
            timeout=120.0,
        )
        return cls(client, model)

    def complete(
        self, messages: list[Message], *, max_tokens: int, tools: Sequence[Tool] = ()
    ) -> Completion:
        response = self.client.chat.completions.create(
            model=self.model,
            messages=[_param(m) for m in messages],
            max_tokens=max_tokens,
            temperature=0,
        )
        choice = response.choices[0]
        usage = response.usage
        return Completion(
            text=choice.message.content or "",
            usage=Usage(usage.prompt_tokens, usage.completion_tokens) if usage else Usage(),
            model=response.model or self.model,
        )


def _param(message: Message) -> ChatCompletionMessageParam:
    if message.role == "system":
        return {"role": "system", "content": message.content}
    if message.role == "assistant":
        return {"role": "assistant", "content": message.content}
    return {"role": "user", "content": message.content}
