"""FAQ from a repository's history and kept current: `/morningai faq` on an issue mines
resolved threads into a pull request (incrementally); a merged pull request marks the FAQ
entries citing its files stale and, with `faq.auto_update`, proposes refreshed answers; a
fork's pull request gets its FAQ as a comment."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
from redis import Redis

from core.settings import Settings
from morningai.faq_cli import OPERATOR, FaqCliError, mine
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from tests.fakes.http import WebhookSender
from tests.fakes.npm_fixtures import webhook_example
from tests.support.faq import SETUP, ask_reply, entries, reply
from tests.support.simulated import APP, OWNER, REPO, comment, git
from tests.support.tasks import drain

Conn = psycopg.Connection[tuple[Any, ...]]
pytestmark = pytest.mark.usefixtures("clean_db")


def history_reply(number: int) -> str:
    return json.dumps(
        {
            "title": "Lessons from resolved issues",
            "overview": "What past issues taught about greeting.",
            "sections": [],
            "entries": [
                {
                    "question": "Why does greet need a name?",
                    "answer": "Without one it crashed; see the issue.",
                    "sources": [
                        {"kind": "issue", "number": number},
                        {"path": "app.py", "start_line": 1, "end_line": 2},
                    ],
                }
            ],
            "related": [],
            "troubleshooting": [],
            "outdated": [],
        }
    )


def tasks(owner_conn: Conn) -> list[tuple[Any, ...]]:
    return owner_conn.execute("SELECT kind, status, error FROM tasks ORDER BY id").fetchall()


def test_faq_on_an_issue_mines_resolved_threads_into_one_pull_request(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    crashed = sim.add_issue(OWNER, REPO, "greet crashes without a name", "TypeError", user="bob")
    sim.add_comment(OWNER, REPO, crashed, "Fixed: greet() now requires a name.", user="alice")
    sim.close_issue(OWNER, REPO, crashed, "completed")
    wontfix = sim.add_issue(OWNER, REPO, "Translate greetings to Klingon", "", user="bob")
    sim.close_issue(OWNER, REPO, wontfix, "not_planned")
    sim.push(OWNER, REPO, "polite", {"app.py": APP.replace("hey", "hello")}, start="main")
    merged = sim.open_pull(OWNER, REPO, head_ref="polite", title="Politer greeting", user="alice")
    sim.merge_pull(OWNER, REPO, merged)

    model.expect_chat(history_reply(crashed), match="greet crashes without a name")
    payload = comment(repo, repo["number"], "/morningai faq", on_pull=False)
    assert agent.post("issue_comment", payload).json()["outcome"] == "accepted"
    drain(redis)
    model.assert_done()
    assert tasks(owner_conn) == [("faq_history", "succeeded", None)]
    prompt = json.dumps(model.requests[0].json)
    assert "Politer greeting" in prompt  # merged pull requests are read
    assert "Klingon" not in prompt  # issues closed as not planned are not
    [pr] = [p for p in sim.pulls(OWNER, REPO) if p["head"]["ref"] == "morningai/faq-history"]
    docs = git(sim, "ls-tree", "-r", "--name-only", pr["head"]["sha"], "docs/faq/").split()
    [doc] = [d for d in docs if d.startswith("docs/faq/history-")]
    text = git(sim, "show", f"{pr['head']['sha']}:{doc}")
    assert f"#{crashed}" in text
    assert "Why does greet need a name?" in text
    [entry] = owner_conn.execute("SELECT sources FROM faq_entries").fetchall()
    assert {"kind": "issue", "number": crashed} in [
        {k: s[k] for k in ("kind", "number")} for s in entry[0] if "kind" in s
    ]

    # a second run reads only what was resolved since
    sim.advance_clock(60)
    later = sim.add_issue(OWNER, REPO, "Greeting ignores locale", "", user="bob")
    sim.close_issue(OWNER, REPO, later, "completed")
    model.expect_chat(history_reply(later), match="Greeting ignores locale")
    payload["comment"]["id"] += 1
    assert agent.post("issue_comment", payload).json()["outcome"] == "accepted"
    drain(redis)
    model.assert_done()
    second = json.dumps(model.requests[1].json)
    assert "greet crashes without a name" not in second
    assert "Politer greeting" not in second
    assert [t[1] for t in tasks(owner_conn)] == ["succeeded", "succeeded"]
    # the same pull request, now proposing both documents
    [again] = [p for p in sim.pulls(OWNER, REPO) if p["head"]["ref"] == "morningai/faq-history"]
    assert again["number"] == pr["number"]


def merged_payload(repo: dict[str, Any], number: int, sha: str) -> dict[str, Any]:
    """GitHub's example `pull_request.closed`, merged, pointed at the simulator's repository."""
    payload = webhook_example("pull_request", "closed")
    payload["repository"].update(id=repo["repo"].id, name=REPO, full_name=f"{OWNER}/{REPO}")
    payload["pull_request"].update(number=number, merged=True, merge_commit_sha=sha)
    payload["pull_request"]["merged_by"] = {"login": "alice"}
    payload["sender"].update(login="alice", type="User")
    payload["installation"] = {"id": repo["installation"]}
    return payload


@pytest.mark.parametrize("auto_update", [False, True])
def test_a_merged_pull_request_marks_faq_entries_citing_its_files_stale(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
    auto_update: bool,
) -> None:
    if auto_update:
        sim.push(OWNER, REPO, "main", {".github/morningai.yml": "faq:\n  auto_update: true\n"})
    model.expect_chat(ask_reply("app.py"))
    ask = comment(repo, repo["number"], "/morningai ask What does greet return?", on_pull=False)
    assert agent.post("issue_comment", ask).status_code == 202
    drain(redis)
    [(_, question, *_)] = entries(owner_conn)

    sim.push(OWNER, REPO, "readme", {"README.md": "# hello again\n"}, start="main")
    untouched = sim.open_pull(OWNER, REPO, head_ref="readme", title="Readme", user="alice")
    sha = sim.merge_pull(OWNER, REPO, untouched)
    assert agent.post("pull_request", merged_payload(repo, untouched, sha)).status_code == 202
    drain(redis)
    assert owner_conn.execute("SELECT bool_or(stale) FROM faq_entries").fetchone() == (False,)

    sim.push(OWNER, REPO, "polite", {"app.py": APP.replace("hey", "hello")}, start="main")
    number = sim.open_pull(OWNER, REPO, head_ref="polite", title="Politer", user="alice")
    sha = sim.merge_pull(OWNER, REPO, number)
    if auto_update:
        model.expect_chat(ask_reply("app.py"), match=question)
    assert agent.post("pull_request", merged_payload(repo, number, sha)).status_code == 202
    drain(redis)
    model.assert_done()
    kinds = [t[:2] for t in tasks(owner_conn)]
    assert kinds == [("ask", "succeeded"), ("faq_stale", "succeeded"), ("faq_stale", "succeeded")]
    refresh = [p for p in sim.pulls(OWNER, REPO) if p["head"]["ref"] == "morningai/faq-refresh"]
    [(stale,)] = owner_conn.execute("SELECT stale FROM faq_entries").fetchall()
    if auto_update:
        assert not stale  # answered again from the merged code
        [pr] = refresh
        assert f"docs/faq/refresh-pr-{number}.md" in git(
            sim, "ls-tree", "-r", "--name-only", pr["head"]["sha"]
        )
    else:
        assert stale
        assert refresh == []
    # quiet: the merged pull requests got no comments from the app
    assert sim.comments(OWNER, REPO, number) == []


def test_faq_on_a_fork_pull_request_is_posted_as_a_comment(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    sim.push(OWNER, REPO, "main", {"docs/setup.md": SETUP})
    sim.fork(OWNER, REPO, "carol")
    sim.push(
        "carol",
        REPO,
        "farewell",
        {"app.py": APP + "\n\ndef farewell(name):\n    return 'bye ' + name\n"},
        start="main",
    )
    number = sim.open_pull(
        OWNER, REPO, head_owner="carol", head_ref="farewell", title="Add farewell"
    )
    fork_head = git(sim, "rev-parse", f"refs/pull/{number}/head").strip()
    model.expect_chat(reply())
    payload = comment(repo, number, "/morningai faq", on_pull=True)
    assert agent.post("issue_comment", payload).json()["outcome"] == "accepted"
    drain(redis)
    model.assert_done()
    assert tasks(owner_conn) == [("faq_pr", "succeeded", None)]
    bodies = [str(c["body"]) for c in sim.comments(OWNER, REPO, number)]
    [doc] = [b for b in bodies if "# Saying goodbye" in b]
    assert "comes from a fork" in doc
    assert "return 'bye ' + name" in doc  # the example was read from the fork's head
    # nothing was pushed anywhere
    assert git(sim, "rev-parse", f"refs/pull/{number}/head").strip() == fork_head
    assert "docs/faq" not in git(sim, "ls-tree", "-r", "--name-only", "main")


def test_faq_from_the_command_line_mines_without_an_issue(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    agent_settings: Settings,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    # any event from the installation makes it known; `/morningai stop` with nothing to stop
    stop = comment(repo, repo["number"], "/morningai stop", on_pull=False)
    assert agent.post("issue_comment", stop).status_code == 202
    drain(redis)
    crashed = sim.add_issue(OWNER, REPO, "greet crashes without a name", "TypeError", user="bob")
    sim.close_issue(OWNER, REPO, crashed, "completed")
    model.expect_chat(history_reply(crashed), match="greet crashes without a name")
    task = mine(f"{OWNER}/{REPO}", agent_settings)
    model.assert_done()
    assert (task.kind, task.status, task.error) == ("faq_history", "succeeded", None)
    [pr] = [p for p in sim.pulls(OWNER, REPO) if p["head"]["ref"] == "morningai/faq-history"]
    assert task.pr_url == pr["html_url"]
    assert f"@{OPERATOR}" not in pr["body"]
    # no issue to report on: the app commented nowhere
    assert all("morningai:status" not in str(c["body"]) for c in sim.comments(OWNER, REPO, crashed))
    with pytest.raises(FaqCliError, match="not installed on"):
        mine(f"{OWNER}/elsewhere", agent_settings)
