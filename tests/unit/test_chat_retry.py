"""The one 429 policy of the chat clients, and errors and log lines that never carry a token."""

from __future__ import annotations

import logging

import pytest

from chat.errors import ChatApiError, RateLimited, redact
from chat.http import redact_url
from chat.retry import Pacer, parse_seconds, with_rate_limit_retry


class _Flaky:
    def __init__(self, waits: list[float]) -> None:
        self.waits = list(waits)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.waits:
            raise RateLimited("slack", "chat.postMessage", self.waits.pop(0))
        return "sent"


def test_waits_what_the_platform_asked_then_succeeds() -> None:
    slept: list[float] = []
    call = _Flaky([1.0, 2.5])
    assert with_rate_limit_retry(call, sleep=slept.append) == "sent"
    assert slept == [1.0, 2.5]
    assert call.calls == 3


def test_a_wait_past_the_cap_reaches_the_caller_with_the_wait() -> None:
    slept: list[float] = []
    with pytest.raises(RateLimited) as raised:
        with_rate_limit_retry(_Flaky([20.0, 15.0]), sleep=slept.append, max_wait=30)
    assert slept == [20.0]  # 20 + 15 would pass 30
    assert raised.value.retry_after == 15.0
    assert raised.value.status == 429


def test_attempts_are_capped_too() -> None:
    slept: list[float] = []
    with pytest.raises(RateLimited):
        with_rate_limit_retry(_Flaky([0.1] * 10), sleep=slept.append, max_attempts=3)
    assert slept == [0.1, 0.1]


def test_other_errors_are_not_retried() -> None:
    calls = []

    def failing() -> None:
        calls.append(1)
        raise ChatApiError("discord", "follow-up", 400, "50035 Invalid Form Body")

    with pytest.raises(ChatApiError, match="discord follow-up: HTTP 400: 50035 Invalid Form Body"):
        with_rate_limit_retry(failing, sleep=lambda _: None)
    assert calls == [1]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3", 3.0),
        ("0.25", 0.25),
        (1.5, 1.5),
        (0, 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("-1", None),
        ("nan", None),
        ("inf", None),
        (True, None),
    ],
)
def test_parse_seconds(value: object, seconds: float | None) -> None:
    assert parse_seconds(value) == seconds


def test_error_text_and_redaction() -> None:
    error = ChatApiError("telegram", "sendMessage", None, "transport error (ConnectError)")
    assert str(error) == "telegram sendMessage: no answer: transport error (ConnectError)"
    assert repr(error).startswith("ChatApiError(telegram sendMessage")
    assert (
        redact("token 123:abc leaked 123:abc", "123:abc", "")
        == "token [redacted] leaked [redacted]"
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            'POST https://api.telegram.org/bot123:AA-bb_cc/sendMessage "HTTP/1.1 200 OK"',
            'POST https://api.telegram.org/bot[redacted]/sendMessage "HTTP/1.1 200 OK"',
        ),
        (
            "POST https://discord.com/api/v10/webhooks/77/aW50ZXJhY3Rpb24?wait=true",
            "POST https://discord.com/api/v10/webhooks/77/[redacted]?wait=true",
        ),
        (
            "POST https://discord.com/api/v10/interactions/1/tok_en/callback",
            "POST https://discord.com/api/v10/interactions/1/[redacted]/callback",
        ),
        ("GET https://slack.com/api/auth.test", "GET https://slack.com/api/auth.test"),
        (
            "url: https://hooks.slack.com/commands/T1DC2JH3J/3977008855/96rGlfmibIGlgcZ, body",
            "url: https://hooks.slack.com/commands/T1DC2JH3J/3977008855/[redacted], body",
        ),
        (
            '{"ok": true, "access_token": "xoxb-17-abcDEF", "refresh": "xoxe-1-x"}',
            '{"ok": true, "access_token": "xoxb-[redacted]", "refresh": "xoxe-[redacted]"}',
        ),
        (
            "https://hooks.slack.com/actions/T1/2/secret",
            "https://hooks.slack.com/actions/T1/2/[redacted]",
        ),
    ],
)
def test_url_secrets_are_redacted(line: str, expected: str) -> None:
    assert redact_url(line) == expected


def test_httpx_log_records_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    import chat.http  # noqa: F401  (installs the filter)

    with caplog.at_level(logging.DEBUG, logger="httpx"):
        logging.getLogger("httpx").info(
            "HTTP Request: %s %s", "POST", "http://x/bot42:SECRET/getMe"
        )
    assert "SECRET" not in caplog.text
    assert "bot[redacted]/getMe" in caplog.text


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_pacer_spaces_sends_per_key() -> None:
    clock = _Clock()
    pacer = Pacer(clock=lambda: clock.now, sleep=clock.sleep)
    pacer.wait("chat-1", 1.0)
    pacer.wait("chat-2", 1.0)  # another chat: no wait
    assert clock.slept == []
    pacer.wait("chat-1", 1.0)
    assert clock.slept == [1.0]
    clock.now += 0.25
    pacer.wait("chat-1", 1.0)
    assert clock.slept == [1.0, 0.75]
    clock.now += 5
    pacer.wait("chat-1", 3.0)
    pacer.wait("chat-1", 3.0)
    assert clock.slept == [1.0, 0.75, 3.0]


def test_pacer_forgets_quiet_keys() -> None:
    clock = _Clock()
    pacer = Pacer(clock=lambda: clock.now, sleep=clock.sleep)
    for key in range(1500):
        pacer.wait(str(key), 1.0)
        clock.now += 0.01
    assert len(pacer._next) < 1500
    assert clock.slept == []
