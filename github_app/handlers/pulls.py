"""`pull_request`: a merged pull request may make FAQ entries stale.

https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request
"""

from __future__ import annotations

from github_app.events import Envelope
from github_app.intents import Ignore, Intent, Reject, RequestTask


def on_pull_request(env: Envelope) -> Intent:
    if env.action != "closed":
        return Ignore(f"pull_request.{env.action} is not handled")
    pull = env.payload.get("pull_request")
    if not isinstance(pull, dict) or not isinstance(pull.get("number"), int):
        return Reject("pull_request.number is missing")
    if not pull.get("merged"):
        return Ignore("closed without merging")
    if env.repository is None or env.installation_id is None:
        return Reject("repository and installation are required")
    merged_by = pull.get("merged_by")
    login = merged_by.get("login") if isinstance(merged_by, dict) else None
    return RequestTask(
        kind="faq_stale",
        installation_id=env.installation_id,
        repository=env.repository,
        number=pull["number"],
        requested_by=str(login or env.sender_login or "ghost"),
        trigger=f"merged:{pull.get('merge_commit_sha') or ''}",
    )
