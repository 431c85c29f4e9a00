"""The `model` fixture's teardown check (tests/support/model_fixture.py): a scripted answer
never asked for, or a request nothing scripted, fails the test with both listed; a test that
means it says so, with a reason."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from simulator.openai_server import ScriptedModelServer
from tests.support.model_fixture import check_at_teardown
from tests.support.paths import ROOT

AUTH = {"Authorization": "Bearer sk-test"}
ASK = {"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": "plan it"}]}


@pytest.fixture
def server() -> Iterator[ScriptedModelServer]:
    """A server of the test's own, so its leftovers are checked here, not by the fixture."""
    started = ScriptedModelServer().start()
    yield started
    started.stop()


def test_an_unused_answer_fails_at_teardown(server: ScriptedModelServer) -> None:
    server.expect_chat("the plan")
    server.expect_chat("the edit")
    httpx.post(server.base_url + "/chat/completions", json=ASK, headers=AUTH)
    with pytest.raises(pytest.fail.Exception) as failed:
        check_at_teardown(server)
    assert "expectation not consumed: #2 chat reply='the edit'" in str(failed.value)
    assert "#1" not in str(failed.value)


def test_an_unexpected_request_fails_at_teardown(server: ScriptedModelServer) -> None:
    answer = httpx.post(server.base_url + "/chat/completions", json=ASK, headers=AUTH)
    assert answer.status_code == 500
    with pytest.raises(pytest.fail.Exception) as failed:
        check_at_teardown(server)
    assert "unexpected request: POST /v1/chat/completions: no expectation left" in str(failed.value)


def test_used_as_scripted_passes(server: ScriptedModelServer) -> None:
    server.expect_chat("the plan")
    assert httpx.post(server.base_url + "/chat/completions", json=ASK, headers=AUTH).is_success
    check_at_teardown(server)


def test_a_test_may_leave_script_unused_saying_why(server: ScriptedModelServer) -> None:
    server.expect_chat("the plan")
    with pytest.raises(ValueError, match="needs a reason"):
        server.allow_unused(" ")
    server.allow_unused("the task is stopped before it plans")
    check_at_teardown(server)
    httpx.post(server.base_url + "/chat/completions", json=ASK, headers=AUTH)
    httpx.post(server.base_url + "/chat/completions", json=ASK, headers=AUTH)
    with pytest.raises(pytest.fail.Exception, match="unexpected request"):
        check_at_teardown(server)  # unused allowed, unexpected not


SUITE = """
import pytest

def test_unused(model):
    model.expect_chat("never asked for")

def test_body_fails_first(model):
    model.expect_chat("never asked for either")
    assert False, "the body's own failure"

def test_allowed(model):
    model.allow_unused("a meta-test of the opt-out")
    model.expect_chat("left on purpose")
"""


def test_the_fixture_fails_a_test_at_teardown(tmp_path: Path) -> None:
    """The real fixture and hook in a pytest run of their own: the unused answer is an error
    at teardown; a body that failed is reported once; an opt-out passes."""
    (tmp_path / "conftest.py").write_text(
        "from tests.support.model_fixture import model, pytest_runtest_makereport\n"
        '__all__ = ["model", "pytest_runtest_makereport"]\n'
    )
    (tmp_path / "test_meta.py").write_text(textwrap.dedent(SUITE))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "-q", str(tmp_path)],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = run.stdout
    assert "1 failed, 2 passed, 1 error" in out, out  # test_unused passes, then errors
    assert "ERROR test_meta.py::test_unused" in out, out
    assert "expectation not consumed: #1 chat reply='never asked for'" in out, out
    assert "FAILED test_meta.py::test_body_fails_first" in out, out
    assert "ERROR test_meta.py::test_body_fails_first" not in out, out
    assert "PASSED test_meta.py::test_allowed" in out, out
