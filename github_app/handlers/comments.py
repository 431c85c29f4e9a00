"""`issue_comment`: slash commands in newly created comments.

Edits never count (an edit re-delivers the whole body), nor do quotes or code blocks.
https://docs.github.com/en/webhooks/webhook-events-and-payloads#issue_comment
"""

from __future__ import annotations

from github_app.commands import parse_command
from github_app.events import Envelope
from github_app.handlers.issues import workable
from github_app.intents import Ignore, Intent, Reject, RequestTask

# verb → (task kind, queue), on issues and on pull requests. Mining a repository's history is
# long and nobody waits on it: `low`. A question is answered while someone waits: `default`.
ISSUE_VERBS = {
    "code": ("code", "default"),
    "retry": ("code", "default"),
    "stop": ("stop", "high"),
    "faq": ("faq_history", "low"),
    "ask": ("ask", "default"),
}
PULL_VERBS = {
    "revise": ("revise", "default"),
    "stop": ("stop", "high"),
    "faq": ("faq_pr", "default"),
    "ask": ("ask", "default"),
}
# kinds that read and answer: allowed on closed issues and merged pull requests
READ_ONLY_KINDS = frozenset({"faq_history", "ask", "faq_pr", "stop"})


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
    verbs = PULL_VERBS if "pull_request" in issue else ISSUE_VERBS
    if command.verb not in verbs:
        where = "pull requests" if "pull_request" in issue else "issues"
        return Ignore(f"/morningai {command.verb} is not available on {where}")
    kind, queue = verbs[command.verb]
    if kind == "ask" and not command.argument.removeprefix("--save").strip():
        return Ignore("/morningai ask without a question")
    blocked = workable(issue)
    if blocked and not (kind in READ_ONLY_KINDS and not issue.get("locked")):
        return Ignore(blocked)
    if env.repository is None or env.installation_id is None or not env.sender_login:
        return Reject("repository, installation and sender are required")
    return RequestTask(
        kind=kind,
        installation_id=env.installation_id,
        repository=env.repository,
        number=issue["number"],
        requested_by=env.sender_login,
        trigger=f"comment:{comment.get('id')}:{command.verb}",
        instructions=command.argument,
        queue=queue,
    )
