"""The dashboard's chat endpoints over real HTTP, signed in through the simulator: link codes
for the installations GitHub says a person reaches (a workspace code only for an admin of it —
organization admin per GET /user/memberships/orgs/{org}, or the user whose account it is), a
code that links only to its own installation, workspaces and subscriptions of another
installation answering 404, writes needing the CSRF header, and no bot token, sealed or not,
in any answer or log line."""

from __future__ import annotations

import base64
import logging
import zlib
from typing import Any

import httpx
import psycopg
import pytest
from redis import Redis

from core.secrets_at_rest import SecretBox, new_key
from db import chat, repositories
from db.pool import Database
from db.repositories import RepoRef
from db.tenancy import tenant_transaction
from github_app import chat_links
from simulator import GitHubSimulator
from tests.support.dashboard import reach_world
from tests.support.sign_in import Web, csrf, sign_in
from tests.support.task_rows import tenant

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_sessions", "clean_db")]
Conn = psycopg.Connection[tuple[Any, ...]]
BOT_TOKEN = "xoxb-2024-4242-s3cr3tb0tt0k3nv4lu3"
REPOS = {"tenant_a": ("acme/widgets", "acme/docs", "acme/secret"), "tenant_b": ("other/app",)}


@pytest.fixture
def world(sim: GitHubSimulator, app_db: Database) -> dict[str, Any]:
    """reach_world (alice: write on acme/widgets, read on acme/docs, not acme/secret; bob: admin
    of other/app), the repositories known to MorningAI, and a linked Slack workspace in each
    installation — acme's with a sealed bot token."""
    made: dict[str, Any] = dict(reach_world(sim, app_db))
    box = SecretBox.from_setting(new_key())
    made["sealed"] = chat_links.seal_bot_token(box, BOT_TOKEN)
    for key, team in (("tenant_a", "TACME"), ("tenant_b", "TOTHER")):
        with tenant_transaction(app_db, made[key]) as scope:
            for name in REPOS[key]:
                repositories.upsert(scope, RepoRef(zlib.crc32(name.encode()), name))
            sealed = made["sealed"] if key == "tenant_a" else None
            new = chat.NewWorkspace("slack", team, team.lower(), "someone", 5, sealed)
            made[f"ws_{key[-1]}"] = chat.link_workspace(scope, new).id
    return made


def code_for(web: Web, installation: int, purpose: str, platform: str = "slack") -> httpx.Response:
    body = {"installation_id": installation, "purpose": purpose, "platform": platform}
    return web.http.post("/api/chat/link-codes", json=body, headers=csrf(web))


def put(web: Web, **body: Any) -> httpx.Response:
    return web.http.put("/api/chat/subscriptions", json=body, headers=csrf(web))


def test_signed_out_gets_401_everywhere(web: Web, world: dict[str, Any]) -> None:
    for method, path in (
        ("POST", "/api/chat/link-codes"),
        ("GET", "/api/chat/workspaces"),
        ("DELETE", f"/api/chat/workspaces/{world['ws_a']}"),
        ("GET", "/api/chat/subscriptions"),
        ("PUT", "/api/chat/subscriptions"),
    ):
        answer = web.http.request(method, path, json={})
        assert answer.status_code == 401, (method, path, answer.text)


def test_writes_need_the_csrf_header_and_this_origin(
    web: Web, sim: GitHubSimulator, world: dict[str, Any]
) -> None:
    sim.set_org_role("acme", "alice", "admin")
    sign_in(web, sim)
    body = {"installation_id": world["acme"], "purpose": "user", "platform": "slack"}
    for headers in (
        {},
        {"X-MorningAI-CSRF": "0" * 64},
        {**csrf(web), "Origin": "https://x.example"},
    ):
        for method, path, json in (
            ("POST", "/api/chat/link-codes", body),
            ("DELETE", f"/api/chat/workspaces/{world['ws_a']}", None),
            ("PUT", "/api/chat/subscriptions", {}),
        ):
            answer = web.http.request(method, path, json=json, headers=headers)
            assert answer.status_code == 403, (headers, path, answer.text)


