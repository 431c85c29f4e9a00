"""The chat adapter's tool calls through the real `openai` client against the scripted model
server: the API's tools and tool turns natively, the plain-text protocol for servers without
tool calling, and "auto" switching from one to the other when the server refuses tools."""

from __future__ import annotations

import logging
from typing import Any

import httpx2
import openai
import pytest

from agents.llm import OpenAIChatModel, ToolCalling
from agents.ports import Message, Tool, ToolCall, Usage
from agents.tool_text import call_block, instructions, result_block
from simulator.openai_server import ScriptedModelServer

READ = Tool(
    "read_file",
    "Read one file of the checkout.",
    {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
)
GREP = Tool("grep", "Search the checkout.", {"type": "object", "properties": {}})
EARLIER = (
    ToolCall("call_a", "read_file", '{"path": "a.py"}'),
    ToolCall("call_b", "grep", '{"pattern": "x"}'),
)
CONVERSATION = [
    Message("system", "You fix issues."),
    Message("user", "Fix the bug."),
    Message("assistant", "Looking.", tool_calls=EARLIER),
    Message("tool", "print('a')", tool_call_id="call_a"),
    Message("tool", "a.py:1: x", tool_call_id="call_b"),
]
OLLAMA_REFUSAL = {"message": "llama3.2:1b does not support tools", "type": "api_error"}
VLLM_REFUSAL = (
    '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'
)
TEXT_CALLS = (
    'I will look.\n<tool_call>{"name": "read_file", "arguments": {"path": "b.py"}}</tool_call>\n'
    '<tool_call>{"name": "grep", "arguments": {"pattern": "y",}}</tool_call>'
)


def adapter(model: ScriptedModelServer, tool_calling: ToolCalling) -> OpenAIChatModel:
    # no retries: a scripted 500 answers once
    return OpenAIChatModel.connect(
        "scripted-model", "sk-test", model.base_url, max_retries=0, tool_calling=tool_calling
    )


def bodies(model: ScriptedModelServer) -> list[dict[str, Any]]:
    return [r.json for r in model.requests]


def test_native_tool_calls_come_back_as_tool_calls(model: ScriptedModelServer) -> None:
    model.expect_chat(
        tool_calls=[
            {"id": "call_1", "name": "read_file", "arguments": {"path": "b.py"}},
            {"id": "call_2", "name": "grep", "arguments": {"pattern": "def"}},
        ],
        usage=(120, 30),
    )
    completion = adapter(model, "native").complete(CONVERSATION, max_tokens=500, tools=[READ, GREP])
    assert completion.tool_calls == (
        ToolCall("call_1", "read_file", '{"path": "b.py"}'),
        ToolCall("call_2", "grep", '{"pattern": "def"}'),
    )
    assert (completion.text, completion.usage) == ("", Usage(120, 30))


def test_the_request_carries_tools_and_the_tool_turns_in_the_apis_shape(
    model: ScriptedModelServer,
) -> None:
    model.expect_chat("Fixed.")
    completion = adapter(model, "auto").complete(CONVERSATION, max_tokens=500, tools=[READ])
    assert (completion.text, completion.tool_calls) == ("Fixed.", ())
    [body] = bodies(model)
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "read_file",
                "description": "Read one file of the checkout.",
                "parameters": dict(READ.parameters),
            },
        }
    ]
    assert "tool_choice" not in body
    assert body["messages"][2:] == [
        {
            "role": "assistant",
            "content": "Looking.",
            "tool_calls": [
                {
                    "id": "call_a",
                    "type": "function",
                    "function": {"name": "read_file", "arguments": '{"path": "a.py"}'},
                },
                {
                    "id": "call_b",
                    "type": "function",
                    "function": {"name": "grep", "arguments": '{"pattern": "x"}'},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "call_a", "content": "print('a')"},
        {"role": "tool", "tool_call_id": "call_b", "content": "a.py:1: x"},
    ]


@pytest.mark.parametrize("tool_calling", ["auto", "native", "text"])
def test_without_tools_the_request_is_as_before(
    model: ScriptedModelServer, tool_calling: ToolCalling
) -> None:
    model.expect_chat("Plan: edit a.py.", usage=(11, 4))
    messages = [Message("system", "You plan."), Message("user", "Plan.")]
    completion = adapter(model, tool_calling).complete(messages, max_tokens=200)
    assert (completion.text, completion.usage) == ("Plan: edit a.py.", Usage(11, 4))
    [body] = bodies(model)
    assert body == {
        "model": "scripted-model",
        "messages": [
            {"role": "system", "content": "You plan."},
            {"role": "user", "content": "Plan."},
        ],
        "max_tokens": 200,
        "temperature": 0,
    }


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, OLLAMA_REFUSAL), (400, VLLM_REFUSAL), (500, "tools param requires --jinja flag")],
    ids=["ollama", "vllm", "llama.cpp"],
)
def test_auto_retries_a_refusal_of_tools_as_text_and_stays_text(
    model: ScriptedModelServer,
    caplog: pytest.LogCaptureFixture,
    status: int,
    error: str | dict[str, str],
) -> None:
    model.expect_chat(status=status, error=error)
    model.expect_chat(TEXT_CALLS, usage=(300, 40))
    model.expect_chat("All done.")
    chat = adapter(model, "auto")
    with caplog.at_level(logging.INFO, logger="agents.llm"):
        first = chat.complete(CONVERSATION, max_tokens=500, tools=[READ, GREP])
        later = chat.complete([Message("user", "Go on.")], max_tokens=500, tools=[READ])

    assert first.text == "I will look."
    assert first.tool_calls == (
        ToolCall("text_call_2", "read_file", '{"path": "b.py"}'),  # after the 2 earlier calls
        ToolCall("text_call_3", "", '{"name": "grep", "arguments": {"pattern": "y",}}'),
    )
    assert first.usage == Usage(300, 40)
    assert (later.text, later.tool_calls) == ("All done.", ())

    refused, retried, straight = bodies(model)
    assert "tools" in refused
    assert "tools" not in retried
    assert "tools" not in straight
    assert retried["messages"] == [
        {"role": "system", "content": "You fix issues.\n\n" + instructions([READ, GREP])},
        {"role": "user", "content": "Fix the bug."},
        {"role": "assistant", "content": "Looking.\n" + "\n".join(map(call_block, EARLIER))},
        {
            "role": "user",
            "content": result_block("call_a", "read_file", "print('a')")
            + "\n\n"
            + result_block("call_b", "grep", "a.py:1: x"),
        },
    ]
    assert straight["messages"][0] == {"role": "system", "content": instructions([READ])}

    [line] = [r for r in caplog.records if r.name == "agents.llm"]
    assert line.levelno == logging.INFO
    assert f"HTTP {status}" in line.getMessage()
    assert "sk-test" not in line.getMessage()
    assert "does not support" not in line.getMessage()  # the server's own words stay out


