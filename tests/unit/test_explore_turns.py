"""One tool turn of the code agent's look around: every call answered, each answer fenced as
untrusted, and the turn's results bounded however many calls or however long the files —
pure over a directory (no model is asked)."""

from __future__ import annotations

import json
from pathlib import Path

from agents.code.context import CodeContext
from agents.code.explore import MAX_CALLS_PER_TURN, TURN_RESULTS, describe_call, tool_turns
from agents.ports import ToolCall
from tests.fakes.faq import RecordingProgress, ScriptedModel


def context(root: Path, progress: RecordingProgress, max_tool_chars: int = 2_000) -> CodeContext:
    return CodeContext(
        model=ScriptedModel([]),
        progress=progress,
        repo_root=root,
        repository="o/r",
        max_tool_chars=max_tool_chars,
    )


def open_call(n: int, path: str) -> ToolCall:
    return ToolCall(f"call_{n}", "open_file", json.dumps({"path": path}))


def test_every_call_is_answered_and_the_turn_stays_bounded(tmp_path: Path) -> None:
    for n in range(12):
        (tmp_path / f"big_{n}.py").write_text("x = 1\n" * 2_000)
    progress = RecordingProgress()
    calls = tuple(open_call(n, f"big_{n}.py") for n in range(12))
    update = tool_turns(context(tmp_path, progress), "", calls, step=1)

    turns = update.get("exploration", [])
    assert turns[0]["role"] == "assistant"
    assert [c["id"] for c in turns[0]["calls"]] == [c.id for c in calls]
    answers = turns[1:]
    assert [a["tool_call_id"] for a in answers] == [c.id for c in calls]  # each one answered
    ran = [a for a in answers if a["content"].startswith('<untrusted kind="tool open_file">')]
    assert 1 < len(ran) <= MAX_CALLS_PER_TURN
    shown = sum(len(a["content"]) for a in ran)
    assert shown <= TURN_RESULTS * 2_000 + len(ran) * 300  # results, plus each fence's tags
    assert any("as long as one turn's may be" in a["content"] for a in answers)
    assert any("at most 8 tool calls" in a["content"] for a in answers)
    assert update.get("opened") == [f"big_{n}.py" for n in range(len(ran))]
    # only the calls that ran are in the task's events
    assert [kind for kind, _ in progress.notes] == ["tool"] * len(ran)


def test_a_refusal_is_an_answer_and_an_event_saying_why(tmp_path: Path) -> None:
    progress = RecordingProgress()
    call = open_call(0, "../outside.txt")
    update = tool_turns(context(tmp_path, progress), "", (call,), step=2)
    [answer] = update.get("exploration", [])[1:]
    assert "Refused:" in answer["content"]
    assert update.get("opened") == []
    [(kind, message)] = progress.notes
    assert kind == "tool"
    assert message.startswith("open_file ../outside.txt — refused: ")


def test_a_call_is_described_by_its_main_argument() -> None:
    lines = ToolCall("c", "open_file", '{"path": "a.py", "start_line": 5, "end_line": 9}')
    assert describe_call(lines) == "open_file a.py lines 5-9"
    assert describe_call(ToolCall("c", "search", '{"pattern": "def f"}')) == "search def f"
    assert describe_call(ToolCall("c", "repo_map", "{}")) == "repo_map"
    assert describe_call(ToolCall("c", "x", "{oops")) == "x (arguments not readable)"
