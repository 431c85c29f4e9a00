"""The ChatModel adapter over any OpenAI-compatible server, through the official client."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from openai import APIStatusError, Omit, OpenAI, omit
from openai.types.chat import (
    ChatCompletion,
    ChatCompletionMessageFunctionToolCall,
    ChatCompletionMessageParam,
    ChatCompletionToolUnionParam,
)
from openai.types.shared_params import FunctionDefinition

from agents import tool_text
from agents.ports import Completion, Message, Tool, ToolCall, Usage

_log = logging.getLogger(__name__)

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


ToolCalling = Literal["auto", "native", "text"]

# What servers without tool calling answer when a request offers tools: HTTP 400 from Ollama
# "<model> does not support tools" and vLLM '"auto" tool choice requires
# --enable-auto-tool-choice and --tool-call-parser to be set'; HTTP 500 from llama.cpp (raised
# once the client's retries of it are spent) "tools param requires --jinja flag", earlier
# "Unsupported param: tools".
_REFUSES_TOOLS = re.compile(
    r"does not support tools|tool choice requires --enable-auto-tool-choice"
    r"|tools param requires --jinja|unsupported param: tools",
    re.IGNORECASE,
)


@dataclass
class OpenAIChatModel:
    """Chat completions via `openai`. The client itself retries 429 and 5xx, honouring
    Retry-After up to its cap; longer waits surface as errors the job retries later.

    Tools go through the server's tool calling ("native"), or as text in the prompt
    (`agents.tool_text`: "text"); "auto" starts native and, when the server refuses tools,
    switches this adapter to text for the rest of its life."""

    client: OpenAI
    model: str
    tool_calling: ToolCalling = "auto"
    _as_text: bool = field(default=False, init=False, repr=False)

    @classmethod
    def connect(
        cls,
        model: str,
        api_key: str | None,
        base_url: str | None,
        *,
        max_retries: int = 3,
        tool_calling: ToolCalling = "auto",
    ) -> OpenAIChatModel:
        client = OpenAI(
            api_key=api_key or "not-needed",  # local servers (Ollama, vLLM) ignore the key
            base_url=base_url,
            max_retries=max_retries,
            timeout=120.0,
        )
        return cls(client, model, tool_calling)

    @property
    def tools_as_text(self) -> bool:
        return self.tool_calling == "text" or self._as_text

    def complete(
        self, messages: list[Message], *, max_tokens: int, tools: Sequence[Tool] = ()
    ) -> Completion:
        if self.tools_as_text:
            return self._complete_as_text(messages, max_tokens, tools)
        try:
            return self._complete_native(messages, max_tokens, tools)
        except APIStatusError as exc:
            if not (tools and self.tool_calling == "auto" and refuses_tools(exc)):
                raise
            # the status only: the error's text is the server's, and may echo the request
            _log.info(
                "the model server refused tools (HTTP %s): offering %s tools as text from now on",
                exc.status_code,
                self.model,
            )
            self._as_text = True
            return self._complete_as_text(messages, max_tokens, tools)

    def _complete_native(
        self, messages: list[Message], max_tokens: int, tools: Sequence[Tool]
    ) -> Completion:
        offered = [_tool(t) for t in tools] if tools else omit
        response = self._create([_param(m) for m in messages], max_tokens, offered)
        message = response.choices[0].message
        calls = tuple(
            ToolCall(c.id, c.function.name, c.function.arguments)
            for c in message.tool_calls or ()
            if isinstance(c, ChatCompletionMessageFunctionToolCall)
        )
        text = message.content or ""
        if tools and not calls and self.tool_calling == "auto":
            text, calls = _calls_in_content(text, tool_text.first_call_number(messages))
        return self._completion(response, text, calls)

    def _complete_as_text(
        self, messages: list[Message], max_tokens: int, tools: Sequence[Tool]
    ) -> Completion:
        plain = tool_text.plain_messages(messages, tools)
        response = self._create([_param(m) for m in plain], max_tokens)
        text = response.choices[0].message.content or ""
        if not tools:
            return self._completion(response, text, ())
        text, calls = tool_text.parse_calls(text, tool_text.first_call_number(messages))
        return self._completion(response, text, calls)

    def _create(
        self,
        messages: list[ChatCompletionMessageParam],
        max_tokens: int,
        tools: list[ChatCompletionToolUnionParam] | Omit = omit,
    ) -> ChatCompletion:
        # `omit` leaves the `tools` key out (without tools, today's request exactly)
        return self.client.chat.completions.create(
            model=self.model,
            messages=messages,
            max_tokens=max_tokens,
            temperature=0,
            tools=tools,
        )

    def _completion(
        self, response: ChatCompletion, text: str, calls: tuple[ToolCall, ...]
    ) -> Completion:
        usage = response.usage
        return Completion(
            text=text,
            usage=Usage(usage.prompt_tokens, usage.completion_tokens) if usage else Usage(),
            model=response.model or self.model,
            tool_calls=calls,
        )


def refuses_tools(error: APIStatusError) -> bool:
    """Whether the server said it cannot take tools (and would answer the same request
    without them), as opposed to any other bad request."""
    return error.status_code in (400, 500) and bool(_REFUSES_TOOLS.search(error.message))


def _calls_in_content(text: str, first: int) -> tuple[str, tuple[ToolCall, ...]]:
    """In "auto", `<tool_call>` blocks in a native reply's content are calls: Qwen and Hermes
    models write exactly these when the server's tool-call parser misses them, and the graph
    would otherwise take the attempt for a final answer. Only when every block reads as a
    call, though: a native conversation has no place for a malformed one."""
    rest, calls = tool_text.parse_calls(text, first)
    if not calls or any(call.name == tool_text.MALFORMED for call in calls):
        return text, ()
    return rest, calls


def _tool(tool: Tool) -> ChatCompletionToolUnionParam:
    function: FunctionDefinition = {
        "name": tool.name,
        "description": tool.description,
        "parameters": dict(tool.parameters),
    }
    return {"type": "function", "function": function}


def _param(message: Message) -> ChatCompletionMessageParam:
    if message.role == "system":
        return {"role": "system", "content": message.content}
    if message.role == "assistant" and message.tool_calls:
        return {
            "role": "assistant",
            "content": message.content,
            "tool_calls": [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments},
                }
                for c in message.tool_calls
            ],
        }
    if message.role == "assistant":
        return {"role": "assistant", "content": message.content}
    if message.role == "tool":
        if message.tool_call_id is None:
            raise ValueError("a tool message needs the id of the call it answers")
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    return {"role": "user", "content": message.content}
