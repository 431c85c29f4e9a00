"""Each chat platform's whole flow, end to end against its fake, with nothing made by hand: an
org admin signed in through GitHub links the workspace from the dashboard (Slack's OAuth
install; Discord's and Telegram's `link` command) and a person links their account; the admin
subscribes a channel; a signed question is answered at once and then, by the `chat_ask` job
run here, with the cited answer in the asker's thread; the linked person starts work on an
issue, which reports in the thread, in the subscribed channel and on GitHub. A second
installation's workspace on the same platform hears none of it, and no secret shows up in
anything the platforms were sent, anything the app answered them, anything written on GitHub
or any log line."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from redis import Redis

from chatfakes.slack import SlackMessage
from db.chat import EVENTS
from morningai.embedded import DatabaseUrls
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from tests.support.chat_e2e import E2E, FULL, NAME, ORG, PUBLIC_URL, QUESTION, Conn, e2e_world
from tests.support.faq import ask_reply
from tests.support.model import EDIT, PLAN
from tests.support.simulated import APP
from tests.support.tasks import drain

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_sessions", "clean_db")]
NOTIFY = ["task_started", "pr_opened"]


@pytest.fixture
def e2e(
    database: DatabaseUrls,
    redis_url: str,
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    redis: Redis,
    owner_conn: Conn,
    caplog: pytest.LogCaptureFixture,
) -> Iterator[E2E]:
    caplog.set_level(logging.DEBUG)
    with e2e_world(database, redis_url, sim, model, redis, owner_conn) as world:
        yield world
        world.assert_no_secrets(caplog)


def tasks_of(e2e: E2E, kind: str) -> list[tuple[Any, ...]]:
    """(id, status, pr_url) of the tasks of `kind`, oldest first."""
    return e2e.owner.execute(
        "SELECT id, status, pr_url FROM tasks WHERE kind = %s ORDER BY id", (kind,)
    ).fetchall()


def ask_and_answer(e2e: E2E) -> int:
    """The scripted model answers the question: the `chat_ask` task's id, succeeded."""
    e2e.model.expect_chat(ask_reply("app.py"), match=QUESTION)
    drain(e2e.redis)
    e2e.model.assert_done()
    [(task_id, status, _)] = tasks_of(e2e, "chat_ask")
    assert status == "succeeded"
    return int(task_id)


def work_done(e2e: E2E) -> tuple[int, str]:
    """The code task's plan and edit from the scripted model: its id and pull request URL."""
    e2e.model.expect_chat(PLAN)
    e2e.model.expect_chat(EDIT)
    drain(e2e.redis)
    e2e.model.assert_done()
    [(task_id, status, pr_url)] = tasks_of(e2e, "code")
    assert (status, bool(pr_url)) == ("succeeded", True)
    return int(task_id), str(pr_url)


def last_prompt(e2e: E2E) -> str:
    asked = [r for r in e2e.model.requests if r.path.endswith("/chat/completions")]
    return json.dumps(asked[-1].json, ensure_ascii=False)


def assert_cited(text: str, task_id: int) -> None:
    """The house-format answer: its title, the cited file and its real lines, the dashboard."""
    assert "How greeting works" in text
    assert "app.py" in text
    assert APP.splitlines()[0] in text
    assert "A greeting string." in text
    assert f"{PUBLIC_URL}/tasks/{task_id}" in text


def assert_pr_notice(text: str, pr_url: str) -> None:
    """The subscribed channel's "pull request opened": title, link, files changed and the
    verification result (issue 11's list)."""
    assert "Pull request opened: Greet people politely" in text
    assert pr_url in text
    assert "Files changed (1): " in text
    assert "app.py" in text[text.index("Files changed") :]
    assert "Verification: ✅ parse app.py" in text


def assert_on_github(e2e: E2E, pr_url: str) -> None:
    """The pull request, and the status comment kept from the same events as the chat."""
    [pull] = e2e.sim.pulls(ORG, NAME)
    assert pull["html_url"] == pr_url
    status = [
        c
        for c in e2e.sim.comments(ORG, NAME, e2e.world.number)
        if str(c["body"]).startswith("<!-- morningai:status")
    ]
    assert len(status) == 1
    assert "✅ Done" in status[0]["body"]


