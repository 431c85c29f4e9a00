"""A pull request's Verification section: the reproduction test before and after, the
repository's tests, the parse checks, and what could not be run and why — pure."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agents.code.state import CheckResult, Reproduction, RunReport, SuiteResult

OUTPUT_LINES = 20  # of a run's output, shown folded


@dataclass(frozen=True)
class Verification:
    lines: tuple[str, ...]
    draft_reason: str | None  # why the pull request must be a draft, when it must


def verification(
    checks: Sequence[CheckResult],
    reproduction: Reproduction,
    suite: SuiteResult,
    *,
    kept: bool,
) -> Verification:
    lines: list[str] = []
    not_run: list[str] = []
    draft = _reproduction(reproduction, kept, lines, not_run)
    _suite(suite, lines, not_run)
    parses = [c for c in checks if c["name"].startswith("parse ")]
    if parses:
        lines += ["**Files parse**", ""]
        lines += [f"- {_mark(c)} {c['name'].removeprefix('parse ')}: {_first(c)}" for c in parses]
        lines.append("")
    if not parses and "after" not in suite and "before" not in reproduction:
        not_run.append("No check could run on the changed files.")
    if not_run:
        lines += ["**Not run**", "", *(f"- {why}" for why in not_run), ""]
    if draft:
        lines[:0] = [f"⚠️ **Opened as a draft:** {draft}", ""]
    return Verification(tuple(lines[:-1] if lines and lines[-1] == "" else lines), draft)


def _reproduction(
    reproduction: Reproduction, kept: bool, lines: list[str], not_run: list[str]
) -> str | None:
    """Its lines; the draft reason it gives, if any."""
    if "skipped" in reproduction or "content" not in reproduction:
        not_run.append(f"Reproduction test: {reproduction.get('skipped', 'none was written')}.")
        return None
    path, command = reproduction["path"], reproduction.get("command", "")
    lines += [f"**Reproduction** — `{path}`, run with `{command}`", ""]
    before, after = reproduction.get("before"), reproduction.get("after")
    draft = None
    if before is not None:
        verdict = {"failed": "❌ failed, as it should", "passed": "✅ passed"}.get(
            before["status"], "⚠️ not run"
        )
        lines.append(f"- Before the change: {verdict} ({before['reason']})")
        if before["status"] == "passed":
            draft = "the reproduction test passed before the change, so it does not show the issue."
        elif before["status"] == "not_run":
            draft = "the reproduction test could not run, so the fix is not proven."
    if after is not None:
        verdict = {"passed": "✅ passed", "failed": "❌ still fails"}.get(
            after["status"], "⚠️ not run"
        )
        lines.append(f"- After the change: {verdict} ({after['reason']})")
        if after["status"] != "passed" and draft is None:
            draft = "the reproduction test still fails after the change."
    elif before is not None and before["status"] != "not_run":
        lines.append("- After the change: not run (the change did not get that far)")
    where = "committed in this pull request" if kept else "not committed; shown here"
    lines += ["", f"<details><summary>The reproduction test ({where})</summary>", ""]
    lines += [*_fenced(reproduction["content"]), ""]
    for label, run in (("before", before), ("after", after)):
        if run is not None and run["output"].strip():
            lines += [f"Output {label} the change:", "", *_fenced(_tail(run)), ""]
    lines += ["</details>", ""]
    return draft


def _suite(suite: SuiteResult, lines: list[str], not_run: list[str]) -> None:
    if "skipped" in suite:
        not_run.append(f"Tests: {suite['skipped']}.")
        return
    after = suite.get("after")
    if after is None:
        return
    base = suite.get("base")
    lines += [f"**Tests** — `{after['command']}`", ""]
    if after["status"] == "passed":
        lines.append(f"- ✅ passed ({after['reason']})")
    elif after["status"] == "not_run":
        lines.append(f"- ⚠️ not run: {after['reason']}")
    elif base is not None and base["status"] == "failed":
        lines.append(
            f"- ⚠️ failing, as on the base before the change: not a regression ({after['reason']})"
        )
    else:
        lines.append(f"- ❌ failed ({after['reason']})")
    lines.append("")


def _mark(check: CheckResult) -> str:
    return "✅" if check["ok"] else ("⚠️" if not check["ran"] else "❌")


def _first(check: CheckResult) -> str:
    return check["detail"].splitlines()[0] if check["detail"] else ""


def _tail(run: RunReport) -> str:
    return "\n".join(run["output"].strip().splitlines()[-OUTPUT_LINES:])


def _fenced(text: str) -> list[str]:
    """A code block that `text` cannot close: a fence longer than its longest backtick run."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, text.rstrip("\n"), fence]
