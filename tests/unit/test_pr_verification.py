"""A pull request's Verification section: the reproduction before and after, the tests, what
could not run and why, and when the pull request must be a draft — pure."""

from __future__ import annotations

from agents.code.state import CheckResult, Reproduction, RunReport, RunStatus, SuiteResult
from jobs.code.verification import verification

PARSES = [CheckResult(name="parse app.py", ok=True, ran=True, detail="parses")]


def run(status: RunStatus, reason: str = "", output: str = "", command: str = "cmd") -> RunReport:
    return RunReport(command=command, status=status, reason=reason, output=output)


def repro(before: RunReport | None, after: RunReport | None) -> Reproduction:
    made: Reproduction = {
        "path": "tests/test_issue_7.py",
        "content": "def test_it():\n    assert f() == 1\n",
        "command": "python3 -m pytest -q tests/test_issue_7.py",
    }
    if before is not None:
        made["before"] = before
    if after is not None:
        made["after"] = after
    return made


def test_a_proven_fix_shows_before_and_after_and_is_not_a_draft() -> None:
    shown = verification(
        PARSES,
        repro(run("failed", "1 failed", "E   assert 2 == 1"), run("passed", "1 passed")),
        {"after": run("passed", "12 passed", command="python3 -m pytest -q tests/test_app.py")},
        kept=True,
    )
    text = "\n".join(shown.lines)
    assert shown.draft_reason is None
    assert "**Reproduction** — `tests/test_issue_7.py`" in text
    assert "- Before the change: ❌ failed, as it should (1 failed)" in text
    assert "- After the change: ✅ passed (1 passed)" in text
    assert "committed in this pull request" in text
    assert "E   assert 2 == 1" in text  # the failing output, folded
    assert "**Tests** — `python3 -m pytest -q tests/test_app.py`" in text
    assert "- ✅ passed (12 passed)" in text
    assert "- ✅ app.py: parses" in text
    assert "Not run" not in text


def test_a_reproduction_that_never_failed_makes_a_draft_that_says_so() -> None:
    shown = verification(
        PARSES, repro(run("passed", "1 passed"), run("passed", "1 passed")), {}, kept=False
    )
    assert shown.draft_reason is not None
    assert "passed before the change" in shown.draft_reason
    assert shown.lines[0].startswith("⚠️ **Opened as a draft:**")
    assert "not committed; shown here" in "\n".join(shown.lines)


def test_a_reproduction_still_failing_after_makes_a_draft() -> None:
    shown = verification(
        PARSES, repro(run("failed", "1 failed"), run("failed", "1 failed")), {}, kept=False
    )
    assert shown.draft_reason == "the reproduction test still fails after the change."
    assert "- After the change: ❌ still fails (1 failed)" in shown.lines


def test_what_could_not_run_is_said_with_why() -> None:
    suite: SuiteResult = {"skipped": "no pytest tests were found near the changed files"}
    shown = verification(
        PARSES, {"skipped": "reproduction is off"}, suite, kept=False
    )
    text = "\n".join(shown.lines)
    assert shown.draft_reason is None
    assert "**Not run**" in text
    assert "- Reproduction test: reproduction is off." in text
    assert "- Tests: no pytest tests were found near the changed files." in text


def test_a_suite_failing_on_the_base_too_is_not_called_a_regression() -> None:
    suite: SuiteResult = {"after": run("failed", "exit 1"), "base": run("failed", "exit 1")}
    text = "\n".join(verification(PARSES, {"skipped": "x"}, suite, kept=False).lines)
    assert "as on the base before the change: not a regression" in text
    assert "❌" not in text


def test_the_test_is_fenced_so_its_backticks_cannot_close_the_block() -> None:
    made = repro(run("failed", "1 failed"), run("passed", "1 passed"))
    made["content"] = 'S = """```\n</details>\n```"""\n'
    lines = verification(PARSES, made, {}, kept=False).lines
    fence = next(line for line in lines if line.startswith("```"))
    assert fence == "````"