def test_a_workspace_code_needs_admin_on_that_installation(
    web: Web, sim: GitHubSimulator, world: dict[str, Any]
) -> None:
    acme = world["acme"]
    sign_in(web, sim)  # alice: a repository collaborator, no organization role
    refused = code_for(web, acme, "workspace")
    assert refused.status_code == 403
    assert refused.json() == {"error": "linking a workspace needs admin rights on acme"}
    user_code = code_for(web, acme, "user", "telegram")
    assert user_code.status_code == 201, user_code.text
    assert user_code.headers["Cache-Control"] == "no-store"
    body = user_code.json()
    assert (body["purpose"], body["platform"], body["installation_id"]) == (
        "user",
        "telegram",
        acme,
    )
    assert f"/link {body['code']}" in body["instructions"]
    sim.set_org_role("acme", "alice", "member")
    sign_in(web, sim)  # a new session asks GitHub afresh
    assert code_for(web, acme, "workspace").status_code == 403
    sim.set_org_role("acme", "alice", "admin")
    sign_in(web, sim)
    granted = code_for(web, acme, "workspace")
    assert granted.status_code == 201, granted.text
    assert granted.json()["code"] != body["code"]
    listed = web.http.get("/api/chat/workspaces").json()["installations"]
    assert {(i["account"], i["admin"]) for i in listed} == {("acme", True)}


def test_a_user_account_is_administered_by_that_user_alone(
    web: Web, sim: GitHubSimulator, app_db: Database, world: dict[str, Any]
) -> None:
    carol = sim.add_installation("carol", "User")
    sim.create_repo("carol", "tool", installation_id=carol, private=True)
    sim.set_permission("carol", "tool", "alice", "admin")
    tenant(app_db, carol)
    sign_in(web, sim, "carol")
    assert code_for(web, carol, "workspace").status_code == 201
    sign_in(web, sim, "alice")  # admin of a repository is not admin of carol's account
    assert code_for(web, carol, "workspace").status_code == 403


def test_a_code_is_only_for_a_reached_installation_that_morningai_serves(
    web: Web, sim: GitHubSimulator, world: dict[str, Any]
) -> None:
    sim.set_org_role("acme", "alice", "admin")
    sim.set_org_role("other", "alice", "admin")  # an org role, but no repository reached there
    fresh = sim.add_installation("newco")
    sim.create_repo("newco", "x", installation_id=fresh, private=True)
    sim.set_permission("newco", "x", "alice", "write")
    sign_in(web, sim)
    for installation in (world["other"], 999_999):
        answer = code_for(web, installation, "user")
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"] == f"no installation {installation} among the ones you reach"
    waiting = code_for(web, fresh, "user")
    assert waiting.status_code == 409
    assert "has not received this installation" in waiting.json()["error"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"installation_id": "1", "purpose": "user", "platform": "slack"}, "whole number"),
        ({"installation_id": True, "purpose": "user", "platform": "slack"}, "whole number"),
        ({"installation_id": 1, "purpose": "admin", "platform": "slack"}, "workspace or user"),
        ({"installation_id": 1, "purpose": "user", "platform": "irc"}, "platform is one of"),
    ],
)
def test_a_bad_code_request_is_a_400(
    web: Web, sim: GitHubSimulator, world: dict[str, Any], body: dict[str, Any], words: str
) -> None:
    sign_in(web, sim)
    answer = web.http.post("/api/chat/link-codes", json=body, headers=csrf(web))
    assert answer.status_code == 400
    assert words in answer.json()["error"]
    not_json = web.http.post("/api/chat/link-codes", content=b"[1]", headers=csrf(web))
    assert not_json.status_code == 400


def test_the_code_links_the_workspace_to_its_installation(
    web: Web, sim: GitHubSimulator, world: dict[str, Any], app_db: Database, redis: Redis
) -> None:
    sim.set_org_role("acme", "alice", "admin")
    sign_in(web, sim)
    code = code_for(web, world["acme"], "workspace", "discord").json()["code"]
    linked = chat_links.redeem_workspace_code(
        app_db, redis, code, platform="discord", external_id="G1", name="Guild"
    )
    assert isinstance(linked, chat.Workspace)
    assert (linked.tenant_id, linked.linked_by_login) == (world["tenant_a"], "alice")
    shown = web.http.get("/api/chat/workspaces").json()["workspaces"]
    assert sorted((w["platform"], w["external_id"], w["installation_id"]) for w in shown) == [
        ("discord", "G1", world["acme"]),
        ("slack", "TACME", world["acme"]),
    ]
    assert all(w["can_manage"] for w in shown)


