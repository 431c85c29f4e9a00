"""The chat clients against the platform fakes over real HTTP: messages recorded as sent,
429s honoured then succeeded, limits enforced by the fakes and kept by the renderers, and no
token in any error, repr or log line. Also the fakes' signed inbound requests, checked by
the product's own verifiers on a tiny receiving app."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from flask import Flask, Response, request

from chat.commands import Ask, Code, Link, RepoRef
from chat.discord import embeds
from chat.discord import signature as discord_signature
from chat.discord.client import DiscordClient
from chat.discord.interactions import COMMANDS, PONG, DiscordCommand, parse_interaction
from chat.errors import ChatApiError, RateLimited
from chat.message import ChatMessage, LinkField
from chat.outbound import ChatOut, Conversation, DiscordOut, SlackOut, TelegramOut
from chat.slack import blocks
from chat.slack import signature as slack_signature
from chat.slack.client import SlackClient, oauth_access, post_response
from chat.slack.events import (
    SlackAction,
    SlackMessageEvent,
    SlashCommand,
    parse_event_body,
    parse_interactivity,
    parse_slash_command,
)
from chat.telegram import html
from chat.telegram import secret as telegram_secret
from chat.telegram.client import TelegramClient
from chat.telegram.updates import TelegramCommand, parse_update
from chatfakes import DiscordFake, SlackFake, TelegramFake
from tests.fakes.http import serve_wsgi

pytestmark = pytest.mark.integration

ANSWER = ChatMessage(
    title="How does retry work? <!channel>",
    text="It waits **Retry-After** & tries again.\n\nSee [retry.py](https://github.com/o/r/blob/main/retry.py).",
    fields=(LinkField("Pull request #7", "https://github.com/o/r/pull/7"),),
    dashboard_url="https://morningai.example/tasks/42",
)


class _Sleeps(list[float]):
    """An injected sleep that records, and the clock it advances (for the pacing)."""

    now = 1000.0

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackFake]:
    with SlackFake() as fake:
        yield fake


@pytest.fixture(scope="module")
def discord() -> Iterator[DiscordFake]:
    with DiscordFake() as fake:
        yield fake


@pytest.fixture(scope="module")
def telegram() -> Iterator[TelegramFake]:
    with TelegramFake() as fake:
        yield fake


# Slack ---------------------------------------------------------------------------------------


def test_slack_post_and_update_in_a_thread(slack: SlackFake) -> None:
    token = slack.add_team("T1")
    client = SlackClient(token, base_url=slack.api_url)
    ts = client.post_message("C1", blocks.render(ANSWER), thread_ts="1700000000.000100")
    client.update_message("C1", ts, blocks.render(ChatMessage("Done", "All good.")))
    posted, updated = slack.messages_in("C1")[-2:]
    assert (posted.method, posted.team_id, posted.thread_ts, posted.ts) == (
        "chat.postMessage",
        "T1",
        "1700000000.000100",
        ts,
    )
    assert posted.blocks == blocks.render(ANSWER)["blocks"]
    assert "&lt;!channel&gt;" in posted.text
    assert (updated.method, updated.ts, updated.blocks[0]["text"]["text"]) == (
        "chat.update",
        ts,
        "Done",
    )


def test_slack_base_url_without_its_trailing_slash_still_reaches_the_api(
    slack: SlackFake,
) -> None:
    """SLACK_API_URL as people write it (`https://slack.com/api`, no slash): slack_sdk's client
    adds the slash its URL joining needs (a guard for its upgrades)."""
    token = slack.add_team("T-NO-SLASH")
    client = SlackClient(token, base_url=slack.api_url.rstrip("/"))
    ts = client.post_message("C-NO-SLASH", blocks.render(ANSWER))
    assert [m.ts for m in slack.messages_in("C-NO-SLASH")] == [ts]


def test_slack_unknown_token_is_refused_without_showing_it(slack: SlackFake) -> None:
    client = SlackClient("xoxb-0-notatoken", base_url=slack.api_url)
    with pytest.raises(ChatApiError) as raised:
        client.post_message("C1", blocks.render(ANSWER))
    assert raised.value.code == "invalid_auth"
    assert "xoxb-0-notatoken" not in str(raised.value) + repr(raised.value) + repr(client)
    assert raised.value.__context__ is None
    assert raised.value.__cause__ is None


def test_slack_429_retry_after_honoured_then_sent(slack: SlackFake) -> None:
    token = slack.add_team("T2")
    slept = _Sleeps()
    slack.rate_limit("chat.postMessage", times=2, retry_after=1)
    SlackClient(token, base_url=slack.api_url, sleep=slept).post_message(
        "C2", blocks.render(ANSWER)
    )
    assert slept == [1.0, 1.0]
    assert [s for m, s, _ in slack.calls if m == "chat.postMessage"][-3:] == [429, 429, 200]
    assert len(slack.messages_in("C2")) == 1


def test_slack_429_past_the_cap_is_rate_limited_with_the_wait(slack: SlackFake) -> None:
    token = slack.add_team("T3")
    slack.rate_limit("chat.postMessage", times=1, retry_after=45)
    with pytest.raises(RateLimited) as raised:
        SlackClient(token, base_url=slack.api_url, sleep=_Sleeps()).post_message(
            "C3", blocks.render(ANSWER)
        )
    assert raised.value.retry_after == 45
    assert slack.messages_in("C3") == []


def test_slack_fake_enforces_block_kit_limits(slack: SlackFake) -> None:
    token = slack.add_team("T4")
    too_many = {
        "text": "x",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}] * 51,
    }
    with pytest.raises(ChatApiError, match="invalid_blocks"):
        SlackClient(token, base_url=slack.api_url).post_message("C4", too_many)
    huge = ChatMessage("t" * 400, "\n\n".join(["p & <x> " * 500] * 80))
    SlackClient(token, base_url=slack.api_url).post_message("C4", blocks.render(huge))
    assert len(slack.messages_in("C4")) == 1


def test_slack_oauth_v2_exchanges_a_code_once_per_team(slack: SlackFake) -> None:
    code = slack.authorize("T9", redirect_uri="https://app.example/api/slack/oauth/callback")
    install = oauth_access(
        slack.client_id,
        slack.client_secret,
        code,
        "https://app.example/api/slack/oauth/callback",
        base_url=slack.api_url,
    )
    assert install.team_id == "T9"
    assert install.bot_token.startswith("xoxb-")
    assert slack.tokens[install.bot_token] == "T9"
    assert install.bot_token not in repr(install)
    SlackClient(install.bot_token, base_url=slack.api_url).post_message("C9", blocks.render(ANSWER))
    assert slack.messages_in("C9")[0].team_id == "T9"
    with pytest.raises(ChatApiError, match="invalid_code") as raised:  # single use
        oauth_access(
            slack.client_id,
            slack.client_secret,
            code,
            "https://app.example/api/slack/oauth/callback",
            base_url=slack.api_url,
        )
    assert slack.client_secret not in str(raised.value)
    with pytest.raises(ChatApiError, match="invalid_client_id"):
        oauth_access(slack.client_id, "wrong", slack.authorize("T9"), "", base_url=slack.api_url)


def test_slack_response_url_posts_and_honours_429(slack: SlackFake) -> None:
    url = slack.response_url("T1")
    slept = _Sleeps()
    slack.rate_limit("response_url", times=1, retry_after=2)
    post_response(url, blocks.render(ANSWER), hooks_url=slack.hooks_url, sleep=slept)
    assert slept == [2.0]
    assert slack.responses[-1].body["response_type"] == "in_channel"
    assert slack.responses[-1].body["blocks"] == blocks.render(ANSWER)["blocks"]


def test_slack_secrets_in_no_log_line(slack: SlackFake, caplog: pytest.LogCaptureFixture) -> None:
    url = slack.response_url("T1")
    code = slack.authorize("T5")
    with caplog.at_level(logging.DEBUG):
        install = oauth_access(
            slack.client_id, slack.client_secret, code, "", base_url=slack.api_url
        )
        SlackClient(install.bot_token, base_url=slack.api_url).post_message(
            "C5", blocks.render(ANSWER)
        )
        post_response(url, blocks.render(ANSWER), hooks_url=slack.hooks_url)
    assert "Sending a request" in caplog.text  # slack_sdk logged its requests…
    for secret in (install.bot_token, slack.client_secret, url.rsplit("/", 1)[1]):
        assert secret not in caplog.text  # …without a credential


def test_slack_messages_in_a_channel_are_paced(slack: SlackFake) -> None:
    slept = _Sleeps()
    client = SlackClient(
        slack.add_team("T6"), base_url=slack.api_url, sleep=slept, clock=slept.clock
    )
    for _ in range(3):
        client.post_message("C6", blocks.render(ANSWER))
    client.post_message("C7", blocks.render(ANSWER))  # another channel: no wait
    assert slept == [1.0, 1.0]


def test_slack_response_url_works_five_times(slack: SlackFake) -> None:
    url = slack.response_url("T1")
    for _ in range(5):
        post_response(url, blocks.render(ANSWER), hooks_url=slack.hooks_url)
    with pytest.raises(ChatApiError) as raised:
        post_response(url, blocks.render(ANSWER), hooks_url=slack.hooks_url)
    assert raised.value.status == 404
    assert url.rsplit("/", 1)[1] not in str(raised.value)


def test_slack_response_url_elsewhere_is_refused(slack: SlackFake) -> None:
    with pytest.raises(ValueError, match="not Slack's"):
        post_response(
            "http://169.254.169.254/latest", blocks.render(ANSWER), hooks_url=slack.hooks_url
        )
    with pytest.raises(ValueError, match="not Slack's"):
        post_response(
            slack.hooks_url.rstrip("/") + ".evil.example/x", {}, hooks_url=slack.hooks_url
        )


# Discord -------------------------------------------------------------------------------------


def _client(
    fake: DiscordFake, sleep: _Sleeps | None = None, token: str | None = None
) -> DiscordClient:
    return DiscordClient(
        fake.application_id,
        token or fake.bot_token,
        base_url=fake.api_url,
        sleep=sleep if sleep is not None else _Sleeps(),
    )


def test_discord_defer_then_follow_up_and_edit(discord: DiscordFake) -> None:
    payload = discord.command_payload("ask", {"question": "how?"})
    client = _client(discord)
    client.defer(payload["id"], payload["token"])
    client.edit_original(payload["token"], embeds.render(ANSWER))
    message_id = client.follow_up(payload["token"], embeds.text_message("@everyone more"))
    assert message_id
    assert [c.body for c in discord.of_kind("callback") if c.target == payload["id"]] == [
        {"type": 5}
    ]
    (edit,) = [c for c in discord.of_kind("edit original") if c.target == payload["id"]]
    assert edit.body["allowed_mentions"] == {"parse": []}
    assert edit.body["embeds"][0]["title"].startswith("How does retry work?")
    (follow_up,) = [c for c in discord.of_kind("follow-up") if c.target == payload["id"]]
    assert "@everyone" not in follow_up.body["content"]


def test_discord_second_acknowledgement_and_unknown_tokens_fail_without_the_token(
    discord: DiscordFake,
) -> None:
    payload = discord.command_payload("ask", {"question": "how?"})
    client = _client(discord)
    client.defer(payload["id"], payload["token"])
    with pytest.raises(ChatApiError, match="40060") as twice:
        client.defer(payload["id"], payload["token"])
    with pytest.raises(ChatApiError, match="50027") as unknown:
        client.follow_up("not-a-live-token-" + payload["token"][:5], embeds.render(ANSWER))
    for error in (twice.value, unknown.value):
        assert payload["token"] not in str(error) + repr(error)
        assert error.__context__ is None


def test_discord_interactions_expire(discord: DiscordFake) -> None:
    late = discord.command_payload("ask", {"question": "how?"})
    discord.age_interactions(3.5)  # past the 3 s to answer
    with pytest.raises(ChatApiError, match="10062"):
        _client(discord).defer(late["id"], late["token"])
    payload = discord.command_payload("ask", {"question": "how?"})
    _client(discord).defer(payload["id"], payload["token"])
    discord.age_interactions(14 * 60)
    _client(discord).follow_up(payload["token"], embeds.text_message("still in time"))
    discord.age_interactions(2 * 60)  # 16 minutes: the token is dead
    with pytest.raises(ChatApiError, match="50027") as raised:
        _client(discord).follow_up(payload["token"], embeds.text_message("too late"))
    assert payload["token"] not in str(raised.value)


def test_discord_bot_token_checked_for_channel_messages_and_commands(discord: DiscordFake) -> None:
    message_id = _client(discord).post_channel_message("123", embeds.render(ANSWER))
    assert discord.of_kind("channel message")[-1].target == "123"
    assert message_id
    wrong = _client(discord, token="wrong.bot.token")
    with pytest.raises(ChatApiError) as raised:
        wrong.post_channel_message("123", embeds.render(ANSWER))
    assert raised.value.status == 401
    assert "wrong.bot.token" not in str(raised.value) + repr(wrong)
    assert discord.bot_token not in repr(_client(discord))


def test_discord_register_commands_bulk_overwrites(discord: DiscordFake) -> None:
    stored = _client(discord).register_commands()
    assert [c["name"] for c in stored] == ["morningai"]
    assert discord.commands[0]["options"] == COMMANDS[0]["options"]
    _client(discord).register_commands()
    assert len(discord.commands) == 1  # overwritten, not appended


def test_discord_429_retry_after_float_honoured(discord: DiscordFake) -> None:
    slept = _Sleeps()
    discord.rate_limit("channel message", times=2, retry_after=0.375)
    _client(discord, slept).post_channel_message("777", embeds.render(ANSWER))
    assert slept == [0.375, 0.375]
    assert [c.target for c in discord.of_kind("channel message")].count("777") == 1


def test_discord_exhausted_bucket_waits_before_the_next_call(discord: DiscordFake) -> None:
    slept = _Sleeps()
    client = _client(discord, slept)
    discord.exhaust_bucket(2.5)
    client.post_channel_message("888", embeds.render(ANSWER))
    client.post_channel_message("888", embeds.render(ANSWER))
    assert len(slept) == 1
    assert 2.0 < slept[0] <= 2.5


def test_discord_429_past_the_cap(discord: DiscordFake) -> None:
    discord.rate_limit("channel message", times=1, retry_after=60.0)
    with pytest.raises(RateLimited) as raised:
        _client(discord).post_channel_message("999", embeds.render(ANSWER))
    assert raised.value.retry_after == 60.0


def test_discord_fake_enforces_message_limits_and_renderer_keeps_them(discord: DiscordFake) -> None:
    client = _client(discord)
    with pytest.raises(ChatApiError, match="50035") as too_long:
        client.post_channel_message("1", {"content": "x" * 2001})
    assert too_long.value.status == 400
    with pytest.raises(ChatApiError, match="50035"):
        client.post_channel_message("1", {"embeds": [{"description": "x"}] * 11})
    huge = ChatMessage(
        "T" * 300, "\n\n".join(["paragraph @everyone " * 200] * 30), ANSWER.fields * 30
    )
    client.post_channel_message("2", embeds.render(huge))
    assert discord.of_kind("channel message")[-1].target == "2"


# Telegram ------------------------------------------------------------------------------------


def test_telegram_get_me_send_and_edit(telegram: TelegramFake) -> None:
    client = TelegramClient(telegram.bot_token, base_url=telegram.api_url)
    assert client.get_me().username == "MorningAIBot"
    ids = client.send_messages(
        1001, html.render(ANSWER), reply_to_message_id=5, message_thread_id=None
    )
    client.edit_message_text(1001, ids[0], "<b>edited</b> &amp; done")
    sent, edited = telegram.sent_to(1001)[-2:]
    assert sent.parse_mode == "HTML"
    assert sent.reply_to_message_id == 5
    assert "How does retry work? <!channel>" in sent.plain  # shown as text, never as markup
    assert (edited.method, edited.message_id, edited.plain) == (
        "editMessageText",
        ids[0],
        "edited & done",
    )


def test_telegram_long_answer_is_sent_as_several_messages(telegram: TelegramFake) -> None:
    long = ChatMessage(
        "Answer", "\n\n".join(f"Part {i}: " + "text & <more> " * 150 for i in range(20))
    )
    slept = _Sleeps()
    client = TelegramClient(
        telegram.bot_token, base_url=telegram.api_url, sleep=slept, clock=slept.clock
    )
    ids = client.send_messages(2002, html.render(long))
    assert len(ids) > 1
    # about one message a second in a chat
    assert slept == [1.0] * (len(ids) - 1)
    assert [m.message_id for m in telegram.sent_to(2002)] == ids
    assert all(len(m.plain) <= 4096 for m in telegram.sent_to(2002))


def test_telegram_fake_refuses_too_long_and_broken_html(telegram: TelegramFake) -> None:
    client = TelegramClient(telegram.bot_token, base_url=telegram.api_url, sleep=_Sleeps())
    with pytest.raises(ChatApiError, match="message is too long") as raised:
        client.send_message(1, "x" * 4097)
    assert raised.value.status == 400
    client.send_message(1, "&amp;" * 4096)  # 4,096 characters after entity parsing: accepted
    with pytest.raises(ChatApiError, match="can't parse entities"):
        client.send_message(1, "<b>a < b</b>")


def test_telegram_unknown_token_is_401_and_never_shown(
    telegram: TelegramFake, caplog: pytest.LogCaptureFixture
) -> None:
    token = telegram.bot_token[:-3] + "xyz"
    client = TelegramClient(token, base_url=telegram.api_url)
    with caplog.at_level(logging.DEBUG), pytest.raises(ChatApiError) as raised:
        client.send_message(1, "hello")
    assert raised.value.status == 401
    assert raised.value.__context__ is None
    assert raised.value.__cause__ is None
    shown = str(raised.value) + repr(raised.value) + repr(client) + caplog.text
    assert token not in shown
    assert token.split(":")[1] not in shown


def test_telegram_token_in_no_log_line_on_success(
    telegram: TelegramFake, caplog: pytest.LogCaptureFixture
) -> None:
    client = TelegramClient(telegram.bot_token, base_url=telegram.api_url)
    with caplog.at_level(logging.DEBUG):
        client.send_message(1, "hello")
    assert "sendMessage" in caplog.text  # httpx logged the request…
    assert telegram.bot_token.split(":")[1] not in caplog.text  # …without the token


def test_telegram_unreachable_api_error_has_no_url() -> None:
    client = TelegramClient("123:SECRETSECRET", base_url="http://127.0.0.1:9")
    with pytest.raises(ChatApiError, match="transport error") as raised:
        client.get_me()
    assert "SECRETSECRET" not in str(raised.value) + repr(raised.value)
    assert raised.value.__context__ is None


def test_telegram_429_parameters_retry_after_honoured(telegram: TelegramFake) -> None:
    slept = _Sleeps()
    telegram.rate_limit("sendMessage", times=1, retry_after=3)
    TelegramClient(telegram.bot_token, base_url=telegram.api_url, sleep=slept).send_message(
        3003, "hi"
    )
    assert slept == [3.0]
    assert [s for m, s in telegram.calls if m == "sendMessage"][-2:] == [429, 200]
    telegram.rate_limit("sendMessage", times=1, retry_after=31)
    with pytest.raises(RateLimited) as raised:
        TelegramClient(telegram.bot_token, base_url=telegram.api_url, sleep=slept).send_message(
            3003, "hi"
        )
    assert raised.value.retry_after == 31


def test_telegram_set_webhook_stores_url_and_secret(telegram: TelegramFake) -> None:
    client = TelegramClient(telegram.bot_token, base_url=telegram.api_url)
    client.set_webhook("https://app.example/api/telegram/webhook", "s3cret_TOKEN-1")
    assert (telegram.webhook_url, telegram.webhook_secret) == (
        "https://app.example/api/telegram/webhook",
        "s3cret_TOKEN-1",
    )
    with pytest.raises(ValueError, match="secret_token"):
        client.set_webhook("https://app.example/x", "not allowed!")


# one interface over the three ------------------------------------------------------------------


def test_one_message_through_each_platform(
    slack: SlackFake, discord: DiscordFake, telegram: TelegramFake
) -> None:
    slept = _Sleeps()
    outs: list[tuple[ChatOut, Conversation]] = [
        (
            SlackOut(SlackClient(slack.add_team("T8"), base_url=slack.api_url)),
            Conversation("C8", "9.1"),
        ),
        (DiscordOut(_client(discord)), Conversation("4242")),
        (
            TelegramOut(
                TelegramClient(
                    telegram.bot_token, base_url=telegram.api_url, sleep=slept, clock=slept.clock
                )
            ),
            Conversation("-4242", "17"),
        ),
    ]
    long = ChatMessage(
        ANSWER.title, "\n\n".join([ANSWER.text] * 120), ANSWER.fields, ANSWER.dashboard_url
    )
    ids = {out.platform: out.send(where, long) for out, where in outs}
    assert ids["slack"] == [slack.messages_in("C8", "9.1")[-1].ts]
    assert len(ids["discord"]) == 1
    assert ids["discord"][0].isdigit()
    assert discord.of_kind("channel message")[-1].target == "4242"
    sent = telegram.sent_to(-4242)
    assert len(ids["telegram"]) == len(sent) > 1
    # a reply chain (ChatThread.thread is the message replied to), not a forum topic
    assert {(m.reply_to_message_id, m.message_thread_id) for m in sent} == {(17, None)}


# inbound: the fakes' signed requests, checked by the product's verifiers ----------------------


def _receiver(slack: SlackFake, discord: DiscordFake, telegram: TelegramFake) -> Flask:
    """A stand-in for the endpoints the wiring will add: verify, parse, answer."""
    app = Flask("receiver")
    key = discord_signature.public_key(discord.public_key_hex)
    seen: list[Any] = []
    app.extensions["seen"] = seen

    @app.post("/slack/events")
    def slack_events() -> Response | dict[str, Any]:
        verdict = slack_signature.verify(
            slack.signing_secret, request.get_data(), dict(request.headers)
        )
        if not verdict:
            return Response(verdict.reason, 401)
        found = parse_event_body(request.get_data())
        seen.append(found)
        return {"challenge": getattr(found, "challenge", "")}

    @app.post("/slack/commands")
    def slack_commands() -> Response | dict[str, Any]:
        verdict = slack_signature.verify(
            slack.signing_secret, request.get_data(), dict(request.headers)
        )
        if not verdict:
            return Response(verdict.reason, 401)
        seen.append(parse_slash_command(request.get_data()))
        return {"response_type": "ephemeral", "text": "On it"}

    @app.post("/slack/interactions")
    def slack_interactions() -> Response | dict[str, Any]:
        verdict = slack_signature.verify(
            slack.signing_secret, request.get_data(), dict(request.headers)
        )
        if not verdict:
            return Response(verdict.reason, 401)
        seen.append(parse_interactivity(request.get_data()))
        return {}

    @app.post("/discord")
    def discord_interactions() -> Response | dict[str, Any]:
        verdict = discord_signature.verify(key, request.get_data(), dict(request.headers))
        if not verdict:
            return Response(verdict.reason, 401)
        found = parse_interaction(request.get_data())
        seen.append(found)
        return PONG if not isinstance(found, DiscordCommand) else {"type": 5}

    @app.post("/telegram")
    def telegram_webhook() -> Response | dict[str, Any]:
        verdict = telegram_secret.verify("s3cret_TOKEN-1", dict(request.headers))
        if not verdict:
            return Response(verdict.reason, 401)
        seen.append(parse_update(request.get_data(), telegram.bot_username))
        return {}

    return app


@pytest.fixture
def receiver(
    slack: SlackFake, discord: DiscordFake, telegram: TelegramFake
) -> Iterator[tuple[str, list[Any]]]:
    app = _receiver(slack, discord, telegram)
    with serve_wsgi(app) as url:
        yield url, app.extensions["seen"]


def test_slack_signed_events_and_commands_reach_the_app(
    slack: SlackFake, receiver: tuple[str, list[Any]]
) -> None:
    url, seen = receiver
    challenge = slack.send_event(
        url + "/slack/events", {"type": "url_verification", "challenge": "abc123"}
    )
    assert challenge.json() == {"challenge": "abc123"}
    mention = {
        "type": "app_mention",
        "user": "U1",
        "text": "<@UBOT> ask o/r how?",
        "ts": "1.5",
        "channel": "C1",
    }
    assert (
        slack.send_event(
            url + "/slack/events", slack.event_payload("T1", mention), retry_num=1
        ).status_code
        == 200
    )
    assert (
        slack.send_command(url + "/slack/commands", "code o/r#5", team_id="T1").status_code == 200
    )
    event, command = seen[-2:]
    assert isinstance(event, SlackMessageEvent)
    assert event.command == Ask("how?", RepoRef("o", "r"))
    assert isinstance(command, SlashCommand)
    assert command.command == Code(RepoRef("o", "r"), 5)
    assert command.response_url.startswith(slack.hooks_url)


def test_slack_signed_block_actions_reach_the_app(
    slack: SlackFake, receiver: tuple[str, list[Any]]
) -> None:
    url, seen = receiver
    sent = slack.send_block_action(url + "/slack/interactions", "open_dashboard", team_id="T1")
    assert sent.status_code == 200
    assert isinstance(seen[-1], SlackAction)
    assert (seen[-1].team_id, seen[-1].action_ids) == ("T1", ("open_dashboard",))
    assert seen[-1].response_url.startswith(slack.hooks_url + "actions/")


def test_slack_stale_or_forged_requests_are_401(
    slack: SlackFake, receiver: tuple[str, list[Any]]
) -> None:
    url, seen = receiver
    before = len(seen)
    stale = slack.send_command(url + "/slack/commands", "ask x", timestamp=1531420618)
    forged = slack.send_event(
        url + "/slack/events",
        {"type": "url_verification", "challenge": "x"},
        signature="v0=" + "0" * 64,
    )
    assert (stale.status_code, stale.text) == (401, "stale timestamp")
    assert (forged.status_code, forged.text) == (401, "bad signature")
    assert len(seen) == before


def test_discord_signed_interactions_reach_the_app(
    discord: DiscordFake, receiver: tuple[str, list[Any]]
) -> None:
    url, seen = receiver
    assert discord.send_interaction(url + "/discord", discord.ping_payload()).json() == {"type": 1}
    payload = discord.command_payload("link", {"code": "LINK-CODE-9"}, guild_id=None)
    assert discord.send_interaction(url + "/discord", payload).json() == {"type": 5}
    assert isinstance(seen[-1], DiscordCommand)
    assert seen[-1].command == Link("LINK-CODE-9")
    before = len(seen)
    assert (
        discord.send_interaction(
            url + "/discord", discord.ping_payload(), bad_signature=True
        ).status_code
        == 401
    )
    assert len(seen) == before


def test_telegram_updates_with_the_secret_reach_the_app(
    telegram: TelegramFake, receiver: tuple[str, list[Any]]
) -> None:
    url, seen = receiver
    TelegramClient(telegram.bot_token, base_url=telegram.api_url).set_webhook(
        "https://app.example/tg", "s3cret_TOKEN-1"
    )
    update = telegram.message_update("/code@MorningAIBot o/r#8", chat_type="group", chat_id=-5)
    slept = _Sleeps()
    client = TelegramClient(
        telegram.bot_token, base_url=telegram.api_url, sleep=slept, clock=slept.clock
    )
    client.send_messages(-5, ["one", "two"])  # a group: 20 a minute
    assert slept == [3.0]
    assert telegram.send_update(url + "/telegram", update).status_code == 200
    assert isinstance(seen[-1], TelegramCommand)
    assert (seen[-1].update_id, seen[-1].command) == (
        update["update_id"],
        Code(RepoRef("o", "r"), 8),
    )
    before = len(seen)
    assert telegram.send_update(url + "/telegram", update, secret="").status_code == 401
    assert telegram.send_update(url + "/telegram", update, secret="wrong").status_code == 401
    assert len(seen) == before


def test_nothing_any_fake_received_holds_a_secret(
    slack: SlackFake, discord: DiscordFake, telegram: TelegramFake
) -> None:
    received = json.dumps(
        [
            [m.__dict__ for m in slack.messages],
            [r.__dict__ for r in slack.responses],
            [c.__dict__ for c in discord.calls],
            [m.__dict__ for m in telegram.messages],
        ],
        default=str,
    )
    secrets = [slack.signing_secret, slack.client_secret, discord.bot_token, telegram.bot_token]
    secrets += list(slack.tokens)
    assert received  # the module's tests sent plenty
    for secret in secrets:
        assert secret not in received
    assert httpx  # imported for the type of the fakes' senders