# -- Slack ------------------------------------------------------------------------------------

TEAM, OTHER_TEAM = "TACME", "TOTHER"


def slack_text(message: SlackMessage) -> str:
    return message.text + json.dumps(message.blocks, ensure_ascii=False)


def test_slack_install_link_notify_ask_and_work_end_to_end(e2e: E2E) -> None:
    w, slack = e2e.world, e2e.fakes.slack
    # link: Add to Slack with alice's workspace code; then alice links herself by command
    installed = e2e.slack_install("alice", w.acme, TEAM)
    assert installed.status_code == 302, installed.text
    assert installed.headers["location"] == f"{PUBLIC_URL}/chat"
    code = e2e.link_code("alice", w.acme, "user", "slack")
    linked = e2e.slack_command(f"link {code}", TEAM, "U-ALICE", "C-ASK")
    assert linked.json()["text"] == "You are linked to @alice on GitHub."
    # bob's installation has its own Slack workspace, listening to everything
    assert e2e.slack_install("bob", w.other, OTHER_TEAM).status_code == 302
    e2e.subscribe("bob", "slack", OTHER_TEAM, "C-OTHER", None, list(EVENTS))

    # notify: alice subscribes #news to acme/widgets
    saved = e2e.subscribe("alice", "slack", TEAM, "C-NEWS", FULL, NOTIFY)
    assert (saved["repository"], saved["events"]) == (FULL, NOTIFY)

    # ask: answered at once, ephemerally; the job answers in the channel
    asked = e2e.slack_command(f"ask {FULL} {QUESTION}", TEAM, "U-ALICE", "C-ASK")
    assert asked.json() == {
        "response_type": "ephemeral", "text": "On it: the answer comes in this channel."
    }  # fmt: skip
    assert slack.messages == []
    ask_id = ask_and_answer(e2e)
    [answer] = slack.messages
    assert (answer.team_id, answer.channel, answer.thread_ts) == (TEAM, "C-ASK", None)
    assert_cited(slack_text(answer), ask_id)
    # a follow-up in a thread opened on the answer: asked again, with the earlier exchange
    follow = {"type": "message", "user": "U-ALICE", "channel": "C-ASK",
              "channel_type": "channel", "text": "Can it greet twice?",
              "ts": "1800000000.000300", "thread_ts": answer.ts}  # fmt: skip
    e2e.model.expect_chat(ask_reply("app.py"), match="Can it greet twice")
    assert e2e.slack_event(TEAM, follow).status_code == 200
    drain(e2e.redis)
    e2e.model.assert_done()
    assert f"Earlier question: {QUESTION}" in last_prompt(e2e)
    [again] = slack.messages_in("C-ASK", answer.ts)
    assert "How greeting works" in slack_text(again)

    # start work: alice mentions the bot in a thread
    mention = {"type": "app_mention", "user": "U-ALICE", "channel": "C-WORK",
               "text": f"<@UBOT> code {FULL}#{w.number}", "ts": "1700000000.000500",
               "event_ts": "1700000000.000500"}  # fmt: skip
    assert e2e.slack_event(TEAM, mention).status_code == 200
    code_id, pr_url = work_done(e2e)
    in_thread = slack.messages_in("C-WORK", "1700000000.000500")
    posted = [m for m in in_thread if m.method == "chat.postMessage"]
    assert len(posted) == 2  # the status message at the start, the result at the end
    assert f"Working on {FULL}#{w.number}" in slack_text(posted[0])
    assert pr_url in slack_text(posted[1])
    assert f"{PUBLIC_URL}/tasks/{code_id}" in slack_text(posted[1])
    news = [slack_text(m) for m in slack.messages_in("C-NEWS")]
    assert len(news) == 2
    assert f"Started: code on {FULL}#{w.number}" in news[0]
    assert_pr_notice(news[1], pr_url)
    assert_on_github(e2e, pr_url)

    # the other installation's workspace heard none of it, and cannot ask about acme's code
    assert {m.team_id for m in slack.messages} == {TEAM}
    assert slack.messages_in("C-OTHER") == []
    refused = e2e.slack_command(f"ask {FULL} {QUESTION}", OTHER_TEAM, "U-BOB", "C-OTHER")
    assert refused.json()["text"].startswith(f"MorningAI does not serve {FULL} for this workspace")
    assert len(tasks_of(e2e, "chat_ask")) == 2  # alice's question and her follow-up


