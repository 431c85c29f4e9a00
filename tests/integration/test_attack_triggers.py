"""Who may trigger work: collaborators with read or triage permission, outside contributors and
bots get nothing — no model call, no reaction, no commit, no pull request — by every trigger:
the label, `/morningai code`, `/morningai faq` and `/morningai ask`, on issues and on pull
requests. People without write access get today's documented answer: one polite comment and a
task that ends `cancelled` (README, "Not built yet"). Bots get no task at all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from simulator import GitHubSimulator
from tests.support.flow import Flow
from tests.support.simulated import OWNER, REPO, comment, git, labeled
from tests.support.tasks import drain

Conn = psycopg.Connection[tuple[Any, ...]]
pytestmark = pytest.mark.usefixtures("clean_db")

Trigger = Callable[[dict[str, Any], int, str], tuple[str, dict[str, Any]]]


def _label(repo: dict[str, Any], pull: int, user: str) -> tuple[str, dict[str, Any]]:
    return "issues", labeled(repo, user)


def _command(body: str, on_pull: bool) -> Trigger:
    def make(repo: dict[str, Any], pull: int, user: str) -> tuple[str, dict[str, Any]]:
        number = pull if on_pull else repo["number"]
        return "issue_comment", comment(repo, number, body, on_pull=on_pull, user=user)

    return make


TRIGGERS: dict[str, Trigger] = {
    "label": _label,
    "code on an issue": _command("/morningai code make it polite", on_pull=False),
    "faq on an issue": _command("/morningai faq", on_pull=False),
    "ask on an issue": _command("/morningai ask What does greet return?", on_pull=False),
    "faq on a pull request": _command("/morningai faq", on_pull=True),
    "ask on a pull request": _command("/morningai ask --save What changed?", on_pull=True),
}
EXPECTED_KINDS = ["code", "code", "faq_history", "ask", "faq_pr", "ask"]


@pytest.fixture
def pull(sim: GitHubSimulator, repo: dict[str, Any]) -> int:
    sim.push(
        OWNER, REPO, "feature", {"app.py": "def greet(name):\n    return 'yo'\n"}, start="main"
    )
    return sim.open_pull(OWNER, REPO, head_ref="feature", title="Say yo", user="alice")


def _refs(sim: GitHubSimulator) -> str:
    return git(sim, "for-each-ref", "--format=%(refname) %(objectname)")


@pytest.mark.parametrize(
    ("user", "role"),
    [("rita", "read"), ("tom", "triage"), ("olivia", None)],  # None: an outside contributor
)
def test_people_without_write_access_get_one_polite_no_per_request(
    flow: Flow,
    pull: int,
    user: str,
    role: str | None,
) -> None:
    if role is not None:
        flow.sim.set_permission(OWNER, REPO, user, role)
    refs = _refs(flow.sim)
    for name, trigger in TRIGGERS.items():
        event, payload = trigger(flow.repo, pull, user)
        assert flow.sender.post(event, payload).json()["outcome"] == "accepted", name
        drain(flow.redis)

    rows = flow.db.execute("SELECT kind, status, error FROM tasks ORDER BY id").fetchall()
    assert [r[0] for r in rows] == EXPECTED_KINDS
    assert {(r[1], r[2]) for r in rows} == {("cancelled", f"@{user} lacks write access")}
    polite = f"@{user} MorningAI takes requests only from people with write access"
    for number, asked in ((flow.repo["number"], 4), (pull, 2)):
        bodies = [c["body"] for c in flow.sim.comments(OWNER, REPO, number)]
        assert len(bodies) == asked
        assert all(body.startswith(polite) for body in bodies)
        assert flow.sim.reactions(OWNER, REPO, number) == []
    assert flow.model.requests == []
    assert _refs(flow.sim) == refs  # no branch, no commit
    assert [p["number"] for p in flow.sim.pulls(OWNER, REPO)] == [pull]
    assert flow.db.execute("SELECT count(*) FROM faq_entries").fetchone() == (0,)
    assert flow.db.execute("SELECT count(*) FROM code_chunks").fetchone() == (0,)


@pytest.mark.parametrize(
    ("login", "kind"),
    [
        ("dependabot[bot]", "Bot"),
        ("sneaky[bot]", "User"),  # a `[bot]` login, whatever type the payload claims
        ("renovate", "Bot"),  # type Bot, whatever the login
    ],
)
def test_bots_get_no_task_at_all(
    flow: Flow,
    pull: int,
    login: str,
    kind: str,
) -> None:
    flow.sim.set_permission(OWNER, REPO, login, "write")  # even with write access
    refs = _refs(flow.sim)
    for name, trigger in TRIGGERS.items():
        event, payload = trigger(flow.repo, pull, login)
        payload["sender"]["type"] = kind
        answer = flow.sender.post(event, payload).json()
        assert (answer["outcome"], answer["detail"]) == ("ignored", "sender is a bot"), name
    assert flow.redis.keys("rq:*") == []
    drain(flow.redis)
    assert flow.db.execute("SELECT count(*) FROM tasks").fetchone() == (0,)
    outcomes = flow.db.execute("SELECT DISTINCT outcome FROM webhook_deliveries").fetchall()
    assert outcomes == [("ignored",)]
    for number in (flow.repo["number"], pull):
        assert flow.sim.comments(OWNER, REPO, number) == []
        assert flow.sim.reactions(OWNER, REPO, number) == []
    assert flow.model.requests == []
    assert _refs(flow.sim) == refs
    assert flow.sim.requests == []  # the app never even called GitHub