def test_workspaces_of_another_installation_are_404_and_unlinking_needs_admin(
    web: Web, sim: GitHubSimulator, world: dict[str, Any], owner_conn: Conn
) -> None:
    sign_in(web, sim)
    shown = web.http.get("/api/chat/workspaces").json()
    assert [w["id"] for w in shown["workspaces"]] == [world["ws_a"]]
    assert shown["workspaces"][0]["bot_installed"] is True
    assert shown["workspaces"][0]["can_manage"] is False
    other = web.http.delete(f"/api/chat/workspaces/{world['ws_b']}", headers=csrf(web))
    assert other.status_code == 404
    assert other.json()["error"] == f"no chat workspace {world['ws_b']} among your installations"
    mine = web.http.delete(f"/api/chat/workspaces/{world['ws_a']}", headers=csrf(web))
    assert mine.status_code == 403
    assert owner_conn.execute("SELECT count(*) FROM chat_workspaces").fetchone() == (2,)
    sim.set_org_role("acme", "alice", "admin")
    sign_in(web, sim)
    done = web.http.delete(f"/api/chat/workspaces/{world['ws_a']}", headers=csrf(web))
    assert done.status_code == 200, done.text
    remaining = owner_conn.execute("SELECT id FROM chat_workspaces").fetchall()
    assert remaining == [(world["ws_b"],)]
    assert web.http.get("/api/chat/workspaces").json()["workspaces"] == []


def test_subscriptions_follow_admin_and_write_access(
    web: Web, sim: GitHubSimulator, world: dict[str, Any], app_db: Database
) -> None:
    ws_a, ws_b = world["ws_a"], world["ws_b"]
    with tenant_transaction(app_db, world["tenant_a"]) as scope:  # a row alice cannot see
        secret = repositories.id_for(scope, "acme/secret")
        chat.put_subscription(scope, ws_a, "C-s", secret, ("pr_opened",), by_login="x", by_id=1)
    sign_in(web, sim)
    events = ["task_failed", "pr_opened"]
    wide = put(web, workspace_id=ws_a, channel_id="C1", repository=None, events=events)
    assert wide.status_code == 403
    assert "admin rights" in wide.json()["error"]
    written = put(web, workspace_id=ws_a, channel_id="C1", repository="ACME/Widgets", events=events)
    assert written.status_code == 200, written.text
    row = written.json()["subscription"]
    assert (row["repository"], row["events"], row["can_change"]) == (
        "acme/widgets",
        ["pr_opened", "task_failed"],
        True,
    )
    assert put(web, workspace_id=ws_a, channel_id="C1", repository="acme/docs", events=events)\
        .status_code == 403  # fmt: skip
    for repository, workspace in (("acme/secret", ws_a), ("other/app", ws_a), (None, ws_b)):
        answer = put(web, workspace_id=workspace, channel_id="C1", repository=repository,
                     events=events)  # fmt: skip
        assert answer.status_code == 404, (repository, answer.text)
    listed = web.http.get("/api/chat/subscriptions").json()
    assert [(s["channel_id"], s["repository"]) for s in listed["subscriptions"]] == [
        ("C1", "acme/widgets")
    ]
    assert listed["events"] == list(chat.EVENTS)
    sim.set_org_role("acme", "alice", "admin")
    sign_in(web, sim)
    wide = put(web, workspace_id=ws_a, channel_id="C1", repository=None, events=["task_failed"])
    assert wide.status_code == 200, wide.text
    assert wide.json()["subscription"]["can_change"] is True
    gone = put(web, workspace_id=ws_a, channel_id="C1", repository="acme/widgets", events=[])
    assert gone.json() == {"subscription": None}
    listed = web.http.get(f"/api/chat/subscriptions?workspace_id={ws_a}").json()
    assert [(s["channel_id"], s["repository"]) for s in listed["subscriptions"]] == [("C1", None)]
    with tenant_transaction(app_db, world["tenant_a"]) as scope:
        heard = chat.listeners(scope, "task_failed", repositories.id_for(scope, "acme/widgets"))
    assert [(h.external_id, h.channel_id) for h in heard] == [("TACME", "C1")]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"workspace_id": "1", "channel_id": "C", "repository": None, "events": []}, "whole"),
        ({"workspace_id": 1, "channel_id": "", "repository": None, "events": []}, "channel_id"),
        ({"workspace_id": 1, "channel_id": "C" * 101, "repository": None, "events": []}, "1 to"),
        ({"workspace_id": 1, "channel_id": "C", "repository": 5, "events": []}, "owner/name"),
        ({"workspace_id": 1, "channel_id": "C", "repository": None, "events": ["x"]}, "events"),
        ({"workspace_id": 1, "channel_id": "C", "repository": None, "events": "all"}, "events"),
    ],
)
def test_a_bad_subscription_is_a_400(
    web: Web, sim: GitHubSimulator, world: dict[str, Any], body: dict[str, Any], words: str
) -> None:
    sign_in(web, sim)
    answer = put(web, **body)
    assert answer.status_code == 400
    assert words in answer.json()["error"]


