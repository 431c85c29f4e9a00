"""The pull request a code task opens: branch name, title, body, draft or not — pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from agents.code.state import CheckResult


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


def _verification(checks: Sequence[CheckResult], test_command: str | None) -> list[str]:
    lines = []
    for check in checks:
        mark = "✅" if check["ok"] else ("⚠️" if not check["ran"] else "❌")
        detail = check["detail"].splitlines()[0] if check["detail"] else ""
        lines.append(f"- {mark} {check['name']}: {detail}")
    if not checks:
        lines.append("- ⚠️ No check could run on the changed files.")
    if not test_command:
        lines.append("- Tests not run: no `test_command` is set in `.github/morningai.yml`.")
    return lines


def render(
    *,
    issue_number: int,
    title: str,
    plan: str,
    new_contents: Mapping[str, str | None],
    existing_paths: set[str],
    checks: Sequence[CheckResult],
    test_command: str | None,
    draft_configured: bool,
    trace_id: str,
    model: str,
    tokens: int,
    cost: str,
) -> PullRequestText:
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
            *_verification(checks, test_command),
            "",
            "---",
            f"<sub>Opened by MorningAI · trace `{trace_id}` · model `{model}` · "
            f"{tokens:,} tokens ({cost})</sub>",
        ]
    )
    return PullRequestText(
        title=title.strip() or f"Resolve #{issue_number}",
        body=body,
        draft=draft_configured or could_not_verify,
    )
