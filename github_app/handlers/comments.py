"""`issue_comment`: slash commands in newly created comments.

Edits never count (an edit re-delivers the whole body), nor do quotes or code blocks.
https://docs.github.com/en/webhooks/webhook-events-and-payloads#issue_comment
"""

from __future__ import annotations

from core.task_kinds import kind_of
from github_app.commands import leading_flags, parse_command
from github_app.events import Envelope, is_thread_number
from github_app.handlers.issues import workable
from github_app.intents import Ignore, Intent, Reject, RequestTask

# verb → task kind, on issues and on pull requests (the kind says its queue and limits)
ISSUE_VERBS = {"code": "code", "retry": "code", "stop": "stop", "faq": "faq_history", "ask": "ask"}
PULL_VERBS = {"revise": "revise", "stop": "stop", "faq": "faq_pr", "ask": "ask"}
ANYWAY = "--anyway"  # `/morningai code --anyway`: even when a person is already on the issue


def on_issue_comment(env: Envelope) -> Intent:
    if env.action != "created":
        return Ignore(f"issue_comment.{env.action} is not handled")
    comment = env.payload.get("comment")
    issue = env.payload.get("issue")
    if not isinstance(comment, dict) or not isinstance(issue, dict):
        return Reject("comment and issue are required")
    if not is_thread_number(issue.get("number")):
        return Reject("issue.number must be a positive integer")
    body = comment.get("body")
    command = parse_command(body if isinstance(body, str) else None)
    if command is None:
        return Ignore("no command")
    verbs = PULL_VERBS if "pull_request" in issue else ISSUE_VERBS
    if command.verb not in verbs:
        where = "pull requests" if "pull_request" in issue else "issues"
        return Ignore(f"/morningai {command.verb} is not available on {where}")
    kind = verbs[command.verb]
    if kind == "ask" and not command.argument.removeprefix("--save").strip():
        return Ignore("/morningai ask without a question")
    blocked = workable(issue)
    if blocked and not (kind_of(kind).on_closed and not issue.get("locked")):
        return Ignore(blocked)
    if env.repository is None or env.installation_id is None or not env.sender_login:
        return Reject("repository, installation and sender are required")
    flags, instructions = (
        leading_flags(command.argument, frozenset({ANYWAY}))
        if kind == "code"
        else (frozenset(), command.argument)
    )
    return RequestTask(
        kind=kind,
        installation_id=env.installation_id,
        repository=env.repository,
        number=issue["number"],
        requested_by=env.sender_login,
        trigger=f"comment:{comment.get('id')}:{command.verb}",
        instructions=instructions,
        anyway=ANYWAY in flags,
    )