# -- Discord ----------------------------------------------------------------------------------

GUILD, OTHER_GUILD = "290926798626357001", "290926798626357002"
ALICE_ON_DISCORD = "80351110224678001"
# channels: where alice asks, where acme's news go, where bob's server listens
ASK, NEWS, OTHER_NEWS = "645027906669510001", "645027906669510002", "645027906669510003"


def discord_text(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False)


def test_discord_link_notify_ask_and_work_end_to_end(e2e: E2E) -> None:
    w, discord = e2e.world, e2e.fakes.discord
    for guild, channel in ((GUILD, ASK), (GUILD, NEWS), (OTHER_GUILD, OTHER_NEWS)):
        discord.add_channel(guild, channel)
    where = {"guild": GUILD, "user": ALICE_ON_DISCORD, "channel": ASK}
    # link: the server with alice's workspace code, then alice herself with a user code
    code = e2e.link_code("alice", w.acme, "workspace", "discord")
    _, linked = e2e.discord("link", {"code": code}, **where)
    assert linked.json()["type"] == 4  # a message in the response itself, seen by her only
    assert "now linked to MorningAI by @alice" in linked.json()["data"]["content"]
    code = e2e.link_code("alice", w.acme, "user", "discord")
    _, linked = e2e.discord("link", {"code": code}, **where)
    assert linked.json()["data"]["content"] == "You are linked to @alice on GitHub."
    code = e2e.link_code("bob", w.other, "workspace", "discord")
    _, other = e2e.discord("link", {"code": code}, guild=OTHER_GUILD, user="7", channel=OTHER_NEWS)
    assert "now linked" in other.json()["data"]["content"]
    e2e.subscribe("bob", "discord", OTHER_GUILD, OTHER_NEWS, None, list(EVENTS))

    # notify
    e2e.subscribe("alice", "discord", GUILD, NEWS, FULL, NOTIFY)

    # ask: deferred at once; the job's answer is the interaction's follow-up
    asked, deferred = e2e.discord("ask", {"question": QUESTION, "repo": FULL}, **where)
    assert deferred.json() == {"type": 5}
    ask_id = ask_and_answer(e2e)
    [answer] = discord.of_kind("follow-up")
    assert answer.target == asked["id"]
    assert_cited(discord_text(answer.body), ask_id)
    assert len(answer.body.get("content") or "") <= 2000
    assert len(answer.body["embeds"]) <= 10

    # start work: the interaction's follow-ups say it started and where the pull request is
    started, deferred = e2e.discord("code", {"issue": f"{FULL}#{w.number}"}, **where)
    assert deferred.json() == {"type": 5}
    code_id, pr_url = work_done(e2e)
    replies = [c for c in discord.of_kind("follow-up") if c.target == started["id"]]
    assert len(replies) == 2
    assert f"Working on {FULL}#{w.number}" in discord_text(replies[0].body)
    assert pr_url in discord_text(replies[1].body)
    assert f"{PUBLIC_URL}/tasks/{code_id}" in discord_text(replies[1].body)
    edits = [c for c in discord.of_kind("edit original") if c.target == started["id"]]
    assert edits  # the status message kept current, ending with the result
    assert "Pull request ready: Greet people politely" in discord_text(edits[-1].body)
    news = [discord_text(c.body) for c in discord.of_kind("channel message")]
    assert len(news) == 2
    assert f"Started: code on {FULL}#{w.number}" in news[0]
    assert_pr_notice(news[1], pr_url)
    assert {c.target for c in discord.of_kind("channel message")} == {NEWS}
    assert_on_github(e2e, pr_url)
    assert discord.refused == []


