"""Discord's interactions endpoint over real HTTP, the Discord fake signing with its Ed25519
key: bad signatures are 401 and store nothing, PING gets PONG, `/morningai ask` in a linked
guild is deferred with one `chat_ask` task carrying the interaction token for the follow-up,
a DM is told where the bot works, links work once, and no secret is ever echoed."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from core.subject import TaskSubject
from tests.support.chat import ChatRig

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_sessions", "clean_db")]
GUILD_A, GUILD_B = "290926798626357999", "290926798626358000"


def test_bad_signatures_are_401_and_store_nothing_and_ping_gets_pong(rig: ChatRig) -> None:
    rig.link("a", "discord", GUILD_A)
    ask = {"question": "how?", "repo": "acme/widgets"}
    url = rig.url + "/api/discord/interactions"
    answers = [
        rig.discord_command("ask", ask, guild_id=GUILD_A, bad_signature=True),
        rig.discord_command("ask", ask, guild_id=GUILD_A, timestamp=int(time.time()) - 600),
        rig.keep(httpx.post(url, json=rig.discord.ping_payload())),  # unsigned
        rig.discord_send(rig.discord.ping_payload(), bad_signature=True),
    ]
    assert [a.status_code for a in answers] == [401] * 4
    assert (rig.count("chat_deliveries"), rig.count("tasks")) == (0, 0)
    pong = rig.discord_send(rig.discord.ping_payload())
    assert (pong.status_code, pong.json()) == (200, {"type": 1})


def test_an_ask_in_a_linked_guild_is_deferred_with_one_task(rig: ChatRig) -> None:
    workspace = rig.link("a", "discord", GUILD_A)
    payload = rig.discord.command_payload(
        "ask", {"question": "where is the config?", "repo": "acme/docs"}, guild_id=GUILD_A
    )
    first = rig.discord_send(payload)
    rig.owner.execute("UPDATE tasks SET status = 'succeeded'")  # only de-duplication remains
    again = rig.discord_send(payload)  # the same interaction delivered twice
    assert (first.status_code, first.json()) == (200, {"type": 5})
    assert again.status_code == 200
    (task,) = rig.tasks()
    asked = TaskSubject.decode(task[4])
    assert (task[1], task[2], asked.repository, asked.instructions) == (
        rig.world["tenant_a"], "chat_ask", "acme/docs", "where is the config?"
    )  # fmt: skip
    assert asked.requested_by == "discord:80351110224678912"
    assert asked.trigger == f"chat:discord:{payload['id']}"
    assert asked.reply_to is not None
    assert (asked.reply_to.workspace_id, asked.reply_to.channel) == (
        workspace,
        payload["channel_id"],
    )
    assert asked.reply_to.reply_token == payload["token"]  # for the job's follow-up
    assert [d[0] for d in rig.deliveries("discord")] == [payload["id"]]


def test_a_direct_message_is_told_the_bot_works_in_linked_servers(rig: ChatRig) -> None:
    answer = rig.discord_command("ask", {"question": "hi?"}, guild_id=None)
    assert answer.json()["type"] == 4
    assert "servers linked to an installation" in answer.json()["data"]["content"]
    assert answer.json()["data"]["flags"] == 64  # only the asker sees it
    assert rig.count("tasks") == 0
    assert [d[1:3] for d in rig.deliveries("discord")] == [(None, "ignored")]


def test_link_codes_work_once_and_only_for_their_tenant(rig: ChatRig) -> None:
    rig.link("a", "discord", GUILD_A)
    code = rig.code("a", "workspace", "discord")
    taken = rig.discord_command("link", {"code": code}, guild_id=GUILD_B)
    assert taken.json()["data"]["content"].startswith("This Discord workspace is now linked")
    again = rig.discord_command("link", {"code": code}, guild_id="290926798626358001")
    assert "unknown, used or expired" in again.json()["data"]["content"]
    user = rig.code("b", "user", "discord", login="bob")
    wrong = rig.discord_command("link", {"code": user}, guild_id=GUILD_A)  # tenant A's guild
    assert "not linked to the installation that code is for" in wrong.json()["data"]["content"]
    rows = rig.owner.execute("SELECT external_id, tenant_id FROM chat_workspaces ORDER BY id")
    assert rows.fetchall() == [(GUILD_A, rig.world["tenant_a"]), (GUILD_B, rig.world["tenant_a"])]
    assert rig.count("chat_users") == 0


def test_a_malformed_interaction_after_a_valid_signature_is_a_400(rig: ChatRig) -> None:
    url = rig.url + "/api/discord/interactions"
    for body in (b"{nope", json.dumps({"type": 2, "data": {"name": "morningai"}}).encode()):
        headers = {"Content-Type": "application/json", **rig.discord.sign(body)}
        assert rig.keep(httpx.post(url, content=body, headers=headers)).status_code == 400
    assert [d[2] for d in rig.deliveries("discord")] == ["rejected", "rejected"]


def test_a_linked_user_asks_as_their_github_login(rig: ChatRig) -> None:
    rig.link("a", "discord", GUILD_A)
    rig.link_user("a", "discord", GUILD_A, "80351110224678912", "dora")
    rig.discord_command("ask", {"question": "why?", "repo": "acme/widgets"}, guild_id=GUILD_A)
    (task,) = rig.tasks()
    assert TaskSubject.decode(task[4]).requested_by == "dora"
