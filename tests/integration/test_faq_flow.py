"""`/morningai faq` and `/morningai ask` from GitHub's real `issue_comment` payloads, end to
end: the webhook, a task, the worker, the FAQ graph against the scripted model server, memory
in PostgreSQL, and the documents on the simulator's git branches."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from redis import Redis

from core.settings import Settings
from github_app.client import repo_client
from github_app.publish import open_pull_request
from jobs.runtime import context
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from tests.fakes.http import WebhookSender, serve_wsgi
from tests.support.faq import SETUP, ask_reply, entries, reply
from tests.support.simulated import APP, OWNER, REPO, SECRET, comment, git, status_comments
from tests.support.tasks import drain, run_due
from web import create_app

Conn = psycopg.Connection[tuple[Any, ...]]
pytestmark = pytest.mark.usefixtures("clean_db")

EMBEDDING_MODEL = "text-embedding-3-small"
FAREWELL = "def farewell(name):\n    return 'bye ' + name\n"


@pytest.fixture
def faq_settings(agent_settings: Settings) -> Settings:
    return agent_settings.model_copy(update={"morningai_embedding_model": EMBEDDING_MODEL})


@pytest.fixture
def faq_agent(faq_settings: Settings, redis: Redis) -> Iterator[WebhookSender]:
    ctx = context.build(faq_settings)
    context.install(ctx)
    app = create_app(faq_settings)
    with serve_wsgi(app) as url:
        yield WebhookSender(url, SECRET.encode())
    app.extensions["morningai"].close()
    ctx.close()


@pytest.fixture
def pull(sim: GitHubSimulator, repo: dict[str, Any], faq_settings: Settings, redis: Redis) -> int:
    """A same-repository pull request that adds `farewell()` to app.py."""
    sim.push(OWNER, REPO, "main", {"docs/setup.md": SETUP})
    sim.push(OWNER, REPO, "feature", {"app.py": APP + "\n\n" + FAREWELL}, start="main")
    client = repo_client(faq_settings, redis, repo["installation"], f"{OWNER}/{REPO}")
    made = open_pull_request(
        client,
        head="feature",
        base="main",
        title="Add farewell",
        body=f"Says bye. Fixes #{repo['number']}",
        draft=False,
    )
    return made.number


def faq_docs(sim: GitHubSimulator, ref: str) -> list[str]:
    listed = git(sim, "ls-tree", "-r", "--name-only", ref, "docs/faq/")
    return sorted(listed.split())


def embedding_inputs(model: ScriptedModelServer) -> int:
    return sum(
        len(r.json["input"]) if isinstance(r.json["input"], list) else 1
        for r in model.requests
        if r.path.endswith("/embeddings")
    )


def test_faq_on_a_pull_request_commits_the_document_to_its_branch(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    pull: int,
    faq_agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    model.expect_embeddings(times=3)  # index the default branch, the retrieval query, the entry
    # the pull request's text and the issue it fixes are in the prompt
    model.expect_chat(
        reply(),
        match=lambda body: (
            "Add farewell" in json.dumps(body) and "Greeting is rude" in json.dumps(body)
        ),
    )
    payload = comment(repo, pull, "/morningai faq", on_pull=True)
    assert faq_agent.post("issue_comment", payload).json()["outcome"] == "accepted"
    drain(redis)
    model.assert_done()
    [(task_id, status, error, trace_id)] = owner_conn.execute(
        "SELECT id, status, error, trace_id FROM tasks"
    ).fetchall()
    assert (status, error) == ("succeeded", None)

    docs = faq_docs(sim, "feature")
    assert docs[0] == "docs/faq/README.md"
    assert len(docs) == 2
    doc_path = docs[1]
    assert doc_path.startswith(f"docs/faq/pr-{pull}-")
    text = git(sim, "show", f"feature:{doc_path}")
    assert text.startswith("# Saying goodbye")
    assert "This change adds a way to say goodbye." in text
    assert "## The new function" in text
    assert FAREWELL.strip() in text  # the example's code is the file's real lines
    assert "../setup.md" in text  # related documentation, linked relative to docs/faq/
    assert "Why is the farewell informal?" in text
    for footer in (f"FAQ for PR #{pull}", trace_id, "gpt-4.1-mini", f"{OWNER}/{REPO}"):
        assert footer in text
    index = git(sim, "show", "feature:docs/faq/README.md")
    assert f"{doc_path.removeprefix('docs/faq/')}" in index
    # the head branch moved forward by one commit, on top of the author's
    assert git(sim, "rev-parse", "feature^").strip() != ""
    assert "farewell" in git(sim, "show", "feature:app.py")

    [(tenant, question, _, emb_model, has_vector, source_pr, installation)] = entries(owner_conn)
    assert (question, emb_model, has_vector, source_pr) == (
        "How do I say goodbye to someone?",
        EMBEDDING_MODEL,
        True,
        pull,
    )
    assert installation == repo["installation"]
    chunks = owner_conn.execute(
        "SELECT count(*), count(DISTINCT tenant_id) FROM code_chunks WHERE tenant_id = %s",
        (tenant,),
    ).fetchone()
    assert chunks is not None
    assert chunks[0] > 0
    assert len(status_comments(sim, pull)) == 1
    assert task_id > 0

    # a second request updates the same file and the same entry instead of adding others
    first_inputs = embedding_inputs(model)
    model.expect_embeddings(times=2)  # no re-indexing of unchanged code: query and entry only
    model.expect_chat(reply(title="Goodbyes", answer="Use `farewell` from `app.py`."))
    payload = comment(repo, pull, "/morningai faq", on_pull=True)
    payload["comment"]["id"] += 1
    assert faq_agent.post("issue_comment", payload).json()["outcome"] == "accepted"
    drain(redis)
    model.assert_done()
    assert faq_docs(sim, "feature") == docs
    assert git(sim, "show", f"feature:{doc_path}").startswith("# Goodbyes")
    [(_, _, answer, *_)] = entries(owner_conn)
    assert answer == "Use `farewell` from `app.py`."
    assert embedding_inputs(model) - first_inputs == 2  # the query and the one entry


def test_unauthorised_commenter_gets_no_faq(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    pull: int,
    faq_agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    sim.set_permission(OWNER, REPO, "mallory", "triage")
    before = git(sim, "rev-parse", "feature")
    payload = comment(repo, pull, "/morningai faq", on_pull=True, user="mallory")
    assert faq_agent.post("issue_comment", payload).status_code == 202
    drain(redis)
    assert model.requests == []
    assert git(sim, "rev-parse", "feature") == before
    assert entries(owner_conn) == []
    [(status,)] = owner_conn.execute("SELECT status FROM tasks").fetchall()
    assert status == "cancelled"


def test_ask_answers_with_citations_of_files_that_exist(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    number = repo["number"]
    # the first draft cites a file that does not exist; the model is told and fixes it
    model.expect_chat(ask_reply("src/greeting.py"), match="What does greet return")
    model.expect_chat(ask_reply("app.py"), match="src/greeting.py")
    payload = comment(repo, number, "/morningai ask What does greet return?", on_pull=False)
    assert agent.post("issue_comment", payload).json()["outcome"] == "accepted"
    drain(redis)
    model.assert_done()
    [(status, error)] = owner_conn.execute("SELECT status, error FROM tasks").fetchall()
    assert (status, error) == ("succeeded", None)
    bodies = [str(c["body"]) for c in sim.comments(OWNER, REPO, number)]
    [answer] = [b for b in bodies if b.startswith("# How greeting works")]
    assert APP.splitlines()[0] in answer
    assert "src/greeting.py" not in answer
    assert "What does greet return?" in answer
    # without an embedding model the entry is stored for full-text search
    [(_, question, _, emb_model, has_vector, _, _)] = entries(owner_conn)
    assert (question, emb_model, has_vector) == ("What does greet return?", None, False)


def test_ask_fails_clearly_when_the_model_keeps_citing_a_missing_file(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    number = repo["number"]
    model.expect_chat(ask_reply("src/greeting.py"), times=2)
    payload = comment(repo, number, "/morningai ask What does greet return?", on_pull=False)
    assert agent.post("issue_comment", payload).status_code == 202
    drain(redis)
    model.assert_done()
    [(status, error)] = owner_conn.execute("SELECT status, error FROM tasks").fetchall()
    assert status == "failed"
    assert "src/greeting.py" in error
    bodies = [str(c["body"]) for c in sim.comments(OWNER, REPO, number)]
    assert not any(b.startswith("# How greeting works") for b in bodies)
    [status_comment] = status_comments(sim, number)
    assert "src/greeting.py" in status_comment["body"]
    assert entries(owner_conn) == []


def test_ask_save_retried_after_github_502_publishes_without_asking_the_model_again(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    number = repo["number"]
    model.expect_chat(ask_reply("app.py"))  # once: a second model call would be unexpected
    sim.inject_fault("POST", r"/pulls$", 502, times=2)  # githubkit retries once in place
    body = "/morningai ask --save What does greet return?"
    assert (
        agent.post("issue_comment", comment(repo, number, body, on_pull=False)).status_code == 202
    )
    drain(redis)
    [(status, error, attempts)] = owner_conn.execute(
        "SELECT status, error, attempts FROM tasks"
    ).fetchall()
    assert (status, error, attempts) == ("queued", "GitHub answered 502", 1)
    [paused] = status_comments(sim, number)
    assert "Paused: GitHub answered 502; trying again in 5 s." in paused["body"]
    run_due(redis, now=True)
    model.assert_done()
    [(status, attempts)] = owner_conn.execute("SELECT status, attempts FROM tasks").fetchall()
    assert (status, attempts) == ("succeeded", 2)
    [pr] = [p for p in sim.pulls(OWNER, REPO) if p["head"]["ref"].startswith("morningai/faq-")]
    assert pr["title"] == "docs(faq): How greeting works"
    [done] = status_comments(sim, number)
    assert done["id"] == paused["id"]
    assert "✅ Done" in done["body"]
