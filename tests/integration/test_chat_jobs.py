"""The chat jobs end to end: a `chat_ask` task (as web/chat creates it) answered by the FAQ
answer path against the scripted model and posted to Slack, Discord and Telegram over HTTP
(the chatfakes); follow-ups with their thread's earlier exchanges; a code task asked from a
thread reporting there; notifications to subscribed channels only, in the task's tenant only;
a platform's 429 retried by the runner; limits; and no secret in anything sent or logged."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from redis import Redis

from chat.discord.client import DiscordClient
from chatfakes.discord import DiscordFake
from chatfakes.slack import SlackFake, SlackMessage
from chatfakes.telegram import TelegramFake
from core.settings import Settings
from core.subject import ChatThread, TaskSubject
from db.pool import Database
from jobs.chat.sink import ChatSink
from jobs.runtime import context
from jobs.runtime.sinks import TaskEvent, TaskRef
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from tests.support.chat_jobs import (
    PUBLIC_URL,
    SIGNING_SECRET,
    WEBHOOK_SECRET,
    Fakes,
    chat_settings,
    chat_task,
    link_workspace,
    recorded_texts,
    secret_hits,
    subscribe,
    tenant_with_repo,
)
from tests.support.faq import ask_reply
from tests.support.model import EDIT, PLAN
from tests.support.simulated import APP, OWNER, REPO, status_comments
from tests.support.tasks import drain, events, run_due, scheduled_retry

Conn = psycopg.Connection[tuple[Any, ...]]
pytestmark = pytest.mark.usefixtures("clean_db")

FULL = f"{OWNER}/{REPO}"
QUESTION = "What does greet return?"


@pytest.fixture
def fakes() -> Iterator[Fakes]:
    with SlackFake() as slack, DiscordFake() as discord, TelegramFake() as telegram:
        yield Fakes(slack, discord, telegram)


@pytest.fixture
def chat(
    agent_settings: Settings, fakes: Fakes, redis: Redis, caplog: pytest.LogCaptureFixture
) -> Iterator[Settings]:
    """The worker's context with every chat platform pointed at its fake, installed here;
    every log record of the test kept for the secrets scan."""
    caplog.set_level(logging.DEBUG)
    settings = chat_settings(agent_settings, fakes)
    ctx = context.build(settings)
    context.install(ctx)
    yield settings
    ctx.close()


@pytest.fixture
def tenant(app_db: Database, repo: dict[str, Any]) -> tuple[int, int]:
    return tenant_with_repo(app_db, repo["installation"], FULL, repo["repo"].id)


def assert_no_secrets(
    fakes: Fakes, settings: Settings, caplog: pytest.LogCaptureFixture, *more: str
) -> None:
    """No bot token, signing secret, API key, webhook secret or installation token in any
    message the platforms were sent, or in any log line."""
    secrets = [
        fakes.discord.bot_token,
        fakes.telegram.bot_token,
        fakes.slack.client_secret,
        *fakes.slack.tokens,
        SIGNING_SECRET,
        WEBHOOK_SECRET,
        "sk-test-not-a-real-key",
        *more,
    ]
    key = settings.morningai_secret_key
    assert key is not None
    secrets.append(key.get_secret_value())
    logged = [r.getMessage() for r in caplog.records] + [caplog.text]
    assert caplog.records  # the scan read something
    assert secret_hits(recorded_texts(fakes), secrets) == []
    assert secret_hits(logged, secrets) == []


def slack_text(message: SlackMessage) -> str:
    return message.text + json.dumps(message.blocks, ensure_ascii=False)


def long_reply() -> str:
    """A cited answer far longer than any chat message (about 30,000 characters)."""
    reply = json.loads(ask_reply("app.py"))
    reply["sections"] = [
        {
            "heading": f"Part {n}",
            "body": f"Part {n} of a long explanation of `greet` in `app.py`. " * 40,
            "examples": [{"path": "app.py", "start_line": 1, "end_line": 2, "caption": "greet"}],
        }
        for n in range(1, 13)
    ]
    return json.dumps(reply)


# -- asks -------------------------------------------------------------------------------------


def test_an_ask_from_slack_is_answered_in_its_thread_in_the_house_format(
    chat: Settings,
    fakes: Fakes,
    sim: GitHubSimulator,
    repo: dict[str, Any],
    model: ScriptedModelServer,
    tenant: tuple[int, int],
    app_db: Database,
    redis: Redis,
    owner_conn: Conn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = fakes.slack.add_team("T1")
    workspace = link_workspace(app_db, chat, tenant[0], "slack", "T1", token)
    thread = ChatThread("slack", workspace, "C1", "1700000000.000100")
    model.expect_chat(ask_reply("app.py"), match=QUESTION)
    task_id = chat_task(
        app_db, redis, *tenant, kind="chat_ask", repository=FULL, thread=thread,
        instructions=QUESTION, requested_by="slack:U1",
    )  # fmt: skip
    drain(redis)
    model.assert_done()
    [(status, error)] = owner_conn.execute(
        "SELECT status, error FROM tasks WHERE id = %s", (task_id,)
    ).fetchall()
    assert (status, error) == ("succeeded", None)
    # one answer, in the asker's thread, nowhere else
    [answer] = fakes.slack.messages
    assert (answer.team_id, answer.channel, answer.thread_ts) == ("T1", "C1", "1700000000.000100")
    text = slack_text(answer)
    assert "How greeting works" in text  # the document's title
    assert APP.splitlines()[0] in text  # the cited code, the file's real lines
    assert "app.py" in text
    assert "A greeting string." in text  # the entries' answer
    assert f"{PUBLIC_URL}/tasks/{task_id}" in text  # the dashboard link
    kinds = [kind for kind, _, _ in events(owner_conn, task_id)]
    assert "answered" in kinds
    assert "chat_posted" in kinds
    assert sim.comments(OWNER, REPO, repo["number"]) == []  # no thread on GitHub: no comment
    assert sim.pulls(OWNER, REPO) == []
    assert_no_secrets(fakes, chat, caplog, token)


def test_a_discord_ask_is_a_follow_up_of_its_interaction_within_discords_limits(
    chat: Settings,
    fakes: Fakes,
    model: ScriptedModelServer,
    tenant: tuple[int, int],
    app_db: Database,
    redis: Redis,
    owner_conn: Conn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    workspace = link_workspace(app_db, chat, tenant[0], "discord", "G1")
    interaction = fakes.discord.command_payload("ask", {"question": QUESTION}, channel_id="C9")
    bot = DiscordClient(
        fakes.discord.application_id, fakes.discord.bot_token, base_url=fakes.discord.api_url
    )
    bot.defer(interaction["id"], interaction["token"])  # what the endpoint does within 3 s
    bot.close()
    thread = ChatThread("discord", workspace, "C9", "", reply_token=interaction["token"])
    model.expect_chat(long_reply(), match=QUESTION)
    task_id = chat_task(
        app_db, redis, *tenant, kind="chat_ask", repository=FULL, thread=thread,
        instructions=QUESTION, requested_by="discord:80351110224678912",
    )  # fmt: skip
    drain(redis)
    model.assert_done()
    [(status,)] = owner_conn.execute("SELECT status FROM tasks WHERE id = %s", (task_id,))
    assert status == "succeeded"
    # the answer went through the interaction's webhook, not as the bot into the channel
    [follow_up] = fakes.discord.of_kind("follow-up")
    assert follow_up.target == interaction["id"]
    assert fakes.discord.of_kind("channel message") == []
    assert fakes.discord.refused == []
    body = follow_up.body
    assert len(body.get("content") or "") <= 2000
    assert len(body["embeds"]) <= 10
    embeds_text = json.dumps(body["embeds"], ensure_ascii=False)
    assert sum(len(e.get("description", "")) for e in body["embeds"]) <= 6000
    assert "How greeting works" in embeds_text
    assert "rest is in the dashboard" in embeds_text  # cut, and said so
    assert f"{PUBLIC_URL}/tasks/{task_id}" in embeds_text
    assert_no_secrets(fakes, chat, caplog, interaction["token"])


def test_a_long_answer_in_telegram_is_split_within_4096_and_replies_to_the_question(
    chat: Settings,
    fakes: Fakes,
    model: ScriptedModelServer,
    tenant: tuple[int, int],
    app_db: Database,
    redis: Redis,
    owner_conn: Conn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    workspace = link_workspace(app_db, chat, tenant[0], "telegram", "-1001")
    thread = ChatThread("telegram", workspace, "-1001", "42")
    model.expect_chat(long_reply(), match=QUESTION)
    chat_task(
        app_db, redis, *tenant, kind="chat_ask", repository=FULL, thread=thread,
        instructions=QUESTION,
    )  # fmt: skip
    drain(redis)
    model.assert_done()
    sent = fakes.telegram.sent_to(-1001)
    assert len(sent) > 1  # split, not refused
    assert all(len(m.plain.encode("utf-16-le")) // 2 <= 4096 for m in sent)
    assert all(m.reply_to_message_id == 42 for m in sent)
    assert all(m.message_thread_id is None for m in sent)  # a reply, not a forum topic
    assert "How greeting works" in sent[0].plain
    assert "Part 12" in "".join(m.plain for m in sent) or "dashboard" in sent[-1].plain
    assert_no_secrets(fakes, chat, caplog)


def test_a_follow_up_carries_the_threads_earlier_question_and_answer(
    chat: Settings,
    fakes: Fakes,
    model: ScriptedModelServer,
    tenant: tuple[int, int],
    app_db: Database,
    redis: Redis,
) -> None:
    workspace = link_workspace(app_db, chat, tenant[0], "telegram", "-1001")
    first = ChatThread("telegram", workspace, "-1001", "42")
    model.expect_chat(ask_reply("app.py"), match=QUESTION)
    chat_task(
        app_db, redis, *tenant, kind="chat_ask", repository=FULL, thread=first,
        instructions=QUESTION,
    )  # fmt: skip
    drain(redis)
    [answer] = fakes.telegram.sent_to(-1001)
    # the asker replies to MorningAI's answer: that reply's thread is the answer's message
    follow_up = ChatThread("telegram", workspace, "-1001", str(answer.message_id))
    model.expect_chat(ask_reply("app.py"), match="Can it greet twice")
    chat_task(
        app_db, redis, *tenant, kind="chat_ask", repository=FULL, thread=follow_up,
        instructions="Can it greet twice?",
    )  # fmt: skip
    drain(redis)
    # a question elsewhere in the same chat starts its own conversation
    elsewhere = ChatThread("telegram", workspace, "-1001", "77")
    model.expect_chat(ask_reply("app.py"), match="Where is the config")
    chat_task(
        app_db, redis, *tenant, kind="chat_ask", repository=FULL, thread=elsewhere,
        instructions="Where is the config?",
    )  # fmt: skip
    drain(redis)
    model.assert_done()
    prompts = [
        json.dumps(r.json, ensure_ascii=False)
        for r in model.requests
        if r.path.endswith("/chat/completions")
    ]
    assert len(prompts) == 3
    assert "Earlier question" not in prompts[0]
    # the follow-up's prompt has the earlier exchange, inside the untrusted question fence
    fenced = prompts[1][prompts[1].index('<untrusted kind=\\"question\\">') :]
    fenced = fenced[: fenced.index("</untrusted>")]
    assert "Can it greet twice?" in fenced
    assert f"Earlier question: {QUESTION}" in fenced
    assert "How greeting works" in fenced  # the earlier answer
    assert "Earlier question" not in prompts[2]
    assert len(fakes.telegram.sent_to(-1001)) == 3


def test_a_429_from_slack_is_retried_after_its_retry_after_and_answered_once(
    chat: Settings,
    fakes: Fakes,
    model: ScriptedModelServer,
    tenant: tuple[int, int],
    app_db: Database,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    token = fakes.slack.add_team("T1")
    workspace = link_workspace(app_db, chat, tenant[0], "slack", "T1", token)
    thread = ChatThread("slack", workspace, "C1", "1700000000.000100")
    # longer than a client waits by itself (chat/retry.py's 30 s): the job must re-queue
    fakes.slack.rate_limit("chat.postMessage", times=1, retry_after=45)
    model.expect_chat(ask_reply("app.py"), match=QUESTION)
    task_id = chat_task(
        app_db, redis, *tenant, kind="chat_ask", repository=FULL, thread=thread,
        instructions=QUESTION,
    )  # fmt: skip
    drain(redis)
    assert fakes.slack.messages == []
    assert fakes.slack.calls == [("chat.postMessage", 429, "ratelimited")]
    waited = scheduled_retry(redis, owner_conn, task_id, 1)
    assert waited >= timedelta(seconds=45)
    [(_, message, _)] = [e for e in events(owner_conn, task_id) if e[0] == "retry"]
    assert "slack asked to wait 45 s" in message
    run_due(redis, now=True)
    model.assert_done()  # the recorded answer is posted: the model was asked once
    [(status, attempts)] = owner_conn.execute(
        "SELECT status, attempts FROM tasks WHERE id = %s", (task_id,)
    )
    assert (status, attempts) == ("succeeded", 2)
    [answer] = fakes.slack.messages
    assert "How greeting works" in slack_text(answer)


# -- work asked from a thread -----------------------------------------------------------------


def test_a_code_task_from_a_slack_thread_reports_its_start_and_pull_request_there(
    chat: Settings,
    fakes: Fakes,
    model: ScriptedModelServer,
    sim: GitHubSimulator,
    repo: dict[str, Any],
    tenant: tuple[int, int],
    app_db: Database,
    redis: Redis,
    owner_conn: Conn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = fakes.slack.add_team("T1")
    workspace = link_workspace(app_db, chat, tenant[0], "slack", "T1", token)
    thread = ChatThread("slack", workspace, "C1", "1700000000.000200")
    model.expect_chat(PLAN)
    model.expect_chat(EDIT)
    task_id = chat_task(
        app_db, redis, *tenant, kind="code", repository=FULL, thread=thread,
        number=repo["number"],
    )  # fmt: skip
    drain(redis)
    model.assert_done()
    [(status, pr_url)] = owner_conn.execute(
        "SELECT status, pr_url FROM tasks WHERE id = %s", (task_id,)
    )
    assert status == "succeeded"
    assert pr_url
    posted = [m for m in fakes.slack.messages if m.method == "chat.postMessage"]
    assert all(m.thread_ts == "1700000000.000200" for m in posted)
    assert len(posted) == 2  # the status message at the start, the result at the end
    start, end = posted
    assert f"Working on {FULL}#{repo['number']}" in slack_text(start)
    assert pr_url in slack_text(end)
    assert "Greet people politely" in slack_text(end)  # the pull request's title
    assert f"{PUBLIC_URL}/tasks/{task_id}" in slack_text(end)
    edits = [m for m in fakes.slack.messages if m.method == "chat.update"]
    assert edits
    assert all(m.ts == start.ts for m in edits)
    assert "Pull request ready" in slack_text(edits[-1])
    # the GitHub status comment is kept from the same events
    assert "✅ Done" in status_comments(sim, repo["number"])[0]["body"]
    assert_no_secrets(fakes, chat, caplog, token)


def test_a_reader_who_asks_for_work_from_a_thread_hears_why_nothing_started(
    chat: Settings,
    fakes: Fakes,
    model: ScriptedModelServer,
    sim: GitHubSimulator,
    repo: dict[str, Any],
    tenant: tuple[int, int],
    app_db: Database,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    sim.set_permission(OWNER, REPO, "mallory", "read")
    workspace = link_workspace(app_db, chat, tenant[0], "telegram", "-1001")
    thread = ChatThread("telegram", workspace, "-1001", "5")
    task_id = chat_task(
        app_db, redis, *tenant, kind="code", repository=FULL, thread=thread,
        number=repo["number"], requested_by="mallory",
    )  # fmt: skip
    drain(redis)
    assert model.requests == []
    [(status,)] = owner_conn.execute("SELECT status FROM tasks WHERE id = %s", (task_id,))
    assert status == "cancelled"
    sent = fakes.telegram.sent_to(-1001)
    assert [m.method for m in sent] == ["sendMessage", "editMessageText", "sendMessage"]
    assert "lacks write access" in sent[-1].plain
    assert all(m.reply_to_message_id == 5 for m in sent if m.method == "sendMessage")


# -- notifications ----------------------------------------------------------------------------


def test_a_failed_task_notifies_subscribed_channels_of_its_tenant_only(
    chat: Settings,
    fakes: Fakes,
    sim: GitHubSimulator,
    repo: dict[str, Any],
    tenant: tuple[int, int],
    app_db: Database,
    redis: Redis,
    owner_conn: Conn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tenant_id, repository_id = tenant
    token = fakes.slack.add_team("T1")
    slack = link_workspace(app_db, chat, tenant_id, "slack", "T1", token)
    subscribe(app_db, tenant_id, slack, "C-ALERTS", repository_id, ("task_started", "task_failed"))
    subscribe(app_db, tenant_id, slack, "C-PRS", None, ("pr_opened",))  # not failures
    telegram = link_workspace(app_db, chat, tenant_id, "telegram", "-2002")
    subscribe(app_db, tenant_id, telegram, "-2002", None, ("task_failed",))
    # another installation's workspace, subscribed to everything, hears nothing of this tenant
    other_installation = sim.add_installation("other-org")
    other_tenant, _ = tenant_with_repo(app_db, other_installation, "other-org/app", 999_001)
    other_token = fakes.slack.add_team("T2")
    other = link_workspace(app_db, chat, other_tenant, "slack", "T2", other_token)
    subscribe(app_db, other_tenant, other, "C-OTHER", None, ("task_started", "task_failed"))

    # a code task on an issue that does not exist: GitHub answers 404, the task fails
    task_id = chat_task(
        app_db, redis, tenant_id, repository_id, kind="code", repository=FULL,
        thread=ChatThread("slack", slack, "C-ASK", ""), number=repo["number"] + 100,
    )  # fmt: skip
    owner_conn.execute(
        "UPDATE tasks SET subject = subject - 'reply_to' WHERE id = %s", (task_id,)
    )  # notifications only: no thread to report in
    drain(redis)
    [(status, error)] = owner_conn.execute(
        "SELECT status, error FROM tasks WHERE id = %s", (task_id,)
    )
    assert status == "failed"
    alerts = fakes.slack.messages_in("C-ALERTS")
    assert [m.team_id for m in alerts] == ["T1", "T1"]
    started, failed = (slack_text(m) for m in alerts)
    assert f"Started: code on {FULL}#{repo['number'] + 100}" in started
    assert f"Failed: code on {FULL}#{repo['number'] + 100}" in failed
    assert "404" in failed
    assert f"{PUBLIC_URL}/tasks/{task_id}" in failed
    [heard] = fakes.telegram.sent_to(-2002)
    assert "Failed: code" in heard.plain
    assert fakes.slack.messages_in("C-PRS") == []
    assert fakes.slack.messages_in("C-OTHER") == []
    assert fakes.slack.messages_in("C-ASK") == []
    assert {m.channel for m in fakes.slack.messages} == {"C-ALERTS"}
    assert error is not None
    assert_no_secrets(fakes, chat, caplog, token, other_token)


def test_a_pull_request_opened_is_heard_once_by_its_subscribers(
    chat: Settings,
    fakes: Fakes,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    tenant: tuple[int, int],
    app_db: Database,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    tenant_id, repository_id = tenant
    workspace = link_workspace(app_db, chat, tenant_id, "discord", "G1")
    subscribe(app_db, tenant_id, workspace, "C-PRS", repository_id, ("pr_opened",))
    model.expect_chat(PLAN)
    model.expect_chat(EDIT)
    task_id = chat_task(
        app_db, redis, tenant_id, repository_id, kind="code", repository=FULL,
        thread=ChatThread("discord", workspace, "C-ASK", ""), number=repo["number"],
    )  # fmt: skip
    owner_conn.execute("UPDATE tasks SET subject = subject - 'reply_to' WHERE id = %s", (task_id,))
    drain(redis)
    [(pr_url,)] = owner_conn.execute("SELECT pr_url FROM tasks WHERE id = %s", (task_id,))
    [notice] = fakes.discord.of_kind("channel message")
    assert notice.target == "C-PRS"
    text = json.dumps(notice.body, ensure_ascii=False)
    assert "Pull request opened: Greet people politely" in text
    assert pr_url in text


def test_an_ask_that_cannot_be_answered_says_so_in_its_thread(
    chat: Settings,
    fakes: Fakes,
    model: ScriptedModelServer,
    tenant: tuple[int, int],
    app_db: Database,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    token = fakes.slack.add_team("T1")
    workspace = link_workspace(app_db, chat, tenant[0], "slack", "T1", token)
    thread = ChatThread("slack", workspace, "C1", "1700000000.000300")
    # nothing left of the question once its whitespace is gone: nothing to ask the model
    task_id = chat_task(
        app_db, redis, *tenant, kind="chat_ask", repository=FULL, thread=thread,
        instructions=" \n\t ",
    )  # fmt: skip
    drain(redis)
    assert model.requests == []
    [(status, error)] = owner_conn.execute(
        "SELECT status, error FROM tasks WHERE id = %s", (task_id,)
    )
    assert status == "failed"
    [said] = fakes.slack.messages_in("C1", "1700000000.000300")
    assert "I could not answer" in slack_text(said)
    assert "The question is empty." in slack_text(said)
    assert error == "the question is empty"


def test_progress_edits_the_status_message_at_most_every_five_seconds(
    chat: Settings,
    fakes: Fakes,
    repo: dict[str, Any],
    tenant: tuple[int, int],
    app_db: Database,
    redis: Redis,
) -> None:
    workspace = link_workspace(app_db, chat, tenant[0], "telegram", "-1001")
    thread = ChatThread("telegram", workspace, "-1001", "7")
    task_id = chat_task(
        app_db, redis, *tenant, kind="code", repository=FULL, thread=thread,
        number=repo["number"],
    )  # fmt: skip
    subject = TaskSubject(FULL, repo["number"], "alice", "chat:telegram:1", "", thread)
    ref = TaskRef(task_id, tenant[0], "trace", "code", subject)
    now = [100.0]
    sink = ChatSink(context.current(), clock=lambda: now[0])
    sink.emit(TaskEvent(ref, "started", "attempt 1 started"))
    for at, stage in ((101.0, "reading"), (103.0, "locating"), (106.0, "planning")):
        now[0] = at
        sink.emit(TaskEvent(ref, "progress", f"{stage} now", stage=stage))
    sink.emit(TaskEvent(ref, "progress", "quiet", quiet=True))
    now[0] = 107.0
    sink.emit(TaskEvent(ref, "failed", "the model server answered 500"))
    sink.close()
    sent = fakes.telegram.sent_to(-1001)
    assert [m.method for m in sent] == [
        "sendMessage",  # started
        "editMessageText",  # 6 s after the start: planning (reading, locating skipped)
        "editMessageText",  # the end, whatever the time
        "sendMessage",  # the end, as a new message
    ]
    assert "Planning" in sent[1].plain
    assert "reading now" not in " ".join(m.plain for m in sent)
    assert {m.message_id for m in sent[1:3]} == {sent[0].message_id}
    assert "I could not finish" in sent[3].plain
    assert "The model server answered 500." in sent[3].plain


def test_an_expired_discord_interaction_is_answered_in_the_channel_by_the_bot(
    chat: Settings,
    fakes: Fakes,
    model: ScriptedModelServer,
    tenant: tuple[int, int],
    app_db: Database,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    workspace = link_workspace(app_db, chat, tenant[0], "discord", "G1")
    interaction = fakes.discord.command_payload("ask", {"question": QUESTION}, channel_id="C9")
    bot = DiscordClient(
        fakes.discord.application_id, fakes.discord.bot_token, base_url=fakes.discord.api_url
    )
    bot.defer(interaction["id"], interaction["token"])
    bot.close()
    fakes.discord.age_interactions(16 * 60)  # the task waited past the token's 15 minutes
    thread = ChatThread("discord", workspace, "C9", "", reply_token=interaction["token"])
    model.expect_chat(ask_reply("app.py"), match=QUESTION)
    task_id = chat_task(
        app_db, redis, *tenant, kind="chat_ask", repository=FULL, thread=thread,
        instructions=QUESTION,
    )  # fmt: skip
    drain(redis)
    [(status,)] = owner_conn.execute("SELECT status FROM tasks WHERE id = %s", (task_id,))
    assert status == "succeeded"
    assert [operation for operation, _, _ in fakes.discord.refused] == ["follow-up"]
    [answer] = fakes.discord.of_kind("channel message")
    assert answer.target == "C9"
    assert "How greeting works" in json.dumps(answer.body, ensure_ascii=False)


def test_work_from_discord_edits_the_interactions_reply_and_a_retry_keeps_it(
    chat: Settings,
    fakes: Fakes,
    repo: dict[str, Any],
    tenant: tuple[int, int],
    app_db: Database,
    redis: Redis,
) -> None:
    workspace = link_workspace(app_db, chat, tenant[0], "discord", "G1")
    interaction = fakes.discord.command_payload("code", {"issue": f"{FULL}#1"}, channel_id="C9")
    bot = DiscordClient(
        fakes.discord.application_id, fakes.discord.bot_token, base_url=fakes.discord.api_url
    )
    bot.defer(interaction["id"], interaction["token"])
    bot.close()
    thread = ChatThread("discord", workspace, "C9", "", reply_token=interaction["token"])
    task_id = chat_task(
        app_db, redis, *tenant, kind="code", repository=FULL, thread=thread,
        number=repo["number"],
    )  # fmt: skip
    subject = TaskSubject(FULL, repo["number"], "alice", "chat:discord:1", "", thread)
    ref = TaskRef(task_id, tenant[0], "trace", "code", subject)
    now = [0.0]
    first = ChatSink(context.current(), clock=lambda: now[0])
    first.emit(TaskEvent(ref, "started", "attempt 1 started"))
    first.emit(TaskEvent(ref, "retrying", "GitHub answered 502; trying again in 5 s"))
    first.close()
    # the next attempt runs in another work-horse: a new sink, the same message
    second = ChatSink(context.current(), clock=lambda: now[0])
    second.emit(TaskEvent(ref, "started", "attempt 2 started"))
    now[0] = 10.0
    second.emit(TaskEvent(ref, "progress", "", stage="editing"))
    second.emit(TaskEvent(ref, "succeeded", "nothing to change"))
    second.close()
    kinds = [c.kind for c in fakes.discord.calls if c.kind != "callback"]
    assert kinds == [
        "follow-up",  # started: takes the deferred reply's place
        "edit original",  # paused
        "edit original",  # working on it again
        "edit original",  # editing
        "edit original",  # done
        "follow-up",  # the end, as a new message
    ]
    assert all(c.target == interaction["id"] for c in fakes.discord.calls)
    bodies = [json.dumps(c.body, ensure_ascii=False) for c in fakes.discord.calls[1:]]
    assert "Paused: GitHub answered 502" in bodies[1]
    assert "Working on it again." in bodies[2]
    assert "Editing" in bodies[3]
    assert "Nothing to change." in bodies[5]
    assert fakes.discord.of_kind("channel message") == []


def test_a_faq_pull_request_is_announced_once_to_its_subscribers(
    chat: Settings,
    fakes: Fakes,
    tenant: tuple[int, int],
    app_db: Database,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    tenant_id, repository_id = tenant
    workspace = link_workspace(app_db, chat, tenant_id, "telegram", "-3003")
    subscribe(app_db, tenant_id, workspace, "-3003", None, ("faq_pr_opened",))
    subject = TaskSubject(FULL, 0, "alice", "cli")
    url = f"https://github.example/{FULL}/pull/77"
    [(task_id,)] = owner_conn.execute(
        "INSERT INTO tasks (tenant_id, repository_id, kind, queue, subject, trace_id, pr_url)"
        " VALUES (%s, %s, 'faq_history', 'low', %s, 'trace-faq', %s) RETURNING id",
        (tenant_id, repository_id, json.dumps(subject.encode()), url),
    )
    ref = TaskRef(task_id, tenant_id, "trace-faq", "faq_history", subject)
    for _ in range(2):  # a second run of the sink (a redelivered end) says nothing new
        sink = ChatSink(context.current())
        sink.emit(TaskEvent(ref, "started", "attempt 1 started"))  # not subscribed to starts
        sink.emit(TaskEvent(ref, "succeeded", "opened #77"))
        sink.close()
    [notice] = fakes.telegram.sent_to(-3003)
    assert "FAQ pull request opened" in notice.plain
    assert url in notice.text
    assert f"{PUBLIC_URL}/tasks/{task_id}" in notice.text
