"""The one status comment a task keeps on its issue, found again by a hidden marker."""

from __future__ import annotations

from dataclasses import dataclass

from github_app.client import RepoClient

STAGES = {
    "queued": "⏳ Queued",
    "running": "🏃 Working on it",
    "succeeded": "✅ Done",
    "failed": "❌ Failed",
    "cancelled": "🛑 Cancelled",
}


def marker(task_id: int) -> str:
    return f"<!-- morningai:status task={task_id} -->"


@dataclass(frozen=True)
class Status:
    task_id: int
    trace_id: str
    state: str
    detail: str


def render(status: Status) -> str:
    """Markdown for the comment — pure, so a test can read exactly what people will."""
    title = STAGES.get(status.state, status.state)
    return (
        f"{marker(status.task_id)}\n"
        f"**MorningAI** — {title}\n\n"
        f"{status.detail}\n\n"
        f"<sub>task {status.task_id} · trace `{status.trace_id}`</sub>"
    )


def publish(client: RepoClient, number: int, status: Status) -> int:
    """Create the status comment, or edit the one an earlier run left. Returns its id."""
    body = render(status)
    tag = marker(status.task_id)
    for comment in client.comments(number):
        if comment.body.startswith(tag):
            if comment.body != body:
                client.update_comment(comment.id, body)
            return comment.id
    return client.create_comment(number, body).id
