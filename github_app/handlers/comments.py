"""`issue_comment`: slash commands in newly created comments.

Edits never count (an edit re-delivers the whole body), nor do quotes or code blocks.
https://docs.github.com/en/webhooks/webhook-events-and-payloads#issue_comment
"""

from __future__ import annotations

from github_app.commands import parse_command
from github_app.events import Envelope
from github_app.handlers.issues import workable
from github_app.intents import Ignore, Intent, Reject, RequestTask

# verbs that become tasks, with the queue they run on
TASK_VERBS = {"code": "default"}


def on_issue_comment(env: Envelope) -> Intent:
    if env.action != "created":
        return Ignore(f"issue_comment.{env.action} is not handled")
    comment = env.payload.get("comment")
    issue = env.payload.get("issue")
    if not isinstance(comment, dict) or not isinstance(issue, dict):
        return Reject("comment and issue are required")
    if not isinstance(issue.get("number"), int):
        return Reject("issue.number is missing")
    body = comment.get("body")
    command = parse_command(body if isinstance(body, str) else None)
    if command is None:
        return Ignore("no command")
    if command.verb not in TASK_VERBS:
        return Ignore(f"command {command.verb!r} is not available")
    if "pull_request" in issue:
        return Ignore(f"/morningai {command.verb} works on issues, not pull requests")
    blocked = workable(issue)
    if blocked:
        return Ignore(blocked)
    if env.repository is None or env.installation_id is None or not env.sender_login:
        return Reject("repository, installation and sender are required")
    return RequestTask(
        kind=command.verb,
        installation_id=env.installation_id,
        repository=env.repository,
        number=issue["number"],
        requested_by=env.sender_login,
        trigger=f"comment:{comment.get('id')}",
        instructions=command.argument,
        queue=TASK_VERBS[command.verb],
    )
