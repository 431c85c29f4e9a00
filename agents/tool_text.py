"""Tool calls as plain text, for model servers without tool calling — pure.

The tools are listed in the system message (`tool_protocol.md`); the model answers with
`<tool_call>{"name": …, "arguments": {…}}</tool_call>` blocks; results go back as user messages
of `<tool_result id="…" name="…">…</tool_result>` blocks. A block that cannot be read as a call
still becomes a ToolCall, with an empty name and the block's raw text as its arguments: the
graph's tool runner refuses it with a message the model reads and corrects, where skipping it
would pass the attempt off as a final answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cache
from html import escape
from importlib import resources
from itertools import groupby
from string import Template
from typing import Any

from agents.ports import Message, Tool, ToolCall

CALL_ID_PREFIX = "text_call_"
MALFORMED = ""  # the name of a call whose block could not be read
# a block ends at its closing tag, at the next opening tag (a forgotten close), or at the end
# of the reply (a close cut off by the token limit or a stop sequence)
_BLOCK = re.compile(r"<tool_call>(.*?)(?:</tool_call>|(?=<tool_call>)|\Z)", re.DOTALL)
_ESCAPED_CLOSE = "<\\/"  # `<\/` is the same JSON string as `</`, and closes no block
_FENCED = re.compile(r"\A```[\w-]*\s*\n(.*?)\n?```\Z", re.DOTALL)


@cache
def _protocol() -> Template:
    return Template((resources.files("agents") / "tool_protocol.md").read_text(encoding="utf-8"))


def instructions(tools: Sequence[Tool]) -> str:
    """The system message's section: how to call tools as text, and each tool's schema."""
    listing = "\n\n".join(
        f"### {tool.name}\n{tool.description}\n"
        f"Parameters (JSON Schema): {json.dumps(tool.parameters, ensure_ascii=False)}"
        for tool in tools
    )
    return _protocol().substitute(tools=listing).strip()


def plain_messages(messages: Sequence[Message], tools: Sequence[Tool]) -> list[Message]:
    """The conversation with its tool turns written as text, and with `tools` offered: an
    assistant turn's calls become `<tool_call>` blocks; consecutive tool results become one
    user message (many chat templates insist that user and assistant turns alternate)."""
    names: dict[str, str] = {}
    plain: list[Message] = []
    for is_result, group in groupby(messages, key=lambda m: m.role == "tool"):
        if is_result:
            blocks = [
                result_block(m.tool_call_id or "", names.get(m.tool_call_id or "", ""), m.content)
                for m in group
            ]
            plain.append(Message("user", "\n\n".join(blocks)))
            continue
        for message in group:
            names.update((call.id, call.name) for call in message.tool_calls)
            text = "\n".join([message.content, *map(call_block, message.tool_calls)]).strip()
            plain.append(Message(message.role, text))
    return _with_instructions(plain, tools) if tools else plain


def _with_instructions(messages: list[Message], tools: Sequence[Tool]) -> list[Message]:
    section = instructions(tools)
    for n, message in enumerate(messages):
        if message.role == "system":
            joined = Message("system", f"{message.content.rstrip()}\n\n{section}")
            return [*messages[:n], joined, *messages[n + 1 :]]
    return [Message("system", section), *messages]


def call_block(call: ToolCall) -> str:
    """A call as the model would have written it (a malformed one: its raw text again)."""
    if call.name == MALFORMED:
        body = call.arguments
    else:
        try:
            arguments: Any = json.loads(call.arguments)
        except json.JSONDecodeError:
            arguments = call.arguments
        body = json.dumps({"name": call.name, "arguments": arguments}, ensure_ascii=False)
    # `<\/` is the same JSON string as `</`, and cannot close the block early
    return f"<tool_call>{body.replace('</', _ESCAPED_CLOSE)}</tool_call>"


def result_block(call_id: str, name: str, content: str) -> str:
    """A tool's result; its content (often repository text) cannot close the block itself."""
    body = content.replace("</tool_result", "&lt;/tool_result")
    return f'<tool_result id="{escape(call_id)}" name="{escape(name)}">\n{body}\n</tool_result>'


def first_call_number(messages: Sequence[Message]) -> int:
    """Where this reply's call ids start: after every call earlier in the conversation, so an
    id names one call (results are matched to calls by it)."""
    return sum(len(message.tool_calls) for message in messages)


def parse_calls(reply: str, first: int = 0) -> tuple[str, tuple[ToolCall, ...]]:
    """The reply's text outside `<tool_call>` blocks (kept, as a native reply's content is
    kept beside its calls) and its calls, numbered `text_call_<first>`, `…<first + 1>`…"""
    calls = tuple(
        _call(match.group(1), f"{CALL_ID_PREFIX}{first + n}")
        for n, match in enumerate(_BLOCK.finditer(reply))
    )
    return _BLOCK.sub("", reply).strip(), calls


def _call(body: str, call_id: str) -> ToolCall:
    raw = body.strip()
    fenced = _FENCED.match(raw)
    try:
        data: Any = json.loads(fenced.group(1) if fenced else raw)
    except json.JSONDecodeError:
        return ToolCall(call_id, MALFORMED, raw)
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name.strip():
        return ToolCall(call_id, MALFORMED, raw)
    # Llama 3's own format says "parameters"; the API's says "arguments", as a JSON string
    arguments = data.get("arguments", data.get("parameters", {}))
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments, ensure_ascii=False)
    return ToolCall(call_id, name.strip(), arguments)