def test_native_does_not_fall_back(model: ScriptedModelServer) -> None:
    model.expect_chat(status=400, error=OLLAMA_REFUSAL)
    with pytest.raises(openai.BadRequestError, match="does not support tools"):
        adapter(model, "native").complete(CONVERSATION, max_tokens=500, tools=[READ])
    assert len(model.requests) == 1


def test_a_bad_request_not_about_tools_does_not_switch(model: ScriptedModelServer) -> None:
    model.expect_chat(status=400, error="This model's maximum context length is 8192 tokens.")
    model.expect_chat("Fixed.")
    chat = adapter(model, "auto")
    with pytest.raises(openai.BadRequestError, match="maximum context length"):
        chat.complete(CONVERSATION, max_tokens=500, tools=[READ])
    assert chat.complete(CONVERSATION, max_tokens=500, tools=[READ]).text == "Fixed."
    assert ["tools" in body for body in bodies(model)] == [True, True]


def test_a_refusal_of_tools_without_tools_offered_is_no_reason_to_switch(
    model: ScriptedModelServer,
) -> None:
    model.expect_chat(status=400, error=OLLAMA_REFUSAL)
    chat = adapter(model, "auto")
    with pytest.raises(openai.BadRequestError):
        chat.complete([Message("user", "Plan.")], max_tokens=200)
    assert not chat.tools_as_text


def test_text_mode_goes_straight_to_text(model: ScriptedModelServer) -> None:
    model.expect_chat(TEXT_CALLS)
    completion = adapter(model, "text").complete(CONVERSATION, max_tokens=500, tools=[READ, GREP])
    assert [(c.id, c.name) for c in completion.tool_calls] == [
        ("text_call_2", "read_file"),
        ("text_call_3", ""),
    ]
    [body] = bodies(model)
    assert "tools" not in body
    assert body["messages"][0]["content"].endswith(instructions([READ, GREP]))
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user"]


def test_auto_takes_tool_call_blocks_in_a_native_reply(model: ScriptedModelServer) -> None:
    reply = '<tool_call>{"name": "read_file", "arguments": {"path": "b.py"}}</tool_call>'
    model.expect_chat(reply)
    completion = adapter(model, "auto").complete(CONVERSATION, max_tokens=500, tools=[READ])
    assert completion.tool_calls == (ToolCall("text_call_2", "read_file", '{"path": "b.py"}'),)
    assert completion.text == ""
    assert "tools" in bodies(model)[0]  # still native: nothing was refused


@pytest.mark.parametrize(
    ("tool_calling", "reply"),
    [
        ("native", '<tool_call>{"name": "read_file", "arguments": {"path": "b.py"}}</tool_call>'),
        ("auto", '<tool_call>{"name": "read_file", "arguments": {"path": </tool_call>'),
    ],
    ids=["native-mode", "auto-malformed"],
)
def test_blocks_in_a_native_reply_stay_text(
    model: ScriptedModelServer, tool_calling: ToolCalling, reply: str
) -> None:
    model.expect_chat(reply)
    completion = adapter(model, tool_calling).complete(CONVERSATION, max_tokens=500, tools=[READ])
    assert (completion.text, completion.tool_calls) == (reply, ())


def test_other_kinds_of_native_tool_call_are_ignored() -> None:
    # the scripted server writes function calls only: this one answer comes from a transport
    custom = {"id": "call_c", "type": "custom", "custom": {"name": "shell", "input": "ls"}}
    function = {"id": "call_f", "type": "function", "function": {"name": "grep", "arguments": "{}"}}
    message = {"role": "assistant", "content": None, "tool_calls": [custom, function]}
    answer = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "scripted-model",
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
    }
    transport = httpx2.MockTransport(lambda request: httpx2.Response(200, json=answer))
    client = openai.OpenAI(
        api_key="sk-test",
        base_url="http://model.test/v1",
        http_client=httpx2.Client(transport=transport),
    )
    completion = OpenAIChatModel(client, "scripted-model").complete(
        CONVERSATION, max_tokens=500, tools=[GREP]
    )
    assert completion.tool_calls == (ToolCall("call_f", "grep", "{}"),)
    assert completion.usage == Usage()
