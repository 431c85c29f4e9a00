"""Tenant isolation end to end: two installations (acme and globex), each with a repository
named `app` and FAQ memory of its own. Work for one — a labeled issue that becomes a pull
request, `/morningai ask` — never creates or changes a task, delivery, FAQ entry, code chunk,
checkpoint or repository row of the other, never touches the other's GitHub repository, and
the model only ever sees the asking tenant's FAQ entries."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
from psycopg import sql

from jobs.faq.memory import remember_entries
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from tests.fakes.http import WebhookSender
from tests.fakes.npm_fixtures import webhook_example
from tests.support.faq import ask_reply
from tests.support.flow import Flow
from tests.support.model import EDIT, PLAN
from tests.support.simulated import APP
from tests.support.tasks import drain

Conn = psycopg.Connection[tuple[Any, ...]]
pytestmark = pytest.mark.usefixtures("clean_db")

TENANT_TABLES = (
    "repositories",
    "webhook_deliveries",
    "tasks",
    "task_events",
    "faq_entries",
    "code_chunks",
    "checkpoints",
    "checkpoint_blobs",
    "checkpoint_writes",
)
QUESTION = "How do I deploy the app?"


def install(sim: GitHubSimulator, agent: WebhookSender, owner: str, user: str) -> dict[str, Any]:
    """A GitHub installation with one repository `owner/app`, announced to the app with
    GitHub's own `installation.created` example."""
    installation = sim.add_installation(owner)
    repo = sim.create_repo(
        owner, "app", installation_id=installation, files={"README.md": "# app\n", "app.py": APP}
    )
    sim.set_permission(owner, "app", user, "write")
    number = sim.add_issue(owner, "app", "Greeting is rude", "`greet()` says hey.", user=user)
    payload = webhook_example("installation", "created")
    payload["installation"]["id"] = installation
    payload["installation"]["account"].update(login=owner, id=installation * 7)
    payload["repositories"] = [
        {
            "id": repo.id,
            "node_id": "R_x",
            "name": "app",
            "full_name": f"{owner}/app",
            "private": False,
        }
    ]
    payload["sender"].update(login=user, type="User")
    assert agent.post("installation", payload).json()["outcome"] == "accepted"
    return {
        "owner": owner,
        "user": user,
        "installation": installation,
        "repo": repo,
        "number": number,
    }


def retarget(payload: dict[str, Any], t: dict[str, Any]) -> dict[str, Any]:
    payload["repository"].update(id=t["repo"].id, name="app", full_name=f"{t['owner']}/app")
    payload["issue"].update(number=t["number"], state="open", locked=False)
    payload["issue"].pop("pull_request", None)
    payload["sender"].update(login=t["user"], type="User")
    payload["installation"] = {"id": t["installation"]}
    return payload


def labeled(t: dict[str, Any]) -> dict[str, Any]:
    payload = retarget(webhook_example("issues", "labeled"), t)
    payload["label"]["name"] = "morningai"
    return payload


def ask(t: dict[str, Any], question: str) -> dict[str, Any]:
    payload = retarget(webhook_example("issue_comment", "created"), t)
    payload["comment"]["body"] = f"/morningai ask {question}"
    return payload