def test_no_bot_token_or_link_code_in_any_answer_or_log(
    web: Web,
    sim: GitHubSimulator,
    world: dict[str, Any],
    app_db: Database,
    redis: Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    sim.set_org_role("acme", "alice", "admin")
    sign_in(web, sim)
    answers = [
        code_for(web, world["acme"], "workspace"),
        code_for(web, world["acme"], "user"),
        web.http.get("/api/chat/workspaces"),
        put(
            web, workspace_id=world["ws_a"], channel_id="C1", repository=None, events=["pr_opened"]
        ),
        web.http.get("/api/chat/subscriptions"),
        web.http.get("/api/me"),
    ]
    codes = [answers[0].json()["code"], answers[1].json()["code"]]
    sealed_again = chat_links.seal_bot_token(SecretBox.from_setting(new_key()), BOT_TOKEN)
    linked = chat_links.redeem_workspace_code(
        app_db, redis, codes[0], platform="slack", external_id="T9", name="n",
        bot_token_sealed=sealed_again,
    )  # fmt: skip
    assert isinstance(linked, chat.Workspace)
    answers.append(web.http.get("/api/chat/workspaces"))
    answers.append(web.http.delete(f"/api/chat/workspaces/{linked.id}", headers=csrf(web)))
    texts = [a.text for a in answers]
    logs = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    secrets = [BOT_TOKEN, "s3cr3tb0t"]
    for sealed in (world["sealed"], sealed_again):
        secrets += [sealed.hex(), base64.b64encode(sealed).decode(), sealed[13:29].hex()]
    for secret in secrets:
        assert all(secret not in t for t in texts), secret
        assert secret not in logs, secret
    for code in codes:
        assert code not in logs
        assert code.replace("-", "") not in logs
    assert '"bot_installed":true' in answers[-2].text.replace(" ", "")


def test_admin_is_asked_with_the_reach_and_reused_with_it(
    web: Web, sim: GitHubSimulator, world: dict[str, Any], redis: Redis
) -> None:
    """One membership call per organization each time GitHub is asked about the person; a role
    given meanwhile counts once the reach is asked again (after REACH_TTL_SECONDS)."""
    sign_in(web, sim)

    def asked() -> list[str]:
        return [e.path for e in sim.requests if e.operation_id and "memberships" in e.path]

    for _ in range(3):
        assert web.http.get("/api/chat/workspaces").status_code == 200
    assert asked() == ["/user/memberships/orgs/acme"]  # other: alice reaches none of it
    sim.set_org_role("acme", "alice", "admin")
    assert code_for(web, world["acme"], "workspace").status_code == 403  # the reused answer
    for key in redis.scan_iter("morningai:viewer:reach:*"):
        redis.delete(key)
    assert code_for(web, world["acme"], "workspace").status_code == 201
    assert len(asked()) == 2


def test_when_github_does_not_say_who_is_admin_no_one_is(
    web: Web, sim: GitHubSimulator, world: dict[str, Any]
) -> None:
    """A failed membership call refuses admin (fail closed) and leaves the rest of the
    dashboard working."""
    sim.set_org_role("acme", "alice", "admin")
    sim.inject_fault("GET", r"^/user/memberships/orgs/", 502)
    sign_in(web, sim)
    assert web.http.get("/api/me").status_code == 200
    assert code_for(web, world["acme"], "workspace").status_code == 403
    assert code_for(web, world["acme"], "user").status_code == 201
