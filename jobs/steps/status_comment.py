"""The one status comment a task keeps on its issue, found again by a hidden marker: what it
says (`render`, pure) and publishing it (created once, then edited in place).

`jobs.steps.status_sink` drives it from the task's events.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from core.task_kinds import CODE_STAGES, Stages
from github_app.client import RepoClient

FINAL = {"succeeded": "✅ Done", "failed": "❌ Failed", "cancelled": "🛑 Cancelled"}
# the graph's step names, mapped to the stage a person reads
ALIASES = {"applying": "editing", "finishing": "publishing"}


def marker(task_id: int) -> str:
    return f"<!-- morningai:status task={task_id} -->"


@dataclass(frozen=True)
class Status:
    task_id: int
    trace_id: str
    stage: str = "queued"
    detail: str = ""
    final: str | None = None  # succeeded | failed | cancelled
    tokens: int = 0
    cost_usd: float | None = None
    model: str | None = None
    link: str | None = None
    stages: Stages = CODE_STAGES
    estimate: str | None = None  # what the task is expected to cost, shown before it spends
    budget_notice: str | None = None  # the installation's monthly budget is nearly used up


def _checklist(status: Status) -> list[str]:
    order = {name: i for i, (name, _) in enumerate(status.stages)}
    current = order.get(status.stage, 0)
    lines = []
    for i, (_name, label) in enumerate(status.stages):
        if i < current or (i == current and status.final == "succeeded"):
            lines.append(f"- [x] {label}")
        elif i == current:
            mark = "❌" if status.final == "failed" else "⏳"
            lines.append(
                f"- [ ] {mark} **{label}**" if status.final != "cancelled" else f"- [ ] {label}"
            )
        else:
            lines.append(f"- [ ] {label}")
    return lines


def render(status: Status) -> str:
    """Markdown for the comment — pure, so a test can read exactly what people will."""
    title = FINAL.get(status.final or "", "🏃 Working on it")
    cost = "unknown price" if status.cost_usd is None else f"~${status.cost_usd:.4f}"
    usage = f"{status.tokens:,} tokens ({cost})" if status.tokens else "no model calls yet"
    lines = [marker(status.task_id), f"**MorningAI** — {title}", ""]
    if status.budget_notice:
        lines += [status.budget_notice, ""]
    if status.detail:
        lines += [status.detail, ""]
    if status.link:
        lines += [f"➡️ {status.link}", ""]
    lines += _checklist(status)
    if status.estimate:
        lines += ["", _receipt(status.estimate, status, usage)]
    model = f" · model `{status.model}`" if status.model else ""
    lines += ["", f"<sub>task {status.task_id} · trace `{status.trace_id}`{model} · {usage}</sub>"]
    return "\n".join(lines)


def _receipt(estimate: str, status: Status, usage: str) -> str:
    """The estimate while the task works; what it cost in the end, beside the estimate."""
    if not status.final:
        return f"💰 Estimate: {estimate}"
    spent = usage if status.tokens else "nothing (no model calls)"
    return f"💰 Cost: {spent} · estimated {estimate}"


class StatusComment:
    """Publishes a task's status to its issue, remembering the comment it made."""

    def __init__(
        self, client: RepoClient, number: int, status: Status, comment_id: int | None = None
    ) -> None:
        self.client = client
        self.number = number
        self.status = status
        self.comment_id = comment_id
        self._last: str | None = None

    def set(self, **changes: object) -> None:
        """Change what the next update shows, without publishing now."""
        self.status = replace(self.status, **changes)  # type: ignore[arg-type]

    def update(self, **changes: object) -> None:
        self.set(**changes)
        body = render(self.status)
        if body == self._last:
            return
        if self.comment_id is None:
            self.comment_id = self._find()
        if self.comment_id is None:
            self.comment_id = self.client.create_comment(self.number, body).id
        else:
            self.client.update_comment(self.comment_id, body)
        self._last = body

    def _find(self) -> int | None:
        tag = marker(self.status.task_id)
        for comment in self.client.comments(self.number):
            if comment.body.startswith(tag):
                return comment.id
        return None
