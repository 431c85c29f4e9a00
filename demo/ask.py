"""The demo's FAQ half: `/morningai ask` on the issue, and the answer as a reader sees it."""

from __future__ import annotations

from typing import Any

from simulator import GitHubSimulator

QUESTION = "What is the system architecture?"
COMMAND = f"/morningai ask {QUESTION}"
STATUS_TAG = "<!-- morningai:status"
FAQ_MARKER = "<!-- morningai:faq -->"  # agents/faq/render.py ends every document with it


def comment_event(
    sim: GitHubSimulator,
    *,
    owner: str,
    repo: dict[str, Any],
    issue_number: int,
    installation_id: int,
    user: str,
) -> dict[str, Any]:
    """Comment the question on the issue as `user`; the `issue_comment.created` GitHub sends."""
    name = str(repo["name"])
    comment_id = sim.add_comment(owner, name, issue_number, COMMAND, user=user)
    [comment] = [c for c in sim.comments(owner, name, issue_number) if c["id"] == comment_id]
    return {
        "action": "created",
        "issue": sim.issue(owner, name, issue_number),
        "comment": comment,
        "repository": repo,
        "sender": comment["user"],
        "installation": {"id": installation_id},
    }


def answer_of(sim: GitHubSimulator, owner: str, repo: str, issue_number: int) -> str | None:
    """The answer the app commented on the issue (a FAQ document), if there is one."""
    for comment in reversed(sim.comments(owner, repo, issue_number)):
        body = str(comment["body"])
        if FAQ_MARKER in body and not body.startswith(STATUS_TAG):
            return body
    return None


def plain_answer(markdown: str) -> str:
    """The answer without the hidden marker that lets a rerun find its own document."""
    return markdown.replace(FAQ_MARKER, "").strip()
