"""The scripted model server, driven by the real openai client over real HTTP."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator

import httpx2
import openai
import pytest
from openai import OpenAI
from openai.types.chat import ChatCompletionFunctionToolParam, ChatCompletionMessageParam

from simulator.openai_server import ScriptedModelServer, scripted_model_server, text_vector

USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Please fix issue 7"}]
WEATHER_TOOL: ChatCompletionFunctionToolParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


@pytest.fixture
def server() -> Iterator[ScriptedModelServer]:
    with scripted_model_server() as scripted:
        yield scripted


@pytest.fixture
def bare_server() -> Iterator[ScriptedModelServer]:
    """For tests that check failures: no assert_done() on exit, the test calls it."""
    scripted = ScriptedModelServer().start()
    yield scripted
    scripted.stop()


def client_for(server: ScriptedModelServer, max_retries: int = 2) -> OpenAI:
    return OpenAI(base_url=server.base_url, api_key="test-key", max_retries=max_retries)


def test_plain_reply_with_usage(server: ScriptedModelServer) -> None:
    server.expect_chat("Done.", usage=(12, 3), match="fix issue 7")

    with client_for(server) as client:
        completion = client.chat.completions.create(model="gpt-test", messages=USER)

    assert completion.object == "chat.completion"
    assert completion.model == "gpt-test"
    choice = completion.choices[0]
    assert (choice.index, choice.finish_reason) == (0, "stop")
    assert choice.message.role == "assistant"
    assert choice.message.content == "Done."
    assert choice.message.tool_calls is None
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (12, 3)
    assert completion.usage.total_tokens == 15
    assert server.base_url == server.url + "/v1"


def test_requests_are_recorded_with_authorization_redacted(server: ScriptedModelServer) -> None:
    server.expect_chat("ok")

    with client_for(server) as client:
        client.chat.completions.create(model="gpt-test", messages=USER)

    [recorded] = server.requests
    assert (recorded.method, recorded.path) == ("POST", "/v1/chat/completions")
    assert recorded.json["messages"] == USER
    assert recorded.headers["Authorization"] == "Bearer <redacted>"
    assert "test-key" not in json.dumps(recorded.headers)


def test_tool_calls_are_parsed_by_the_client(server: ScriptedModelServer) -> None:
    server.expect_chat(tool_calls=[{"name": "get_weather", "arguments": {"city": "Oslo"}}])

    with client_for(server) as client:
        completion = client.chat.completions.create(
            model="gpt-test", messages=USER, tools=[WEATHER_TOOL]
        )

    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    [call] = choice.message.tool_calls or []
    assert call.type == "function"
    assert call.id
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Oslo"}


def test_streamed_reply_is_reassembled(server: ScriptedModelServer) -> None:
    server.expect_chat("Streaming works fine.", usage=(5, 3))

    with client_for(server) as client:
        chunks = list(
            client.chat.completions.create(
                model="gpt-test",
                messages=USER,
                stream=True,
                stream_options={"include_usage": True},
            )
        )

    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Streaming works fine."
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.total_tokens == 8


def test_streamed_tool_calls_accumulate(server: ScriptedModelServer) -> None:
    server.expect_chat(tool_calls=[{"name": "get_weather", "arguments": {"city": "Oslo"}}])

    with (
        client_for(server) as client,
        client.chat.completions.stream(
            model="gpt-test", messages=USER, tools=[WEATHER_TOOL]
        ) as stream,
    ):
        completion = stream.get_final_completion()

    [call] = completion.choices[0].message.tool_calls or []
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Oslo"}


def test_embeddings_default_vectors_are_deterministic(server: ScriptedModelServer) -> None:
    server.expect_embeddings(dim=8, times=2)
    texts = ["how do I run the tests", "how do I run the linter", "unrelated zebra"]

    with client_for(server) as client:
        first = client.embeddings.create(model="text-embedding-3-small", input=texts)
        again = client.embeddings.create(
            model="text-embedding-3-small", input=texts[0], encoding_format="float"
        )

    vectors = [d.embedding for d in first.data]
    assert first.object == "list"
    assert [d.index for d in first.data] == [0, 1, 2]
    assert all(len(v) == 8 for v in vectors)
    assert all(math.isclose(sum(x * x for x in v), 1.0, rel_tol=1e-5) for v in vectors)
    # base64 (the client's default) carries float32; the float format the exact value
    assert again.data[0].embedding == text_vector(texts[0], 8)
    assert vectors[0] == pytest.approx(text_vector(texts[0], 8), abs=1e-6)

    def cosine(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2])


def test_embeddings_scripted_vectors_and_dimensions(server: ScriptedModelServer) -> None:
    server.expect_embeddings([[0.5, 0.25], [1.0, 0.0]], match="beta")
    server.expect_embeddings()

    with client_for(server) as client:
        scripted = client.embeddings.create(model="e", input=["alpha", "beta"])
        sized = client.embeddings.create(model="e", input="alpha", dimensions=4)

    assert [d.embedding for d in scripted.data] == [[0.5, 0.25], [1.0, 0.0]]
    assert len(sized.data[0].embedding) == 4


def test_rate_limit_with_retry_after_is_retried(server: ScriptedModelServer) -> None:
    server.expect_chat(status=429, headers={"Retry-After": "0"})
    server.expect_chat("after the limit")

    with client_for(server, max_retries=2) as client:
        completion = client.chat.completions.create(model="gpt-test", messages=USER)

    assert completion.choices[0].message.content == "after the limit"
    assert len(server.requests) == 2


def test_server_error_once_then_success_is_retried(server: ScriptedModelServer) -> None:
    server.expect_chat(status=500, headers={"retry-after-ms": "10"})
    server.expect_chat("recovered")

    with client_for(server, max_retries=1) as client:
        completion = client.chat.completions.create(model="gpt-test", messages=USER)

    assert completion.choices[0].message.content == "recovered"
    retry_counts = [r.headers.get("X-Stainless-Retry-Count") for r in server.requests]
    assert retry_counts == ["0", "1"]


def test_scripted_error_has_the_openai_shape(server: ScriptedModelServer) -> None:
    server.expect_chat(status=429, error="Slow down")

    with client_for(server, max_retries=0) as client, pytest.raises(openai.RateLimitError) as err:
        client.chat.completions.create(model="gpt-test", messages=USER)

    assert err.value.status_code == 429
    assert err.value.code == "rate_limit_exceeded"
    assert err.value.body == {
        "message": "Slow down",
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    }


def test_unexpected_request_fails_assert_done(bare_server: ScriptedModelServer) -> None:
    with client_for(bare_server) as client, pytest.raises(openai.InternalServerError) as err:
        client.chat.completions.create(model="gpt-test", messages=USER)

    assert "unexpected request" in str(err.value)
    # answered with x-should-retry: false, so the client does not retry a stray call
    assert len(bare_server.requests) == 1
    [problem] = bare_server.unexpected
    assert "no expectation left" in problem
    with pytest.raises(AssertionError, match="unexpected request"):
        bare_server.assert_done()


def test_unknown_endpoint_is_unexpected(bare_server: ScriptedModelServer) -> None:
    with client_for(bare_server) as client, pytest.raises(openai.InternalServerError):
        client.models.list()

    assert bare_server.unexpected == ["GET /v1/models: no such scripted endpoint"]


def test_missing_bearer_token_is_unexpected(bare_server: ScriptedModelServer) -> None:
    bare_server.expect_chat("never sent")

    response = httpx2.post(bare_server.base_url + "/chat/completions", json={"messages": USER})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"
    assert "Authorization" in bare_server.unexpected[0]
    assert bare_server.pending() == ["#1 chat reply='never sent'"]


def test_unconsumed_expectation_fails_assert_done(bare_server: ScriptedModelServer) -> None:
    bare_server.expect_chat("first")
    bare_server.expect_embeddings()

    with pytest.raises(AssertionError) as err:
        bare_server.assert_done()

    assert "expectation not consumed: #1 chat reply='first'" in str(err.value)
    assert "expectation not consumed: #1 embeddings auto vectors" in str(err.value)


def test_match_mismatch_is_reported(bare_server: ScriptedModelServer) -> None:
    bare_server.expect_chat("wrong prompt", match="close issue 9")

    with client_for(bare_server) as client, pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model="gpt-test", messages=USER)

    [problem] = bare_server.unexpected
    assert "did not match" in problem
    assert "'close issue 9' not in last user message 'Please fix issue 7'" in problem
    # the expectation stays queued, so assert_done reports both sides
    with pytest.raises(AssertionError, match="not consumed"):
        bare_server.assert_done()


def test_predicate_match(server: ScriptedModelServer) -> None:
    server.expect_chat("with tools", match=lambda body: "tools" in body)
    server.expect_chat("without tools", match=lambda body: "tools" not in body)

    with client_for(server) as client:
        first = client.chat.completions.create(
            model="gpt-test", messages=USER, tools=[WEATHER_TOOL]
        )
        second = client.chat.completions.create(model="gpt-test", messages=USER)

    assert first.choices[0].message.content == "with tools"
    assert second.choices[0].message.content == "without tools"


def test_context_manager_fails_on_leftover_expectation() -> None:
    with pytest.raises(AssertionError, match="not consumed"), scripted_model_server() as scripted:
        scripted.expect_chat("never asked for")


def test_context_manager_does_not_mask_the_body_error() -> None:
    def failing_test_body() -> None:
        with scripted_model_server() as scripted:
            scripted.expect_chat("never asked for")
            raise KeyError("the real failure")

    with pytest.raises(KeyError, match="the real failure"):
        failing_test_body()
