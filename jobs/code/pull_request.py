"""The pull request a code task opens: branch name, title, body, draft or not — pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from agents.code.state import CheckResult, Reproduction, SuiteResult
from jobs.code.verification import verification


@dataclass(frozen=True)
class PullRequestText:
    title: str
    body: str
    draft: bool


def _files(new_contents: Mapping[str, str | None], existing: set[str]) -> list[str]:
    lines = []
    for path in sorted(new_contents):
        if new_contents[path] is None:
            what = "deleted"
        else:
            what = "modified" if path in existing else "added"
        lines.append(f"- `{path}` ({what})")
    return lines


def render(
    *,
    issue_number: int,
    title: str,
    plan: str,
    new_contents: Mapping[str, str | None],
    existing_paths: set[str],
    checks: Sequence[CheckResult],
    reproduction: Reproduction,
    suite: SuiteResult,
    kept_reproduction: bool,
    draft_configured: bool,
    trace_id: str,
    model: str,
    tokens: int,
    cost: str,
) -> PullRequestText:
    verified = verification(checks, reproduction, suite, kept=kept_reproduction)
    could_not_verify = not checks or any(not c["ran"] for c in checks)
    body = "\n".join(
        [
            "## Summary",
            "",
            plan.strip() or "(no plan recorded)",
            "",
            "## Files changed",
            "",
            *_files(new_contents, existing_paths),
            "",
            f"Fixes #{issue_number}",
            "",
            "## Verification",
            "",
            *verified.lines,
            "",
            "---",
            f"<sub>Opened by MorningAI · trace `{trace_id}` · model `{model}` · "
            f"{tokens:,} tokens ({cost})</sub>",
        ]
    )
    return PullRequestText(
        title=title.strip() or f"Resolve #{issue_number}",
        body=body,
        draft=draft_configured or could_not_verify or verified.draft_reason is not None,
    )
