"""`pull_request_review` and `pull_request_review_comment` on MorningAI's own pull requests:
a person's review asks for a `revise` task that addresses its comments.

One review makes one task. GitHub sends a submitted review as one `pull_request_review`
delivery plus one `pull_request_review_comment` delivery per comment, each comment carrying
`pull_request_review_id` (a lone "Add single comment" is a review of one comment, too). So the
review delivery starts the task, and the job reads every comment of the review through
`GET …/reviews/{review_id}/comments`; a comment delivery that names a review starts nothing.
Only a comment without a review id (older payloads) starts a task of its own. A second live
revise task on the same pull request is a no-op at intake (the one-live-task index).

https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request_review
https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request_review_comment
"""

from __future__ import annotations

from typing import Any

from core.task_kinds import is_ours
from github_app.events import Envelope, Repo, is_thread_number
from github_app.intents import Ignore, Intent, Reject, RequestTask

# review states that ask for something (GitHub's webhook sends them lower case)
ASKING_STATES = ("changes_requested", "commented")
REVIEW_TRIGGER = "review:"
COMMENT_TRIGGER = "review_comment:"


def ours(pull: dict[str, Any], repository: Repo) -> bool:
    """Opened from one of MorningAI's branches in the repository itself, not a fork (as
    `handlers.pulls` decides)."""
    head = pull.get("head")
    if not isinstance(head, dict):
        return False
    ref, repo = head.get("ref"), head.get("repo")
    same_repo = isinstance(repo, dict) and repo.get("id") == repository.github_id
    return isinstance(ref, str) and is_ours(ref) and same_repo


def _pull(env: Envelope) -> dict[str, Any] | Intent:
    """The pull request if it is one of ours and a person acts on it; else what to answer."""
    pull = env.payload.get("pull_request")
    if not isinstance(pull, dict) or not is_thread_number(pull.get("number")):
        return Reject("pull_request.number is missing")
    if env.repository is None or env.installation_id is None or not env.sender_login:
        return Reject("repository, installation and sender are required")
    if env.sender_is_bot:
        return Ignore("sender is a bot")
    if not ours(pull, env.repository):
        return Ignore("not a pull request MorningAI opened")
    if pull.get("state") not in (None, "open"):
        return Ignore("the pull request is not open")
    return pull


def _task(env: Envelope, pull: dict[str, Any], trigger: str, text: object) -> RequestTask:
    # both checked in _pull
    assert env.repository is not None
    assert env.installation_id is not None
    return RequestTask(
        kind="revise",
        installation_id=env.installation_id,
        repository=env.repository,
        number=pull["number"],
        requested_by=str(env.sender_login),
        trigger=trigger,
        instructions=text if isinstance(text, str) else "",
    )


def on_review(env: Envelope) -> Intent:
    if env.action != "submitted":
        return Ignore(f"pull_request_review.{env.action} is not handled")
    review = env.payload.get("review")
    if not isinstance(review, dict) or not is_thread_number(review.get("id")):
        return Reject("review.id is missing")
    state = str(review.get("state") or "").lower()
    if state not in ASKING_STATES:
        return Ignore(f"a {state or 'stateless'} review asks for nothing")
    pull = _pull(env)
    if not isinstance(pull, dict):
        return pull
    return _task(env, pull, f"{REVIEW_TRIGGER}{review['id']}", review.get("body"))


def on_review_comment(env: Envelope) -> Intent:
    if env.action != "created":
        return Ignore(f"pull_request_review_comment.{env.action} is not handled")
    comment = env.payload.get("comment")
    if not isinstance(comment, dict) or not is_thread_number(comment.get("id")):
        return Reject("comment.id is missing")
    pull = _pull(env)
    if not isinstance(pull, dict):
        return pull
    if comment.get("pull_request_review_id") is not None:
        return Ignore("part of a review: its pull_request_review delivery starts the task")
    return _task(env, pull, f"{COMMENT_TRIGGER}{comment['id']}", comment.get("body"))
