"""Signed webhook requests for bench/webhooks, built from GitHub's own examples
(`@octokit/webhooks-examples`), each adjusted to reach one path of the receiver and labelled
with what the app must make of it (its recorded outcome, and the task it creates, if any)."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from github_app.signature import sign

INSTALLATIONS = (910_001, 910_002, 910_003, 910_004, 910_005)
NEW_INSTALLATIONS = 950_000_000  # installation.created gets a fresh id above this
TRIGGER_LABEL = "morningai"  # the app's default MORNINGAI_TRIGGER_LABEL

Shape = Callable[[dict[str, Any], int], None]


@dataclass(frozen=True)
class Kind:
    """One kind of delivery: GitHub's example for (event, action), shaped per request."""

    name: str
    event: str
    action: str | None
    weight: float
    outcome: str  # what the app records: accepted / ignored
    task: tuple[str, str] | None = None  # (task kind, queue) the delivery must create
    shape: Shape | None = None
    example: int = 0
    installation: bool = True  # False: no installation in the payload (pings)


@dataclass(frozen=True)
class Prepared:
    """One request, built and signed before any timing starts."""

    delivery_id: str
    kind: Kind
    body: bytes
    headers: dict[str, str]


# --- shapes: serial is the request's number, unique across a run ---------------------------


def _open_issue(payload: dict[str, Any], serial: int) -> None:
    # every request names its own issue: the app keeps one live task per issue and kind,
    # so a repeated number would be answered `ignored` instead of becoming a task
    payload["issue"].update(number=serial, state="open", locked=False)


def labeled(label: str) -> Shape:
    def shape(payload: dict[str, Any], serial: int) -> None:
        payload["label"]["name"] = label
        _open_issue(payload, serial)

    return shape


def comment(body: str, *, on_pull: bool = False) -> Shape:
    """`issue_comment.created` with `body`; on a pull request the issue carries
    `pull_request` links, as GitHub sends them."""

    def shape(payload: dict[str, Any], serial: int) -> None:
        _open_issue(payload, serial)
        payload["comment"].update(id=10_000_000 + serial, body=body)
        issue = payload["issue"]
        if on_pull:
            base = payload["repository"]["html_url"]
            issue["pull_request"] = {
                "url": f"{payload['repository']['url']}/pulls/{serial}",
                "html_url": f"{base}/pull/{serial}",
                "diff_url": f"{base}/pull/{serial}.diff",
                "patch_url": f"{base}/pull/{serial}.patch",
                "merged_at": None,
            }
        else:
            issue.pop("pull_request", None)

    return shape


def pull_closed(*, merged: bool) -> Shape:
    def shape(payload: dict[str, Any], serial: int) -> None:
        payload["number"] = serial
        pull = payload["pull_request"]
        pull.update(number=serial, state="closed", merged=merged)
        pull["merged_by"] = dict(payload["sender"]) if merged else None
        pull["merge_commit_sha"] = f"{serial:040x}"

    return shape


def new_installation(payload: dict[str, Any], serial: int) -> None:
    payload["installation"]["id"] = NEW_INSTALLATIONS + serial


# The original mix of `make bench-webhooks`: half create tasks, the rest are ignored.
MIX = (
    Kind(
        "issues.labeled",
        "issues",
        "labeled",
        0.5,
        "accepted",
        ("code", "default"),
        labeled(TRIGGER_LABEL),
    ),
    Kind(
        "issue_comment.created",
        "issue_comment",
        "created",
        0.3,
        "ignored",
        shape=comment("Thanks, looks good to me."),
    ),
    Kind("star.created", "star", "created", 0.1, "ignored"),
    Kind("push", "push", None, 0.1, "ignored"),
)

