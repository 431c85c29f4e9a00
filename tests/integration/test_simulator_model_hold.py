"""The scripted model server's `hold`: an answer waits until the test releases it (a task kept
running exactly as long as a browser test needs), and a hold never released fails the call
instead of hanging it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from simulator import openai_server
from simulator.openai_server import ScriptedModelServer

AUTH = {"Authorization": "Bearer sk-test"}
ASK = {"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": "plan"}]}


@pytest.fixture
def server() -> Iterator[ScriptedModelServer]:
    started = ScriptedModelServer().start()
    yield started
    started.stop()


def ask(server: ScriptedModelServer, answers: list[httpx.Response]) -> threading.Thread:
    def call() -> None:
        answers.append(httpx.post(server.base_url + "/chat/completions", json=ASK, headers=AUTH))

    thread = threading.Thread(target=call)
    thread.start()
    return thread


def test_a_held_answer_comes_when_released(server: ScriptedModelServer) -> None:
    release = threading.Event()
    server.expect_chat("the plan", hold=release)
    answers: list[httpx.Response] = []
    thread = ask(server, answers)
    deadline = time.monotonic() + 5
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.requests  # received…
    time.sleep(0.3)
    assert answers == []  # …and not answered while held
    release.set()
    thread.join(5)
    [answer] = answers
    assert answer.status_code == 200
    assert answer.json()["choices"][0]["message"]["content"] == "the plan"
    server.assert_done()


def test_a_hold_never_released_fails_the_call(
    server: ScriptedModelServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(openai_server, "HOLD_LIMIT", 0.2)
    server.expect_chat("never", hold=threading.Event())
    answers: list[httpx.Response] = []
    ask(server, answers).join(5)
    [answer] = answers
    assert answer.status_code == 500
    assert "never released" in answer.json()["error"]["message"]
    assert len(server.unexpected) == 1
