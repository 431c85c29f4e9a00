"""`morningai demo` end to end: embedded-style services (the session's), the simulator, the app
over HTTP, a burst worker and the replayed model — judged by what it prints: the issue becomes a
pull request, then `/morningai ask` answers a question with citations of the sample's files."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import psycopg
import pytest
from redis import Redis

import demo
from jobs.runtime import context
from simulator.openai_server import ScriptedModelServer
from tests.support.services import postgres_lock

REPLIES = demo.DATA / "transcript.json"
CITATION = re.compile(r"\[([\w./-]+)#L(\d+)(?:-L(\d+))?\]")  # [path#L4-L11](...) in the answer
HOUSE_FORMAT = (  # agents/faq/render.py: title, overview, sections, entries, related, footer
    "    # How thermo is put together",
    "    ## The conversions",
    "    ## Frequently asked questions",
    "    ### What is the system architecture?",
    "    ## Related documentation",
    "    ## Troubleshooting",
    "    | Task | What is the system architecture? |",
    "    | Repository | acme/thermo |",
)


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary directories land here, so a test can see that the demo removed its own."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


@pytest.fixture
def no_model_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "MORNINGAI_MODEL"):
        monkeypatch.delenv(name, raising=False)


def run(
    tmp_path: Path, pg_admin_url: str, redis_url: str, use_real_model: bool | None = None
) -> tuple[int, str]:
    out = io.StringIO()
    # the demo provisions and migrates a database of its own: roles are cluster-wide, so no
    # other worker does the same meanwhile
    with postgres_lock():
        code = demo.run_demo(
            tmp_path / "demo",
            use_real_model=use_real_model,
            out=out,
            admin_url=pg_admin_url,
            redis_url=redis_url,
        )
    return code, out.getvalue()


def ask_half(text: str) -> str:
    """What the demo printed after the pull request's diff: the question and its answer."""
    before, asked, after = text.partition("@alice comments on acme/thermo#1:")
    assert asked, "the demo never asked its question"
    assert "Pull request #2" in before  # the code half came first
    return asked + after


def assert_answer_cites_the_sample(answer: str) -> None:
    """Every citation is a file of the sample repository, its lines inside the file; the
    examples show the file's own lines."""
    files = demo.sample_files()
    cited = CITATION.findall(answer)
    assert {path for path, *_ in cited} >= {"temperature.py", "test_temperature.py"}
    for path, start, end in cited:
        assert path in files, path
        assert int(end or start) <= len(files[path].splitlines()), (path, end)
    assert "    return celsius * 9 / 5 + 32" in answer  # temperature.py's line 6, quoted


def demo_databases(pg_admin_url: str) -> list[str]:
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s",
            (f"morningai_demo_{os.getpid()}_%",),
        ).fetchall()
    return [str(r[0]) for r in rows]


@pytest.mark.usefixtures("no_model_env")
def test_the_demo_turns_the_issue_into_a_pull_request(
    tmp_path: Path, pg_admin_url: str, redis_url: str, redis: Redis, private_tmp: Path
) -> None:
    installed = context._contexts.get(os.getpid())
    code, text = run(tmp_path, pg_admin_url, redis_url)
    assert code == 0, text
    assert demo.NOTICE in text
    stages = [line for line in text.splitlines() if line.startswith("  status comment")]
    assert stages[0].startswith("  status comment posted: 🏃 Working on it")
    for stage in (
        "Locating the relevant files",
        "Planning",
        "Reproducing the issue",
        "Editing",
        "Validating",
    ):
        assert any(f"· {stage} ·" in line for line in stages), stage
    assert "✅ Done" in stages[-1]
    assert "Pull request #2: Fix fahrenheit_to_celsius: subtract 32 before scaling" in text
    assert "morningai/issue-1 → main" in text
    assert "Fixes #1" in text
    # the issue reproduced before the fix, fixed after it, and the suite still passing
    assert (
        "**Reproduction** — `test_issue_1.py`, run with `python3 -m unittest test_issue_1`" in text
    )
    assert "- Before the change: ❌ failed, as it should" in text
    assert "AssertionError: 194.22222222222223 != 100" in text
    assert "- After the change: ✅ passed" in text
    assert "**Tests** — `python3 -m unittest -q`" in text
    assert "- ✅ passed (tests passed)" in text
    assert "-    return fahrenheit - 32 * 5 / 9" in text
    assert "+    return (fahrenheit - 32) * 5 / 9" in text
    assert "3,720 tokens" in text
    # then the FAQ half: the question on the issue, answered in the house format
    answer = ask_half(text)
    assert "  /morningai ask What is the system architecture?" in answer
    ask_stages = [line for line in answer.splitlines() if line.startswith("  status comment")]
    assert any("· Checking every citation ·" in line for line in ask_stages)
    assert "✅ Done · Answered below. · 1,830 tokens" in ask_stages[-1]
    for heading in HOUSE_FORMAT:
        assert heading in answer.splitlines(), heading
    assert "    | Model | demo-transcript |" in answer
    assert re.search(r"    \| Trace id \| `[0-9a-f]{32}` \|", answer)
    assert_answer_cites_the_sample(answer)
    # everything it started is gone: temp dirs, its database; the job context is as before
    assert list(private_tmp.iterdir()) == []
    assert demo_databases(pg_admin_url) == []
    assert context._contexts.get(os.getpid()) is installed


