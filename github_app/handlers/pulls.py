"""`pull_request`: a merged pull request may make FAQ entries stale; when one of MorningAI's
own pull requests is merged, closed or reopened, its tasks record what became of it.

https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.task_kinds import is_ours
from github_app.events import Envelope, Repo, is_thread_number
from github_app.intents import (
    Ignore,
    Intent,
    PullRequestState,
    PullRequestStateChanged,
    Reject,
    RequestTask,
)


def on_pull_request(env: Envelope) -> Intent:
    if env.action not in ("closed", "reopened"):
        return Ignore(f"pull_request.{env.action} is not handled")
    pull = env.payload.get("pull_request")
    if not isinstance(pull, dict) or not is_thread_number(pull.get("number")):
        return Reject("pull_request.number is missing")
    if env.repository is None or env.installation_id is None:
        return Reject("repository and installation are required")
    merged = env.action == "closed" and bool(pull.get("merged"))
    stale_check = _stale_check(env, env.installation_id, env.repository, pull) if merged else None
    if not _is_ours(pull, env.repository):
        if stale_check is not None:
            return stale_check
        if env.action == "closed":
            return Ignore("closed without merging")
        return Ignore("reopened a pull request MorningAI did not open")
    number: int = pull["number"]
    if env.action == "reopened":
        return PullRequestStateChanged(env.installation_id, env.repository, number, "open", None)
    state: PullRequestState = "merged" if merged else "closed"
    field = "merged_at" if merged else "closed_at"
    at = _timestamp(pull.get(field))
    if at is None:
        return Reject(f"pull_request.{field} must be an ISO 8601 time with a zone")
    return PullRequestStateChanged(
        env.installation_id, env.repository, number, state, at, stale_check
    )


def _is_ours(pull: dict[str, Any], repository: Repo) -> bool:
    """Opened from one of MorningAI's branches in the repository itself: a fork may name a
    branch `morningai/…` too, and MorningAI never pushes to forks."""
    head = pull.get("head")
    if not isinstance(head, dict):
        return False
    ref, repo = head.get("ref"), head.get("repo")
    same_repo = isinstance(repo, dict) and repo.get("id") == repository.github_id
    return isinstance(ref, str) and is_ours(ref) and same_repo


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def _stale_check(
    env: Envelope, installation_id: int, repository: Repo, pull: dict[str, Any]
) -> RequestTask:
    merged_by = pull.get("merged_by")
    login = merged_by.get("login") if isinstance(merged_by, dict) else None
    return RequestTask(
        kind="faq_stale",
        installation_id=installation_id,
        repository=repository,
        number=pull["number"],
        requested_by=str(login or env.sender_login or "ghost"),
        trigger=f"merged:{pull.get('merge_commit_sha') or ''}",
    )
