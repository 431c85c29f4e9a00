"""`issues`: a trigger label on an issue asks for code.

https://docs.github.com/en/webhooks/webhook-events-and-payloads#issues
"""

from __future__ import annotations

from typing import Any

from github_app.events import Envelope, is_thread_number
from github_app.intents import Ignore, Intent, Reject, RequestTask


def _label_names(issue: dict[str, Any]) -> set[str]:
    labels = issue.get("labels") or []
    return {
        lbl["name"] for lbl in labels if isinstance(lbl, dict) and isinstance(lbl.get("name"), str)
    }


def workable(issue: dict[str, Any]) -> str | None:
    """Why this issue can not take work, or None when it can."""
    if issue.get("state") == "closed":
        return "issue is closed"
    if issue.get("locked"):
        return "issue is locked"
    return None


def on_issue(env: Envelope, trigger_label: str) -> Intent:
    issue = env.payload.get("issue")
    if not isinstance(issue, dict) or not is_thread_number(issue.get("number")):
        return Reject("issue.number must be a positive integer")
    if env.action == "labeled":
        label = env.payload.get("label")
        if not isinstance(label, dict) or label.get("name") != trigger_label:
            return Ignore("label is not the trigger label")
    elif env.action == "opened":
        if trigger_label not in _label_names(issue):
            return Ignore("opened without the trigger label")
    else:
        return Ignore(f"issues.{env.action} is not handled")
    if "pull_request" in issue:
        return Ignore("label on a pull request")
    blocked = workable(issue)
    if blocked:
        return Ignore(blocked)
    if env.repository is None or env.installation_id is None or not env.sender_login:
        return Reject("repository, installation and sender are required")
    return RequestTask(
        kind="code",
        installation_id=env.installation_id,
        repository=env.repository,
        number=issue["number"],
        requested_by=env.sender_login,
        trigger=f"label:{trigger_label}",
    )