# The soak's mix: every kind of delivery the app handles, in rough proportion to what a busy
# installation sends (comments and pull requests far more often than commands).
SOAK_MIX = (
    Kind(
        "issues.labeled trigger",
        "issues",
        "labeled",
        0.12,
        "accepted",
        ("code", "default"),
        labeled(TRIGGER_LABEL),
    ),
    Kind("issues.labeled other", "issues", "labeled", 0.06, "ignored", shape=labeled("bug")),
    Kind(
        "issue_comment plain",
        "issue_comment",
        "created",
        0.25,
        "ignored",
        shape=comment("Thanks, looks good to me."),
    ),
    Kind(
        "issue_comment /code",
        "issue_comment",
        "created",
        0.03,
        "accepted",
        ("code", "default"),
        comment("/morningai code keep the public API"),
    ),
    Kind(
        "issue_comment /ask",
        "issue_comment",
        "created",
        0.03,
        "accepted",
        ("ask", "default"),
        comment("/morningai ask How do I configure the retry limit?"),
    ),
    Kind(
        "issue_comment /faq",
        "issue_comment",
        "created",
        0.02,
        "accepted",
        ("faq_history", "low"),
        comment("/morningai faq"),
    ),
    Kind(
        "issue_comment /stop",
        "issue_comment",
        "created",
        0.02,
        "accepted",
        ("stop", "high"),
        comment("/morningai stop"),
    ),
    Kind(
        "PR comment /revise",
        "issue_comment",
        "created",
        0.02,
        "accepted",
        ("revise", "default"),
        comment("/morningai revise rename the helper", on_pull=True),
    ),
    Kind(
        "PR comment /faq",
        "issue_comment",
        "created",
        0.02,
        "accepted",
        ("faq_pr", "default"),
        comment("/morningai faq", on_pull=True),
    ),
    Kind(
        "PR comment plain",
        "issue_comment",
        "created",
        0.05,
        "ignored",
        shape=comment("LGTM", on_pull=True),
    ),
    Kind(
        "pull_request.closed merged",
        "pull_request",
        "closed",
        0.08,
        "accepted",
        ("faq_stale", "low"),
        pull_closed(merged=True),
    ),
    Kind(
        "pull_request.closed unmerged",
        "pull_request",
        "closed",
        0.04,
        "ignored",
        shape=pull_closed(merged=False),
    ),
    Kind("ping", "ping", None, 0.02, "ignored", example=2, installation=False),
    Kind(
        "installation.created",
        "installation",
        "created",
        0.02,
        "accepted",
        shape=new_installation,
    ),
    Kind("installation_repositories.added", "installation_repositories", "added", 0.02, "accepted"),
    Kind("star.created", "star", "created", 0.10, "ignored"),
    Kind("push", "push", None, 0.10, "ignored"),
)


class PayloadMix:
    """One template per kind, varied per request and serialised compactly; every request
    has its own number (issue, comment, pull request, new installation) across all batches."""

    def __init__(self, secret: bytes, seed: int, kinds: Sequence[Kind]) -> None:
        from tests.fakes.npm_fixtures import webhook_example

        self.secret = secret
        self.kinds = tuple(kinds)
        self.rng = random.Random(seed)
        self.serial = 0
        self.templates = {k.name: webhook_example(k.event, k.action, k.example) for k in kinds}

    def build(self, n: int) -> list[Prepared]:
        weights = [k.weight for k in self.kinds]
        return [self._one(kind) for kind in self.rng.choices(self.kinds, weights, k=n)]

    def _one(self, kind: Kind) -> Prepared:
        self.serial += 1
        payload = self.templates[kind.name]
        if kind.installation and kind.event.startswith("installation"):
            payload["installation"]["id"] = self.rng.choice(INSTALLATIONS)
        elif kind.installation:
            installation = self.rng.choice(INSTALLATIONS)
            payload["installation"] = {"id": installation, "node_id": f"MDIz{installation}"}
        else:
            payload.pop("installation", None)
        payload["sender"]["type"] = "User"
        if kind.shape is not None:
            kind.shape(payload, self.serial)
        body = json.dumps(payload, separators=(",", ":")).encode()
        delivery = str(uuid.uuid4())
        headers = {
            "X-GitHub-Delivery": delivery,
            "X-GitHub-Event": kind.event,
            "X-Hub-Signature-256": sign(self.secret, body),
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/bench",
        }
        return Prepared(delivery, kind, body, headers)
