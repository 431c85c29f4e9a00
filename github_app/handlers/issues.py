"""`issues`: a trigger label on an issue asks for code.

Which label triggers is the repository's (`trigger_label` in its configuration, stored when a
job read it) or else the global one: the webhook request makes no GitHub call, so this handler
hands the labels on (`LabelRequest`) and the intake decides in its one SQL call
(db/migrations/0013_per_repository_trigger_label.sql).

https://docs.github.com/en/webhooks/webhook-events-and-payloads#issues
"""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class LabelRequest(RequestTask):
    """A code task asked by a label, if one of `labels` is the repository's trigger label —
    decided by the intake against the stored label, else `global_label`. `not_triggered`: what
    the delivery says when none is."""

    labels: tuple[str, ...] = ()
    global_label: str = ""
    not_triggered: str = ""


def on_issue(env: Envelope, trigger_label: str) -> Intent:
    """`trigger_label`: the global label (MORNINGAI_TRIGGER_LABEL), for repositories whose
    configuration names none."""
    issue = env.payload.get("issue")
    if not isinstance(issue, dict) or not is_thread_number(issue.get("number")):
        return Reject("issue.number must be a positive integer")
    labels: tuple[str, ...]
    if env.action == "labeled":
        label = env.payload.get("label")
        if not isinstance(label, dict) or not isinstance(label.get("name"), str):
            return Ignore("label is not the trigger label")
        labels, not_triggered = (label["name"],), "label is not the trigger label"
    elif env.action == "opened":
        labels, not_triggered = (
            tuple(sorted(_label_names(issue))),
            "opened without the trigger label",
        )
        if not labels:
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
    return LabelRequest(
        kind="code",
        installation_id=env.installation_id,
        repository=env.repository,
        number=issue["number"],
        requested_by=env.sender_login,
        trigger="label:",  # the intake names the label that triggered
        labels=labels,
        global_label=trigger_label,
        not_triggered=not_triggered,
    )