# -- Telegram ---------------------------------------------------------------------------------

GROUP, OTHER_GROUP = -1001000000001, -1001000000002
ALICE_ON_TELEGRAM = 4201


def test_telegram_link_notify_ask_and_work_end_to_end(e2e: E2E) -> None:
    w, telegram = e2e.world, e2e.fakes.telegram
    # link: `/link <code>` in the group, the workspace's code and then alice's own
    code = e2e.link_code("alice", w.acme, "workspace", "telegram")
    message_id, linked = e2e.telegram(f"/link {code}", chat=GROUP, user=ALICE_ON_TELEGRAM)
    said = linked.json()
    assert (said["method"], said["chat_id"]) == ("sendMessage", GROUP)
    assert said["reply_parameters"]["message_id"] == message_id
    assert "now linked to MorningAI by @alice" in said["text"]
    code = e2e.link_code("alice", w.acme, "user", "telegram")
    _, linked = e2e.telegram(f"/link {code}", chat=GROUP, user=ALICE_ON_TELEGRAM)
    assert linked.json()["text"] == "You are linked to @alice on GitHub."
    code = e2e.link_code("bob", w.other, "workspace", "telegram")
    _, other = e2e.telegram(f"/link {code}", chat=OTHER_GROUP, user=77)
    assert "now linked" in other.json()["text"]
    e2e.subscribe("bob", "telegram", str(OTHER_GROUP), str(OTHER_GROUP), None, list(EVENTS))

    # notify: the group itself hears acme/widgets' tasks
    e2e.subscribe("alice", "telegram", str(GROUP), str(GROUP), FULL, NOTIFY)

    # ask: the webhook's answer is an empty 200; the job replies to the question
    question_id, answer = e2e.telegram(
        f"/ask {FULL} {QUESTION}", chat=GROUP, user=ALICE_ON_TELEGRAM
    )
    assert (answer.status_code, answer.json()) == (200, {})
    ask_id = ask_and_answer(e2e)
    [reply] = telegram.sent_to(GROUP)
    assert reply.reply_to_message_id == question_id
    assert_cited(reply.text, ask_id)
    # a follow-up: `/ask` in reply to the answer carries the earlier exchange to the model
    e2e.model.expect_chat(ask_reply("app.py"), match="Can it greet twice")
    _, answer = e2e.telegram(
        "/ask Can it greet twice?", chat=GROUP, user=ALICE_ON_TELEGRAM, reply_to=reply.message_id
    )
    assert answer.json() == {}
    drain(e2e.redis)
    e2e.model.assert_done()
    assert f"Earlier question: {QUESTION}" in last_prompt(e2e)
    [_, again] = telegram.sent_to(GROUP)
    assert again.reply_to_message_id == reply.message_id  # on in the same conversation

    # start work: replies to the command, the group's notifications, GitHub
    work_id, answer = e2e.telegram(f"/code {FULL}#{w.number}", chat=GROUP, user=ALICE_ON_TELEGRAM)
    assert (answer.status_code, answer.json()) == (200, {})
    code_id, pr_url = work_done(e2e)
    thread = [m for m in telegram.sent_to(GROUP) if m.reply_to_message_id == work_id]
    posted = [m for m in thread if m.method == "sendMessage"]
    assert len(posted) == 2
    assert f"Working on {FULL}#{w.number}" in posted[0].plain
    assert pr_url in posted[1].text
    assert f"{PUBLIC_URL}/tasks/{code_id}" in posted[1].text
    news = [
        m.text  # HTML: the links are in it
        for m in telegram.sent_to(GROUP)
        if m.method == "sendMessage" and m.reply_to_message_id is None
    ]
    assert len(news) == 2
    assert f"Started: code on {FULL}#{w.number}" in news[0]
    assert_pr_notice(news[1], pr_url)
    assert_on_github(e2e, pr_url)
    assert telegram.sent_to(OTHER_GROUP) == []
    assert {m.chat_id for m in telegram.messages} == {GROUP}
