"""Slack's inbound endpoints over real HTTP, the Slack fake sending signed requests: refusals
store nothing, the install links a workspace with the dashboard's code and a sealed bot token,
a mention or a command from a linked workspace queues one `chat_ask` task (retries too), a
follow-up in the thread asks again, work needs a linked user, and no secret is ever echoed."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from core.subject import NO_THREAD, ChatThread, TaskSubject
from simulator import GitHubSimulator
from tests.support.chat import ChatRig
from tests.support.sign_in import csrf, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_sessions", "clean_db")]
TEAM_A, TEAM_B = "TACME", "TOTHER"


def install(rig: ChatRig, sim: GitHubSimulator, team: str) -> httpx.Response:
    """The whole install: alice (acme admin) takes a workspace code on the dashboard, the
    install page sends her to Slack with it as `state`, Slack sends her back with a code."""
    sim.set_org_role("acme", "alice", "admin")
    sign_in(rig.web, sim)
    body = {"installation_id": rig.world["acme"], "purpose": "workspace", "platform": "slack"}
    issued = rig.web.http.post("/api/chat/link-codes", json=body, headers=csrf(rig.web))
    assert issued.status_code == 201, issued.text
    start = rig.keep(rig.web.http.get("/api/slack/install", params={"code": issued.json()["code"]}))
    assert start.status_code == 302
    target = urlsplit(start.headers["location"])
    query = parse_qs(target.query)
    assert target.path == "/oauth/v2/authorize"
    assert query["scope"] == [
        "commands,chat:write,chat:write.public,app_mentions:read,channels:history,"
        "groups:history,im:history"
    ]
    assert query["client_id"] == [rig.slack.client_id]
    code = rig.slack.authorize(team, query["redirect_uri"][0])
    back = {"code": code, "state": query["state"][0]}
    return rig.keep(rig.web.http.get("/api/slack/oauth/callback", params=back))


def mention(text: str, *, ts: str = "1700000000.000100", **extra: Any) -> dict[str, Any]:
    return {"type": "app_mention", "user": "U1", "text": f"<@UBOT> {text}", "ts": ts,
            "channel": "C1", "event_ts": ts, **extra}  # fmt: skip


def test_bad_signatures_and_stale_timestamps_are_401_and_store_nothing(rig: ChatRig) -> None:
    rig.link("a", "slack", TEAM_A)
    payload = rig.slack.event_payload(TEAM_A, mention("ask acme/widgets how?"))
    url = rig.url + "/api/slack/events"
    stale = int(time.time()) - 6 * 60
    answers = [
        rig.slack.send_event(url, payload, signature="v0=" + "0" * 64),
        rig.slack.send_event(url, payload, timestamp=stale),
        rig.slack.send_event(url, payload, timestamp=int(time.time()) + 6 * 60),
        httpx.post(url, json=payload),  # unsigned
        rig.slack.send_command(rig.url + "/api/slack/commands", "ask how?", timestamp=stale),
        rig.slack.send_block_action(rig.url + "/api/slack/interactions", "open", timestamp=stale),
    ]
    for answer in answers:
        rig.keep(answer)
        assert answer.status_code == 401, answer.text
    assert (rig.count("chat_deliveries"), rig.count("tasks")) == (0, 0)


def test_url_verification_is_answered_with_the_challenge(rig: ChatRig) -> None:
    payload = {"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
               "type": "url_verification"}  # fmt: skip
    answer = rig.keep(rig.slack.send_event(rig.url + "/api/slack/events", payload))
    assert answer.status_code == 200
    assert answer.json() == {"challenge": payload["challenge"]}


def test_the_install_links_the_workspace_once_with_a_sealed_bot_token(
    rig: ChatRig, sim: GitHubSimulator
) -> None:
    done = install(rig, sim, TEAM_A)
    assert done.status_code == 200, done.text
    assert f"Slack workspace Team {TEAM_A}" in done.text
    rows = rig.owner.execute(
        "SELECT tenant_id, external_id, bot_token_sealed, linked_by_login FROM chat_workspaces"
    ).fetchall()
    assert [(r[0], r[1], r[3]) for r in rows] == [(rig.world["tenant_a"], TEAM_A, "alice")]
    token = next(iter(rig.slack.tokens))
    assert rows[0][2] is not None
    assert token.encode() not in bytes(rows[0][2])  # sealed, never plain
    # the same state again: the code was used up
    again = {"code": rig.slack.authorize(TEAM_B), "state": parse_qs(urlsplit(
        rig.web.http.get("/api/slack/install", params={"code": "A" * 32}).headers["location"]
    ).query)["state"][0]}  # fmt: skip
    refused = rig.keep(rig.web.http.get("/api/slack/oauth/callback", params=again))
    assert refused.status_code == 400
    assert "unknown, used or expired" in refused.text
    assert rig.count("chat_workspaces") == 1


def test_a_mention_queues_one_ask_whatever_slack_retries(
    rig: ChatRig, sim: GitHubSimulator
) -> None:
    assert install(rig, sim, TEAM_A).status_code == 200
    event = mention("ask acme/widgets how are widgets made?")
    first = rig.slack_event(TEAM_A, event, event_id="Ev0001")
    # finished: only the de-duplication (not the one-live-task index) keeps a retry out
    rig.owner.execute("UPDATE tasks SET status = 'succeeded'")
    again = rig.slack_event(TEAM_A, event, event_id="Ev0001", retry_num=1)
    assert (first.status_code, again.status_code) == (200, 200)
    found = rig.tasks()
    assert len(found) == 1
    _, tenant_id, kind, queue, subject, enqueued = found[0]
    assert (tenant_id, kind, queue, enqueued) == (
        rig.world["tenant_a"],
        "chat_ask",
        "default",
        True,
    )
    asked = TaskSubject.decode(subject)
    workspace = rig.owner.execute("SELECT id FROM chat_workspaces").fetchone()
    assert workspace is not None
    assert asked == TaskSubject(
        "acme/widgets", NO_THREAD, "slack:U1", "chat:slack:Ev0001", "how are widgets made?",
        ChatThread("slack", workspace[0], "C1", "1700000000.000100"),
    )  # fmt: skip
    deliveries = rig.deliveries("slack")
    assert [(d[0], d[1], d[2], d[4]) for d in deliveries] == [
        ("Ev0001", rig.world["tenant_a"], "accepted", found[0][0])
    ]
    assert rig.redis.llen("rq:queue:default") == 1


def test_a_follow_up_in_the_thread_asks_again_and_other_threads_are_not_ours(
    rig: ChatRig, sim: GitHubSimulator
) -> None:
    assert install(rig, sim, TEAM_A).status_code == 200
    rig.slack_event(TEAM_A, mention("ask acme/docs where are the docs?", ts="1.000001"))
    rig.owner.execute("UPDATE tasks SET status = 'succeeded', finished_at = now()")  # answered
    follow = {"type": "message", "user": "U2", "text": "and the examples?", "ts": "1.000005",
              "thread_ts": "1.000001", "channel": "C1", "channel_type": "channel"}  # fmt: skip
    elsewhere = {**follow, "thread_ts": "9.000001", "ts": "9.000002"}
    assert rig.slack_event(TEAM_A, follow).status_code == 200
    assert rig.slack_event(TEAM_A, elsewhere).status_code == 200
    subjects = [TaskSubject.decode(t[4]) for t in rig.tasks()]
    where = [(s.repository, s.instructions, s.reply_to and s.reply_to.thread) for s in subjects]
    assert where == [
        ("acme/docs", "where are the docs?", "1.000001"),
        ("acme/docs", "and the examples?", "1.000001"),  # the thread's repository
    ]
    assert [d[2:4] for d in rig.deliveries("slack")][-1] == (
        "ignored",
        "a thread message where nothing was asked",
    )
    assert rig.slack.messages == []  # the job answers; nothing was said on the request path


def test_a_slash_command_is_answered_at_once_and_the_job_answers_later(rig: ChatRig) -> None:
    rig.link("a", "slack", TEAM_A)
    answer = rig.slack_command("ask acme/widgets what is a widget?", team_id=TEAM_A, user_id="U7")
    assert answer.status_code == 200
    assert answer.json() == {
        "response_type": "ephemeral", "text": "On it: the answer comes in this channel."
    }  # fmt: skip
    (task,) = rig.tasks()
    asked = TaskSubject.decode(task[4])
    assert (task[2], asked.repository, asked.requested_by, asked.instructions) == (
        "chat_ask", "acme/widgets", "slack:U7", "what is a widget?"
    )  # fmt: skip
    assert asked.reply_to is not None
    assert (asked.reply_to.channel, asked.reply_to.thread) == ("C0", "")
    assert asked.trigger.startswith("chat:slack:command:")
    assert rig.slack.responses == []  # nothing posted on the request path


def test_work_needs_a_linked_user_and_then_names_them(rig: ChatRig) -> None:
    rig.link("a", "slack", TEAM_A)
    refused = rig.slack_command("code acme/widgets#12", team_id=TEAM_A, user_id="U9")
    assert refused.status_code == 200
    assert "/morningai link <code>" in refused.json()["text"]
    assert "dashboard's Chat page" in refused.json()["text"]
    assert rig.count("tasks") == 0
    assert rig.deliveries("slack")[-1][2:4] == ("ignored", "work asked by an unlinked user")
    linked = rig.slack_command(
        f"link {rig.code('a', 'user', 'slack')}", team_id=TEAM_A, user_id="U9"
    )
    assert linked.json()["text"] == "You are linked to @alice on GitHub."
    started = rig.slack_command("code acme/widgets#12", team_id=TEAM_A, user_id="U9")
    assert started.json()["text"] == "On it: the answer comes in this channel."
    (task,) = rig.tasks()
    work = TaskSubject.decode(task[4])
    assert (task[2], work.repository, work.number, work.requested_by) == (
        "code", "acme/widgets", 12, "alice"
    )  # fmt: skip
    assert work.reply_to is not None
    assert work.reply_to.platform == "slack"


def test_a_workspace_of_one_tenant_never_makes_a_task_for_another(rig: ChatRig) -> None:
    rig.link("a", "slack", TEAM_A)
    rig.link("b", "slack", TEAM_B)
    other = rig.slack_command("ask other/app how does it start?", team_id=TEAM_A)
    assert other.json()["text"].startswith("MorningAI does not serve other/app")
    assert "acme/widgets" in other.json()["text"]  # a few of its own, none of the other's
    assert rig.count("tasks") == 0
    rig.slack_command("ask other/app how does it start?", team_id=TEAM_B)
    second = rig.slack_command("ask other/app and where?", team_id=TEAM_B)
    assert second.json()["text"].startswith("On it")
    unnamed = rig.slack_command("ask how are widgets made?", team_id=TEAM_A)
    assert unnamed.json()["text"].startswith("Which repository?")
    # two questions about one repository at once are two tasks (0010: chat asks side by side)
    assert [(t[1], TaskSubject.decode(t[4]).repository) for t in rig.tasks()] == [
        (rig.world["tenant_b"], "other/app"),
        (rig.world["tenant_b"], "other/app"),
    ]
    rig.slack_command("ask how does it start?", team_id=TEAM_B)  # its only repository
    assert [(t[1], TaskSubject.decode(t[4]).repository) for t in rig.tasks()] == [
        (rig.world["tenant_b"], "other/app"),
    ] * 3


def test_an_unlinked_workspace_is_recorded_unattributed_and_told_how_to_link(
    rig: ChatRig,
) -> None:
    answer = rig.slack_command("ask acme/widgets how?", team_id="TNOBODY")
    assert "not linked to MorningAI yet" in answer.json()["text"]
    assert [d[1:3] for d in rig.deliveries("slack")] == [(None, "ignored")]
    assert rig.count("tasks") == 0


def test_a_malformed_body_after_a_valid_signature_is_a_400_recorded_as_rejected(
    rig: ChatRig,
) -> None:
    url = rig.url + "/api/slack/events"
    for body in (b"{not json", b"[1, 2]"):
        headers = {"Content-Type": "application/json", **rig.slack.signed_headers(body)}
        answer = rig.keep(httpx.post(url, content=body, headers=headers))
        assert answer.status_code == 400, answer.text
    # slack_sdk cannot check a body that is not UTF-8 (Slack sends none): refused, not a 500
    not_utf8 = b"\xff\xfe"
    headers = rig.slack.signed_headers(not_utf8)
    assert rig.keep(httpx.post(url, content=not_utf8, headers=headers)).status_code == 401
    bad_form = b"payload=%7Bnot"
    headers = rig.slack.signed_headers(bad_form)
    answer = rig.keep(httpx.post(rig.url + "/api/slack/interactions", content=bad_form,
                                 headers=headers))  # fmt: skip
    assert answer.status_code == 400
    assert [d[2] for d in rig.deliveries("slack")] == ["rejected"] * 3
    assert rig.count("tasks") == 0


def test_a_button_click_is_a_200(rig: ChatRig) -> None:
    rig.link("a", "slack", TEAM_A)
    url = rig.url + "/api/slack/interactions"
    answer = rig.keep(rig.slack.send_block_action(url, "open_task", team_id=TEAM_A))
    assert answer.status_code == 200
    assert [d[1:4] for d in rig.deliveries("slack")] == [
        (rig.world["tenant_a"], "ignored", "button clicked")
    ]


def test_help_in_a_mention_is_answered_in_the_thread_by_the_workspace_bot(
    rig: ChatRig, sim: GitHubSimulator
) -> None:
    assert install(rig, sim, TEAM_A).status_code == 200
    rig.slack_event(TEAM_A, mention("help", ts="5.000001", thread_ts="4.000001"))
    (said,) = rig.slack.messages
    assert (said.team_id, said.channel, said.thread_ts) == (TEAM_A, "C1", "4.000001")
    assert "/morningai ask [owner/repo] <question>" in said.text
    assert rig.count("tasks") == 0


def test_an_install_slack_refuses_or_the_admin_cancels_links_nothing(rig: ChatRig) -> None:
    code = rig.code("a", "workspace", "slack")
    state = code.replace("-", "")
    callback = "/api/slack/oauth/callback"
    cancelled = rig.keep(rig.web.http.get(callback, params={"error": "access_denied",
                                                             "state": state}))  # fmt: skip
    assert cancelled.status_code == 400
    forged = rig.keep(rig.web.http.get(callback, params={"code": "nope", "state": state}))
    assert forged.status_code == 502  # oauth.v2.access said invalid_code
    assert "Slack did not accept the install" in forged.text
    no_state = rig.keep(rig.web.http.get(callback, params={"code": "x", "state": "../etc"}))
    assert no_state.status_code == 400
    assert rig.count("chat_workspaces") == 0
    assert rig.web.http.get("/api/slack/install", params={"code": "short"}).status_code == 400
    # the code was never spent: the real return still links
    back = {"code": rig.slack.authorize(TEAM_A, rig.url + callback), "state": state}
    assert rig.keep(rig.web.http.get(callback, params=back)).status_code == 200
    assert rig.count("chat_workspaces") == 1