def test_with_a_model_server_set_it_asks_that_model(
    tmp_path: Path,
    pg_admin_url: str,
    redis_url: str,
    redis: Redis,
    model: ScriptedModelServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", model.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    monkeypatch.setenv("MORNINGAI_MODEL", "gpt-4.1-mini")
    replies = recorded()
    model.expect_chat(tool_calls=replies["look"]["tool_calls"], usage=(900, 20))
    model.expect_chat(replies["plan"]["reply"], usage=(1000, 100))
    model.expect_chat(replies["reproduce"]["reply"], usage=(1100, 80))
    model.expect_chat(replies["edit"]["reply"], usage=(1200, 200))
    model.expect_chat(replies["ask"]["reply"], match="What is the system architecture?")
    code, text = run(tmp_path, pg_admin_url, redis_url)
    model.assert_done()
    assert code == 0, text
    assert demo.NOTICE not in text
    assert f"Using a real model: gpt-4.1-mini at {model.base_url}" in text
    assert "4,600 tokens (~$0.0023)" in text
    answer = ask_half(text)
    assert "    | Model | gpt-4.1-mini |" in answer
    assert_answer_cites_the_sample(answer)


@pytest.mark.usefixtures("no_model_env")
def test_a_task_that_fails_makes_the_demo_fail_with_the_reason(
    tmp_path: Path,
    pg_admin_url: str,
    redis_url: str,
    redis: Redis,
    model: ScriptedModelServer,
    private_tmp: Path,
) -> None:
    replies = recorded()
    model.expect_chat(replies["plan"]["reply"])
    model.expect_chat(replies["reproduce"]["reply"])
    model.expect_chat(
        "nothing.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n", times=3
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENAI_BASE_URL", model.base_url)
        code, text = run(tmp_path, pg_admin_url, redis_url, use_real_model=True)
    assert code == 1
    assert "The demo failed: the task did not succeed: ❌ Failed" in text
    assert "after 3 attempts" in text
    assert list(private_tmp.iterdir()) == []
    assert demo_databases(pg_admin_url) == []


def test_the_sample_repository_is_broken_before_and_fixed_after(tmp_path: Path) -> None:
    """The recorded edit applies to the sample and its tests pass — checked without the app."""
    from agents.code.change import compute_change

    repo = tmp_path / "repo"
    for rel, content in demo.sample_files().items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(content, encoding="utf-8")
    replies = recorded()
    reproduction = compute_change(repo, replies["reproduce"]["reply"], ()).new_contents
    [(test_path, test)] = reproduction.items()
    assert test is not None
    (repo / test_path).write_text(test, encoding="utf-8")
    before = subprocess.run(
        [sys.executable, "-m", "unittest", "test_issue_1"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert before.returncode == 1, before.stderr  # the reproduction fails on the sample
    assert "FAILED (failures=2)" in before.stderr
    change = compute_change(repo, replies["edit"]["reply"], ())
    for rel, new in change.new_contents.items():
        assert new is not None
        (repo / rel).write_text(new, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "unittest", "-v"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Ran 7 tests" in done.stderr  # the reproduction passes with the fix, and the rest
    shutil.rmtree(repo)


def test_an_answer_citing_a_missing_file_makes_the_demo_fail_with_the_reason(
    tmp_path: Path,
    pg_admin_url: str,
    redis_url: str,
    redis: Redis,
    model: ScriptedModelServer,
    private_tmp: Path,
) -> None:
    """The FAQ half goes through the product's citation check: a made-up file is not printed."""
    replies = recorded()
    model.expect_chat(replies["plan"]["reply"])
    model.expect_chat(replies["reproduce"]["reply"])
    model.expect_chat(replies["edit"]["reply"])
    invented = replies["ask"]["reply"].replace("test_temperature.py", "src/thermo/core.py")
    model.expect_chat(invented, times=2)  # the draft, then the retry after being told
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENAI_BASE_URL", model.base_url)
        code, text = run(tmp_path, pg_admin_url, redis_url, use_real_model=True)
    assert code == 1
    assert "Pull request #2" in text
    assert "The demo failed: the task did not succeed: ❌ Failed" in text.splitlines()[-1]
    assert "src/thermo/core.py" in text.splitlines()[-1]
    assert "# How thermo is put together" not in text
    assert list(private_tmp.iterdir()) == []
    assert demo_databases(pg_admin_url) == []


@pytest.mark.usefixtures("no_model_env")
def test_a_recorded_reply_left_unused_makes_the_demo_fail(
    tmp_path: Path,
    pg_admin_url: str,
    redis_url: str,
    redis: Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The recording is exact: a reply no call asked for means the demo shows something else."""
    data = tmp_path / "data"
    shutil.copytree(Path(str(demo.DATA)), data)
    transcript = json.loads((data / "transcript.json").read_text(encoding="utf-8"))
    ask = next(r for r in transcript["replies"] if r["step"] == "ask")
    transcript["replies"].append({**ask, "step": "never asked"})
    (data / "transcript.json").write_text(json.dumps(transcript), encoding="utf-8")
    monkeypatch.setattr(demo, "DATA", data)
    code, text = run(tmp_path, pg_admin_url, redis_url)
    assert code == 1
    assert "# How thermo is put together" in text  # both halves ran
    last = text.splitlines()[-1]
    assert last.startswith("The demo failed: the model calls did not match the recording:"), last
    assert f"#{len(transcript['replies'])} chat" in last


def recorded() -> dict[str, dict[str, Any]]:
    """The demo's recorded replies by step: look, plan, reproduce, edit, ask."""
    replies = json.loads(REPLIES.read_text(encoding="utf-8"))["replies"]
    return {r["step"]: r for r in replies}