def ids(owner_conn: Conn, owner: str) -> tuple[int, int]:
    row = owner_conn.execute(
        "SELECT t.id, r.id FROM tenants t JOIN repositories r ON r.tenant_id = t.id"
        " WHERE t.account_login = %s",
        (owner,),
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def rows_of(owner_conn: Conn, tenant_id: int) -> dict[str, list[str]]:
    """Everything a tenant owns, row by row, as text (the owner's view sees every tenant)."""
    found = {}
    for table in TENANT_TABLES:
        query = sql.SQL(
            "SELECT to_jsonb(t)::text FROM {} t WHERE tenant_id = %s ORDER BY 1"
        ).format(sql.Identifier(table))
        found[table] = [r[0] for r in owner_conn.execute(query, (tenant_id,))]
    tenant = owner_conn.execute(
        "SELECT to_jsonb(t)::text FROM tenants t WHERE id = %s", (tenant_id,)
    )
    found["tenants"] = [r[0] for r in tenant]
    return found


def github_of(sim: GitHubSimulator, t: dict[str, Any]) -> tuple[Any, ...]:
    branches = t["repo"].git.refs()
    return (sim.pulls(t["owner"], "app"), sim.comments(t["owner"], "app", t["number"]), branches)


def chat_text(model: ScriptedModelServer, start: int) -> str:
    return json.dumps([r.json for r in model.requests[start:] if r.path.endswith("/completions")])


def test_one_tenants_work_never_touches_the_other(flow: Flow) -> None:
    acme = install(flow.sim, flow.sender, "acme", "alice")
    globex = install(flow.sim, flow.sender, "globex", "bob")
    for t in (acme, globex):
        tenant_id, repository_id = ids(flow.db, t["owner"])
        t.update(tenant=tenant_id, repository=repository_id)
        owner = t["owner"]
        remember_entries(
            flow.app_db,
            tenant_id,
            repository_id,
            [
                {
                    "question": QUESTION,
                    "answer": f"Run `make deploy-{owner}` from the {owner} vault.",
                }
            ],
            None,
            source_pr=None,
            source_commit=None,
        )
    assert acme["tenant"] != globex["tenant"]
    globex_rows, globex_github = rows_of(flow.db, globex["tenant"]), github_of(flow.sim, globex)

    # acme: a labeled issue becomes a pull request; then a question to its FAQ memory
    flow.model.expect_chat(PLAN)
    flow.model.expect_chat(EDIT)
    assert flow.sender.post("issues", labeled(acme)).json()["outcome"] == "accepted"
    drain(flow.redis)
    seen = len(flow.model.requests)
    flow.model.expect_chat(ask_reply("app.py"), match="How do I deploy")
    assert flow.sender.post("issue_comment", ask(acme, QUESTION)).json()["outcome"] == "accepted"
    drain(flow.redis)
    flow.model.assert_done()
    prompt = chat_text(flow.model, seen)
    assert "make deploy-acme" in prompt
    assert "deploy-globex" not in prompt
    assert "globex" not in prompt

    acme_rows = rows_of(flow.db, acme["tenant"])
    assert [json.loads(r)["status"] for r in acme_rows["tasks"]] == ["succeeded", "succeeded"]
    assert acme_rows["code_chunks"]
    assert len(flow.sim.pulls("acme", "app")) == 1
    # globex: not a row, not a pull request, comment or branch changed
    assert rows_of(flow.db, globex["tenant"]) == globex_rows
    assert github_of(flow.sim, globex) == globex_github

    # and the other way round
    seen = len(flow.model.requests)
    flow.model.expect_chat(ask_reply("app.py"), match="How do I deploy")
    assert flow.sender.post("issue_comment", ask(globex, QUESTION)).json()["outcome"] == "accepted"
    drain(flow.redis)
    flow.model.assert_done()
    prompt = chat_text(flow.model, seen)
    assert "make deploy-globex" in prompt
    assert "acme" not in prompt
    assert rows_of(flow.db, acme["tenant"]) == acme_rows
    assert flow.sim.pulls("globex", "app") == []
    # every token minted was for the asking installation and its one repository
    minted = [
        (ex.path.split("/")[3], ex.request_json)
        for ex in flow.sim.requests
        if ex.path.endswith("/access_tokens")
    ]
    assert {m[0] for m in minted} == {str(acme["installation"]), str(globex["installation"])}
    # one repository per token: the task's, or its organisation's `.github` (the defaults)
    assert all(
        body in ({"repositories": ["app"]}, {"repositories": [".github"]}) for _, body in minted
    )
